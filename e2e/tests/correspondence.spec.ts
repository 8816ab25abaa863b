import { randomBytes } from 'node:crypto';

import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

import { CORRESPONDENT, OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';
import { sentMessages, TWILIO, twilioSignature } from '../support/fake-twilio';

/**
 * Correspondence with patients by SMS, through a local Twilio (support/fake-twilio.ts) that
 * accepts what the outbox worker sends and reports its delivery back to the signed webhook.
 */

/** A Twilio message SID. */
function sid(): string {
  return `SM${randomBytes(16).toString('hex')}`;
}

/** Posts a text from `from` to the practice's inbound-SMS webhook, as Twilio would: signed with
 * the auth token over the public URL and every parameter (or with `signature`, to forge one). */
async function textFromPatient(
  api: APIRequestContext,
  baseURL: string,
  from: string,
  body: string,
  signature?: string,
): Promise<{ status: number; sid: string }> {
  const url = `${baseURL}/api/v1/webhooks/twilio/messages`;
  const messageSid = sid();
  const params: Record<string, string> = {
    AccountSid: TWILIO.accountSid,
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    MessageSid: messageSid,
    NumMedia: '0',
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    SmsStatus: 'received',
    To: TWILIO.from,
  };
  const response = await api.post(url, {
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': signature ?? twilioSignature(TWILIO.authToken, url, params),
    },
    data: new URLSearchParams(params).toString(),
  });
  return { status: response.status(), sid: messageSid };
}

