import { randomBytes } from 'node:crypto';

import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

import { CALLER, OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';
import { FAKE_TRANSCRIPT, SPEECH_KEY, transcriptions } from '../support/fake-speech';
import { deletedRecordings, placedCalls, TWILIO, twilioSignature, type FakeCall } from '../support/fake-twilio';

/**
 * Calling a patient from their record. The server asks Twilio (support/fake-twilio.ts) to ring
 * the member of staff's phone; the tests then play what Twilio does next, posting to the
 * server's signed call webhooks as Twilio would, and watch the open Correspondence tab follow
 * the call without reloading.
 */

/** The phone the member of staff is rung on. */
const STAFF_PHONE = '+61400000001';

/** A Twilio SID: `prefix` and 32 hex digits. */
function sid(prefix: 'CA' | 'RE'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/** Posts form parameters to one of the server's Twilio webhooks, signed with the auth token
 * over the URL as given and every parameter, as Twilio does; returns the status and the body. */
async function playTwilio(
  api: APIRequestContext,
  url: string,
  params: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const response = await api.post(url, {
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': twilioSignature(TWILIO.authToken, url, params),
    },
    data: new URLSearchParams(params).toString(),
  });
  return { status: response.status(), body: await response.text() };
}

/** An attribute of the first `element` in a TwiML document, with XML's escapes undone. */
function twimlAttribute(twiml: string, element: string, attribute: string): string | undefined {
  const tag = new RegExp(`<${element}\\b[^>]*>`).exec(twiml)?.[0];
  const value = tag && new RegExp(`\\b${attribute}="([^"]*)"`).exec(tag)?.[1];
  return value
    ?.replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The newest call the fake Twilio was asked to place to `to`, once it has been. */
async function callPlacedTo(to: string): Promise<FakeCall> {
  let found: FakeCall | undefined;
  await expect
    .poll(async () => {
      found = (await placedCalls()).filter((c) => c.to === to).at(-1);
      return found?.sid;
    })
    .toBeTruthy();
  return found as FakeCall;
}

/** The calls placed to the member of staff's phone so far. */
async function callsToStaff(): Promise<number> {
  return (await placedCalls()).filter((c) => c.to === STAFF_PHONE).length;
}

/** Twilio, once the member of staff answers `call`: asks the server what to do, and returns
 * the TwiML. */
async function staffAnswers(api: APIRequestContext, call: FakeCall): Promise<string> {
  const connect = await playTwilio(api, call.url, {
    AccountSid: TWILIO.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: call.sid,
    CallStatus: 'in-progress',
    Direction: 'outbound-api',
    From: TWILIO.from,
    To: STAFF_PHONE,
  });
  expect(connect.status, connect.body).toBe(200);
  return connect.body;
}

/** Twilio, once the patient's leg of `call` has ended with `status` after `seconds`. */
async function patientLegEnds(
  api: APIRequestContext,
  twiml: string,
  call: FakeCall,
  status: 'completed' | 'no-answer',
  seconds: number,
): Promise<void> {
  const dialed = twimlAttribute(twiml, 'Dial', 'action');
  expect(dialed, twiml).toMatch(/\/dialed(\?.*)?$/);
  const ended = await playTwilio(api, dialed as string, {
    AccountSid: TWILIO.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: call.sid,
    CallStatus: 'in-progress',
    DialCallDuration: String(seconds),
    DialCallSid: sid('CA'),
    DialCallStatus: status,
    Direction: 'outbound-api',
    From: TWILIO.from,
    To: STAFF_PHONE,
  });
  expect(ended.status, ended.body).toBe(200);
}

/** Twilio, once the recording of `call` is ready under `recordingSid`. */
async function recordingReady(api: APIRequestContext, twiml: string, call: FakeCall, recordingSid: string): Promise<void> {
  const callback = twimlAttribute(twiml, 'Dial', 'recordingStatusCallback');
  expect(callback, twiml).toBeTruthy();
  const recorded = await playTwilio(api, callback as string, {
    AccountSid: TWILIO.accountSid,
    CallSid: call.sid,
    RecordingChannels: '2',
    RecordingDuration: '65',
    RecordingSid: recordingSid,
    RecordingSource: 'DialVerb',
    RecordingStartTime: new Date().toUTCString(),
    RecordingStatus: 'completed',
    RecordingTrack: 'both',
    RecordingUrl: `${process.env.E2E_TWILIO_URL}/2010-04-01/Accounts/${TWILIO.accountSid}/Recordings/${recordingSid}`,
  });
  expect(recorded.status, recorded.body).toBeLessThan(300);
}

/** A patient with a mobile number who agreed to call recording, with `CALLER` on their care
 * team (so that they may listen to the recording, one of the patient's documents). */
async function consentingPatient(
  baseURL: string,
  details: { first_name: string; last_name: string; date_of_birth: string; mobile: string },
): Promise<{ id: string }> {
  const admin = await apiAs(baseURL, OFFICE_ADMIN);
  const patient = await createPatient(admin, {
    first_name: details.first_name,
    last_name: details.last_name,
    date_of_birth: details.date_of_birth,
    phone_numbers: [{ phone_type: 'mobile', number: details.mobile }],
  });
  const consent = await admin.put(`/api/v1/patients/${patient.id}/consents/call_recording`, { data: { given: true } });
  expect(consent.status(), await consent.text()).toBe(200);
  const caller = await apiAs(baseURL, CALLER);
  const me = await (await caller.get('/api/v1/auth/me')).json();
  await caller.dispose();
  const team = await admin.post(`/api/v1/patients/${patient.id}/care-team`, { data: { user_id: me.id } });
  expect(team.status(), await team.text()).toBe(201);
  await admin.dispose();
  return patient;
}

async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true;
  });
}