/** Marks the page so that a reload (which would lose the mark) can be told apart. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true;
  });
}

async function stillTheSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage === true);
}

test.describe.serial('correspondence', () => {
  let problems: string[] = [];
  let practiceName = '';
  let replySid = '';

  test.beforeAll(async ({ baseURL }) => {
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const settings = await admin.get('/api/v1/settings');
    expect(settings.status()).toBe(200);
    practiceName = (await settings.json()).practice_name;
    await admin.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a receptionist texts a patient from a template and sees it delivered without reloading', async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(60_000);
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(admin, {
      first_name: 'Mia',
      last_name: 'Textwell',
      date_of_birth: '1988-06-15',
      phone_numbers: [{ phone_type: 'mobile', number: '0412 700 101' }],
    });
    await admin.dispose();

    await signIn(page, CORRESPONDENT);
    await page.goto(`/patients/${patient.id}`);
    await page.getByRole('navigation', { name: 'Patient record' }).getByRole('link', { name: 'Correspondence' }).click();
    await expect(page).toHaveURL(new RegExp(`/patients/${patient.id}/correspondence$`));
    await expect(page.getByText('No messages yet')).toBeVisible();
    await markPage(page);

    const compose = page.getByRole('region', { name: 'Write to Mia' });
    const sendBy = compose.getByRole('group', { name: 'Send by' });
    await expect(sendBy.getByRole('button', { name: 'SMS' })).toHaveAttribute('aria-pressed', 'true');
    // She has no email address on file: the panel says so when email is chosen.
    await sendBy.getByRole('button', { name: 'Email' }).click();
    await expect(compose.getByTestId('compose-blocked')).toContainText('Mia has no email address on file');
    await expect(compose.getByRole('button', { name: 'Send email' })).toBeDisabled();
    await sendBy.getByRole('button', { name: 'SMS' }).click();
    await expect(compose.getByTestId('compose-blocked')).toHaveCount(0);

    await compose.getByLabel('Template').selectOption('Please call us');
    const text = `Hi Mia, this is ${practiceName}. Please give us a call when you have a moment.`;
    await expect(compose.getByLabel('Message')).toHaveValue(text);
    await expect(compose.getByTestId('sms-count')).toHaveText(`${text.length} of 459 characters · 1 text`);
    await compose.getByLabel('Message').fill(`${text} Thank you!`);
    await expect(compose.getByTestId('sms-count')).toContainText(`${text.length + 11} of 459 characters`);
    await compose.getByRole('button', { name: 'Send SMS' }).click();
    await expect(page.getByText('SMS to Mia queued for sending.')).toBeVisible();
    await expect(compose.getByLabel('Message')).toHaveValue('');

    const entry = page.getByTestId('correspondence-entry').filter({ hasText: 'Thank you!' });
    await expect(entry).toHaveCount(1);
    await expect(entry).toContainText('SMS to +61412700101');
    await expect(entry).toContainText(`Written by staff · by ${CORRESPONDENT.name}`);
    await expect(entry.locator('.badge').first()).toHaveText(/Queued|Sent/);
    await screenshot(page, 'correspondence-01-queued');
    // The outbox worker hands it to Twilio within its 5-second poll; Twilio reports it sent,
    // then delivered; the open tab shows each without a reload.
    await expect(entry.locator('.badge').first()).toHaveText('Delivered', { timeout: 20_000 });
    expect(await stillTheSamePage(page), 'the page was not reloaded').toBe(true);
    await screenshot(page, 'correspondence-02-delivered');

    const delivered = (await sentMessages()).filter((m) => m.to === '+61412700101');
    expect(delivered).toHaveLength(1);
    expect(delivered[0].body).toBe(`${text} Thank you!`);

    // The channel chips narrow the history.
    await page.getByRole('group', { name: 'Channel' }).getByRole('button', { name: 'Email' }).click();
    await expect(page.getByText('No Email messages')).toBeVisible();
    await page.getByRole('group', { name: 'Channel' }).getByRole('button', { name: 'All', exact: true }).click();
    await expect(entry).toHaveCount(1);
  });

  test("a patient's text waits unanswered first in Communications and on their tab until it is answered", async ({
    page,
    baseURL,
    request,
  }) => {
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(admin, {
      first_name: 'Noah',
      last_name: 'Replier',
      date_of_birth: '1979-02-03',
      phone_numbers: [{ phone_type: 'mobile', number: '0412 700 202' }],
    });
    await admin.dispose();

    const received = await textFromPatient(request, baseURL as string, '+61412700202', 'Can I move my appointment to Friday?');
    expect(received.status).toBe(200);
    replySid = received.sid;

    await signIn(page, CORRESPONDENT);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Communications' }).click();
    await expect(page.getByRole('heading', { name: 'Communications', level: 1 })).toBeVisible();
    const first = page.getByTestId('communication').first();
    await expect(first).toContainText('Noah Replier');
    await expect(first).toContainText('Can I move my appointment to Friday?');
    await expect(first).toContainText('SMS from +61412700202');
    await expect(first.locator('.badge', { hasText: 'Unanswered' })).toBeVisible();
    await page.getByLabel('Unanswered').check();
    await expect(page.getByTestId('communication')).toHaveCount(1);
    await screenshot(page, 'correspondence-03-communications');

    await first.getByRole('link', { name: 'Noah Replier' }).click();
    await expect(page).toHaveURL(new RegExp(`/patients/${patient.id}/correspondence$`));
    const reply = page.getByTestId('correspondence-entry').filter({ hasText: 'Can I move my appointment to Friday?' });
    await expect(reply).toContainText('From the patient');
    await expect(reply.locator('.badge', { hasText: 'Unanswered' })).toBeVisible();
    await expect(reply.getByRole('button', { name: 'Mark answered' })).toBeVisible();

    // Writing back by SMS answers it.
    const compose = page.getByRole('region', { name: 'Write to Noah' });
    await compose.getByLabel('Message').fill('Hi Noah, Friday at 10 works. We have moved it for you.');
    await compose.getByRole('button', { name: 'Send SMS' }).click();
    await expect(page.getByText('SMS to Noah queued for sending.')).toBeVisible();
    await expect(reply.locator('.badge', { hasText: 'Unanswered' })).toHaveCount(0);
    await expect(reply.getByText(/^Answered /)).toBeVisible();
    await expect(reply.getByRole('button', { name: 'Mark answered' })).toHaveCount(0);
    await screenshot(page, 'correspondence-04-answered');

    await page.goto('/communications');
    await page.getByLabel('Unanswered').check();
    await expect(page.getByText('No messages match')).toBeVisible();
  });

  test('an administrator sees the provider calls, and a forged one refused', async ({ page, baseURL, request }) => {
    await signIn(page, OFFICE_ADMIN);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Provider calls' }).click();
    await expect(page).toHaveURL(/\/admin\/webhooks$/);
    await expect(page.getByRole('heading', { name: 'Provider calls', level: 1 })).toBeVisible();

    const calls = page.getByTestId('provider-call');
    const inbound = calls.filter({ hasText: replySid });
    await expect(inbound).toContainText('Incoming SMS');
    await expect(inbound).toContainText('✓ Verified');
    await expect(inbound).toContainText("Added to the patient's record");
    await expect(inbound).toContainText(/\d+ ms/);
    const reports = calls.filter({ hasText: 'Delivery report' });
    await expect(reports.filter({ hasText: 'Delivery status recorded' }).first()).toBeVisible();
    await markPage(page);

    // A call that is not signed by the practice's Twilio account is refused, and the open page
    // shows it by itself.
    const forged = await textFromPatient(request, baseURL as string, '+61412700202', 'Send me their records', 'bm90IGEgc2lnbmF0dXJl');
    expect(forged.status).toBe(403);
    const refused = calls.filter({ hasText: 'Refused' }).first();
    await expect(refused).toContainText('the signature does not match', { timeout: 15_000 });
    await expect(refused).toContainText('Incoming SMS');
    expect(await stillTheSamePage(page), 'the page was not reloaded').toBe(true);
    await screenshot(page, 'correspondence-05-provider-calls');

    await page.getByLabel('Show').selectOption('Refused');
    await expect(calls.filter({ hasText: '✓ Verified' })).toHaveCount(0);
    await expect(calls.first()).toContainText('Refused');
    await page.getByLabel('Show').selectOption('Verified');
    await expect(calls.filter({ hasText: 'Refused' })).toHaveCount(0);
    await expect(inbound).toBeVisible();
  });
});