async function stillTheSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage === true);
}

async function openCorrespondence(page: Page, patientId: string): Promise<void> {
  await page.goto(`/patients/${patientId}`);
  await page.getByRole('navigation', { name: 'Patient record' }).getByRole('link', { name: 'Correspondence' }).click();
  await expect(page).toHaveURL(new RegExp(`/patients/${patientId}/correspondence$`));
}

test.describe.serial('calls', () => {
  let problems: string[] = [];

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a practitioner calls a patient who agreed to recording, and sees it answered, timed and recorded without reloading', async ({
    page,
    baseURL,
    request,
  }) => {
    test.setTimeout(90_000);
    const patient = await consentingPatient(baseURL as string, {
      first_name: 'Ava',
      last_name: 'Callwell',
      date_of_birth: '1984-09-21',
      mobile: '0412 700 303',
    });

    await signIn(page, CALLER);
    await openCorrespondence(page, patient.id);
    await expect(page.getByText('No messages yet')).toBeVisible();
    await markPage(page);

    const phone = page.getByRole('region', { name: 'Phone' });
    await phone.getByRole('button', { name: 'Call Ava' }).click();
    const dialog = page.getByRole('dialog', { name: 'Call Ava' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('call-patient-phone')).toHaveText('+61412700303');
    const record = dialog.getByLabel('Record this call');
    await expect(record).toBeEnabled();
    await expect(record).not.toBeChecked();
    await dialog.getByLabel('Your phone').fill('12 345');
    await record.check();
    await expect(dialog.getByTestId('call-record-hint')).toContainText('Ava will hear that the call is recorded');
    await expect(dialog.getByTestId('call-record-hint')).toContainText('No transcript will be written');
    // A number that is not a phone number is caught at the field.
    await dialog.getByRole('button', { name: 'Call now' }).click();
    await expect(dialog.getByLabel('Your phone')).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByText('Give your phone number, such as 0412 345 678')).toBeVisible();
    await dialog.getByLabel('Your phone').fill(STAFF_PHONE);
    await screenshot(page, 'calls-01-dialog');
    await dialog.getByRole('button', { name: 'Call now' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText('Your phone will ring now.')).toBeVisible();

    const entry = page.getByTestId('correspondence-entry').filter({ hasText: 'Call to +61412700303' });
    await expect(entry).toHaveCount(1);
    await expect(page.getByTestId('correspondence-entry').first()).toContainText('Call to +61412700303');
    await expect(entry).toContainText(`Made by ${CALLER.name}`);
    const status = entry.locator('.badge').first();
    await expect(status).toHaveText('Ringing your phone');

    // Twilio rings the practitioner's phone from the practice's number.
    const call = await callPlacedTo(STAFF_PHONE);
    expect(call.from).toBe(TWILIO.from);
    expect(call.statusCallback).toBeTruthy();

    // She answers: Twilio asks what to do, and is told to dial the patient, recording.
    const connect = await playTwilio(request, call.url, {
      AccountSid: TWILIO.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
      From: TWILIO.from,
      To: STAFF_PHONE,
    });
    expect(connect.status, connect.body).toBe(200);
    expect(connect.body).toContain('<Dial');
    expect(connect.body).toContain('+61412700303');
    expect(connect.body).toContain('record=');
    const dialed = twimlAttribute(connect.body, 'Dial', 'action');
    expect(dialed, connect.body).toMatch(/\/dialed(\?.*)?$/);
    const recordingCallback = twimlAttribute(connect.body, 'Dial', 'recordingStatusCallback');
    expect(recordingCallback, connect.body).toBeTruthy();
    await expect(status).toHaveText('Connecting');
    expect(await stillTheSamePage(page), 'the page was not reloaded').toBe(true);

    // Ava answers and hears that the call is recorded before she is connected.
    const patientLeg = sid('CA');
    const announce = twimlAttribute(connect.body, 'Number', 'url');
    expect(announce, connect.body).toBeTruthy();
    const announcement = await playTwilio(request, announce as string, {
      AccountSid: TWILIO.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: patientLeg,
      CallStatus: 'in-progress',
      Direction: 'outbound-dial',
      From: TWILIO.from,
      ParentCallSid: call.sid,
      To: '+61412700303',
    });
    expect(announcement.status, announcement.body).toBe(200);
    expect(announcement.body).toMatch(/<Say[^>]*>[^<]*record/i);

    // They talk for a minute and five seconds.
    const ended = await playTwilio(request, dialed as string, {
      AccountSid: TWILIO.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: 'in-progress',
      DialCallDuration: '65',
      DialCallSid: patientLeg,
      DialCallStatus: 'completed',
      Direction: 'outbound-api',
      From: TWILIO.from,
      To: STAFF_PHONE,
    });
    expect(ended.status, ended.body).toBe(200);
    await expect(status).toHaveText('Answered');
    await expect(entry.getByTestId('call-facts')).toContainText('Lasted 1:05');
    expect(await stillTheSamePage(page), 'the page was not reloaded').toBe(true);
    await screenshot(page, 'calls-02-answered');

    // Twilio says the practitioner's leg ended too; the call stays answered.
    const completed = await playTwilio(request, call.statusCallback as string, {
      AccountSid: TWILIO.accountSid,
      ApiVersion: '2010-04-01',
      CallDuration: '80',
      CallSid: call.sid,
      CallStatus: 'completed',
      Direction: 'outbound-api',
      From: TWILIO.from,
      To: STAFF_PHONE,
    });
    expect(completed.status, completed.body).toBeLessThan(300);

    // The recording is ready: the server fetches it from Twilio, files it encrypted in her
    // documents, and deletes Twilio's copy.
    const recordingSid = sid('RE');
    const recorded = await playTwilio(request, recordingCallback as string, {
      AccountSid: TWILIO.accountSid,
      CallSid: call.sid,
      RecordingChannels: '2',
      RecordingDuration: '65',
      RecordingSid: recordingSid,
      RecordingSource: 'DialVerb',
      RecordingStartTime: new Date().toUTCString(),
      RecordingStatus: 'completed',
      RecordingTrack: 'both',
      RecordingUrl: `${process.env.E2E_TWILIO_URL}/2010-04-01/Accounts/${TWILIO.accountSid}/Recordings/${recordingSid}`,
    });
    expect(recorded.status, recorded.body).toBeLessThan(300);
    await expect(entry.getByTestId('call-facts')).toContainText('Recorded', { timeout: 20_000 });
    await expect(status).toHaveText('Answered');
    await expect.poll(deletedRecordings, { timeout: 20_000 }).toContain(recordingSid);
    await entry.getByRole('button', { name: 'Play recording' }).click();
    const player = entry.locator('audio');
    await expect(player).toBeVisible();
    await expect(player).toHaveAttribute('controls', /.*/);
    await expect(player).toHaveAttribute('src', /^blob:/);
    // The browser may load it (the page's Content-Security-Policy allows media from blob:) and
    // reads its length: half a second.
    await expect
      .poll(() => player.evaluate((audio: HTMLAudioElement) => audio.duration), { timeout: 5_000 })
      .toBeGreaterThan(0.4);
    expect(await stillTheSamePage(page), 'the page was not reloaded').toBe(true);
    await screenshot(page, 'calls-03-recorded');

    // The practice's Communications shows the call the same way.
    await page.goto('/communications');
    await page.getByLabel('Channel').selectOption('call');
    const listed = page.getByTestId('communication').filter({ hasText: 'Ava Callwell' });
    await expect(listed).toHaveCount(1);
    await expect(listed).toContainText('Call to +61412700303');
    await expect(listed.locator('.badge').first()).toHaveText('Answered');
    await expect(listed.getByTestId('call-facts')).toContainText('Lasted 1:05');
    await expect(listed.getByRole('button', { name: 'Play recording' })).toBeVisible();
  });

  test("a call cannot be recorded without the patient's consent, and one not answered shows why", async ({
    page,
    baseURL,
    request,
  }) => {
    test.setTimeout(60_000);
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(admin, {
      first_name: 'Ben',
      last_name: 'Unrecorded',
      date_of_birth: '1969-04-11',
      phone_numbers: [{ phone_type: 'mobile', number: '0412 700 404' }],
    });
    const unreachable = await createPatient(admin, {
      first_name: 'Cleo',
      last_name: 'Nophone',
      date_of_birth: '1991-12-01',
      email: `cleo.nophone.${Date.now()}@e2e.test`,
    });
    await admin.dispose();

    await signIn(page, CALLER);
    // Call recording is asked like the other consents, and not given until the patient says so.
    await page.goto(`/patients/${patient.id}`);
    const consent = page.getByRole('region', { name: 'Consents' }).getByLabel('Recording of my phone calls with the practice');
    await expect(consent).toBeVisible();
    await expect(consent).not.toBeChecked();
    await openCorrespondence(page, patient.id);
    await markPage(page);
    await page.getByRole('region', { name: 'Phone' }).getByRole('button', { name: 'Call Ben' }).click();
    const dialog = page.getByRole('dialog', { name: 'Call Ben' });
    await expect(dialog.getByTestId('call-patient-phone')).toHaveText('+61412700404');
    // The phone she gave last time is remembered.
    await expect(dialog.getByLabel('Your phone')).toHaveValue(STAFF_PHONE);
    await expect(dialog.getByLabel('Record this call')).toBeDisabled();
    await expect(dialog.getByTestId('call-record-hint')).toContainText('Ben has not agreed to their calls being recorded');
    await screenshot(page, 'calls-04-no-consent');

    // The server refuses a recorded call too, and places none.
    const before = await callsToStaff();
    const caller = await apiAs(baseURL as string, CALLER);
    const refused = await caller.post(`/api/v1/patients/${patient.id}/calls`, {
      data: { staff_phone: STAFF_PHONE, record: true },
    });
    expect(refused.status(), await refused.text()).toBe(409);
    expect((await refused.json()).code).toBe('consent_withdrawn');
    await caller.dispose();

    // Unrecorded, the call goes ahead; Ben does not answer.
    await dialog.getByRole('button', { name: 'Call now' }).click();
    await expect(dialog).toBeHidden();
    const entry = page.getByTestId('correspondence-entry').filter({ hasText: 'Call to +61412700404' });
    const status = entry.locator('.badge').first();
    await expect(status).toHaveText('Ringing your phone');
    await expect.poll(callsToStaff).toBe(before + 1);
    const call = await callPlacedTo(STAFF_PHONE);
    const connect = await playTwilio(request, call.url, {
      AccountSid: TWILIO.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
      From: TWILIO.from,
      To: STAFF_PHONE,
    });
    expect(connect.status, connect.body).toBe(200);
    expect(connect.body).toContain('<Dial');
    expect(connect.body).toContain('+61412700404');
    expect(connect.body).not.toContain('record=');
    const dialed = twimlAttribute(connect.body, 'Dial', 'action');
    expect(dialed, connect.body).toMatch(/\/dialed(\?.*)?$/);
    await expect(status).toHaveText('Connecting');
    const missed = await playTwilio(request, dialed as string, {
      AccountSid: TWILIO.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: 'in-progress',
      DialCallDuration: '0',
      DialCallSid: sid('CA'),
      DialCallStatus: 'no-answer',
      Direction: 'outbound-api',
      From: TWILIO.from,
      To: STAFF_PHONE,
    });
    expect(missed.status, missed.body).toBe(200);
    await expect(status).toHaveText('Failed');
    await expect(entry.getByText(/^Not connected: /)).toBeVisible();
    await expect(entry.getByTestId('call-facts')).toHaveCount(0);
    expect(await stillTheSamePage(page), 'the page was not reloaded').toBe(true);
    await screenshot(page, 'calls-05-not-answered');

    // A patient with no phone number on file cannot be called: the dialog says why.
    await openCorrespondence(page, unreachable.id);
    await page.getByRole('region', { name: 'Phone' }).getByRole('button', { name: 'Call Cleo' }).click();
    const cannot = page.getByRole('dialog', { name: 'Call Cleo' });
    await expect(cannot.getByTestId('call-not-ready')).toBeVisible();
    await expect(cannot.getByRole('button', { name: 'Call now' })).toHaveCount(0);
    await cannot.getByRole('button', { name: 'Close', exact: true }).first().click();
    await expect(cannot).toBeHidden();
  });
});

test.describe.serial('calls with speech to text', () => {
  let problems: string[] = [];

  test.beforeAll(async ({ baseURL }) => {
    // An administrator sets up the speech-to-text service (the local one), as under Integrations.
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const saved = await admin.put('/api/v1/integrations/transcription', {
      data: { values: { api_base: `${process.env.E2E_SPEECH_URL}/v1`, api_key: SPEECH_KEY } },
    });
    expect(saved.status(), await saved.text()).toBe(200);
    await admin.dispose();
  });

  test.afterAll(async ({ baseURL }) => {
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const removed = await admin.delete('/api/v1/integrations/transcription');
    expect(removed.status(), await removed.text()).toBe(204);
    await admin.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a recorded call is transcribed, and its transcript opens under the call without reloading', async ({
    page,
    baseURL,
    request,
  }) => {
    test.setTimeout(90_000);
    const patient = await consentingPatient(baseURL as string, {
      first_name: 'Dana',
      last_name: 'Transcribed',
      date_of_birth: '1977-03-30',
      mobile: '0412 700 505',
    });

    await signIn(page, CALLER);
    await openCorrespondence(page, patient.id);
    await markPage(page);
    await page.getByRole('region', { name: 'Phone' }).getByRole('button', { name: 'Call Dana' }).click();
    const dialog = page.getByRole('dialog', { name: 'Call Dana' });
    await dialog.getByLabel('Your phone').fill(STAFF_PHONE);
    await dialog.getByLabel('Record this call').check();
    await expect(dialog.getByTestId('call-record-hint')).toContainText('A transcript will be written after the call.');
    const before = await callsToStaff();
    await dialog.getByRole('button', { name: 'Call now' }).click();
    await expect(dialog).toBeHidden();
    await expect.poll(callsToStaff).toBe(before + 1);
    const call = await callPlacedTo(STAFF_PHONE);

    const entry = page.getByTestId('correspondence-entry').filter({ hasText: 'Call to +61412700505' });
    const twiml = await staffAnswers(request, call);
    expect(twiml).toContain('+61412700505');
    await patientLegEnds(request, twiml, call, 'completed', 42);
    await expect(entry.locator('.badge').first()).toHaveText('Answered');
    await recordingReady(request, twiml, call, sid('RE'));

    // The recording is filed and transcribed; the transcript is on the call, folded.
    const transcript = entry.locator('details', { hasText: 'Transcript' });
    await expect(transcript).toBeVisible({ timeout: 20_000 });
    await expect(entry.getByTestId('call-facts')).toHaveText('Lasted 0:42 · Recorded');
    await expect(entry.getByText(FAKE_TRANSCRIPT)).toBeHidden();
    await transcript.getByText('Transcript', { exact: true }).click();
    await expect(entry.getByText(FAKE_TRANSCRIPT)).toBeVisible();
    expect(await stillTheSamePage(page), 'the page was not reloaded').toBe(true);
    await screenshot(page, 'calls-06-transcript');

    const asked = await transcriptions();
    expect(asked.at(-1)?.mp3, 'the recording was sent as MP3').toBe(true);
    expect(asked.at(-1)?.model).toBe('whisper-1');
  });
});
