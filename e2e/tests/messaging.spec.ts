import { randomBytes } from 'node:crypto';

import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';

import { MESSAGING_CLINICIAN, MESSAGING_RECEPTION, OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';

/**
 * Secure messaging between a patient in the portal and their care team in the staff app, kept
 * current on both sides by the live connection: nothing here reloads a page to see a change.
 */

type PortalPatient = { id: string; email: string; password: string; name: string };

/** A patient with a portal account and `MESSAGING_CLINICIAN` on their care team. */
async function patientWithCareTeam(baseURL: string, first: string, last: string): Promise<PortalPatient> {
  const admin = await apiAs(baseURL, OFFICE_ADMIN);
  const email = `${first.toLowerCase()}.${randomBytes(4).toString('hex')}@e2e.test`;
  const patient = await createPatient(admin, {
    first_name: first,
    last_name: last,
    email,
    date_of_birth: '1984-02-11',
  });
  const users = await (await admin.get('/api/v1/users', { params: { role: 'practitioner', limit: 100 } })).json();
  const clinician = users.items.find((u: { email: string }) => u.email === MESSAGING_CLINICIAN.email);
  const joined = await admin.post(`/api/v1/patients/${patient.id}/care-team`, { data: { user_id: clinician.id } });
  expect(joined.status(), await joined.text()).toBe(201);
  const account = { email, password: 'Orchid-Beacon-Tundra-66' };
  await givePortalAccount(admin, baseURL, patient.id, account);
  await admin.dispose();
  return { id: patient.id, ...account, name: `${first} ${last}` };
}

/** Starts a conversation as the patient, through the API; returns its id. */
async function startAsPatient(baseURL: string, patient: PortalPatient, subject: string, body: string): Promise<string> {
  const api: APIRequestContext = await apiAs(baseURL, patient);
  const started = await api.post('/api/v1/messages/threads', { data: { subject, body } });
  expect(started.status(), await started.text()).toBe(201);
  const id = (await started.json()).thread.id as string;
  await api.dispose();
  return id;
}

/** A page of its own, as a second person at another computer. */
async function personAt(browser: Browser): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { page, problems: watchForBreakage(page), close: () => context.close() };
}

/** The number beside Messages in the sidebar: conversations with messages not yet read. */
async function unreadCount(page: Page): Promise<number> {
  const badge = page
    .getByRole('navigation', { name: 'Main navigation' })
    .getByRole('link', { name: /^Messages/ })
    .locator('.nav-badge');
  if ((await badge.count()) === 0) return 0;
  return Number.parseInt((await badge.innerText()).trim(), 10);
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

test.describe('secure messaging', () => {
  test('a patient writes with a file, their clinician sees it arrive and answers, and each side sees the other without reloading', async ({
    browser,
    baseURL,
  }) => {
    test.setTimeout(90_000);
    const patient = await patientWithCareTeam(baseURL as string, 'Iris', 'Letterby');
    const clinician = await personAt(browser);
    const person = await personAt(browser);
    const subject = `Iron tablets ${randomBytes(3).toString('hex')}`;

    // The clinician has Messages open before anything is written.
    await Promise.all([
      clinician.page.waitForResponse((r) => r.url().includes('/api/v1/messages/unread')),
      signIn(clinician.page, MESSAGING_CLINICIAN),
    ]);
    await clinician.page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: /^Messages/ })
      .click();
    await expect(clinician.page.getByRole('heading', { name: 'Messages', level: 1 })).toBeVisible();
    await expect(clinician.page.locator('.skeleton')).toHaveCount(0);
    await markPage(clinician.page);
    const unreadBefore = await unreadCount(clinician.page);

    // The patient writes to their care team with a file attached.
    await signIn(person.page, patient);
    await person.page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: /^Messages/ }).click();
    await expect(person.page.getByText('No messages yet')).toBeVisible();
    await person.page.getByRole('button', { name: 'New message' }).click();
    const form = person.page.getByRole('form', { name: 'New conversation' });
    await form.getByLabel('Subject').fill(subject);
    await expect(form.getByLabel('To', { exact: true })).toHaveValue('');
    await expect(form.getByLabel('To', { exact: true }).locator('option:checked')).toHaveText('My care team');
    await form.getByLabel('Message').fill('Should I keep taking the iron tablets with my morning coffee?');
    await form.getByLabel('Attach files').setInputFiles({
      name: 'pharmacy label.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Ferrous sulfate 325 mg, one tablet daily'),
    });
    await expect(form.getByRole('list', { name: 'Files to send' })).toContainText('pharmacy label.txt');
    await form.getByRole('button', { name: 'Send' }).click();
    await expect(person.page).toHaveURL(/\/portal\/messages\/[0-9a-f-]{36}$/);
    await expect(person.page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
    const own = person.page.getByTestId('thread-message').filter({ hasText: 'morning coffee' });
    await expect(own).toHaveClass(/bubble-mine/);
    await expect(own.getByRole('button', { name: 'Download pharmacy label.txt' })).toBeVisible();
    // The file's size shows beside its name.
    await expect(own.getByRole('list', { name: 'Attached files' })).toContainText(/pharmacy label\.txt\s*40 bytes/);
    await expect(own.getByText('Read', { exact: true })).toHaveCount(0);
    await markPage(person.page);
    await screenshot(person.page, 'messaging-01-patient-wrote');

    // It arrives in the clinician's open list, unread, and the count beside Messages rises.
    const row = clinician.page.getByTestId('thread-row').filter({ hasText: subject });
    await expect(row).toBeVisible();
    await expect(row).toContainText('Iris Letterby');
    await expect(row).toContainText('Unread');
    await expect(row).toContainText('The patient wrote last');
    await expect.poll(() => unreadCount(clinician.page)).toBe(unreadBefore + 1);
    expect(await stillTheSamePage(clinician.page), 'the Messages page was not reloaded').toBe(true);
    await screenshot(clinician.page, 'messaging-02-arrived');

    // The clinician opens it (the address names it), downloads the file and answers.
    await row.getByRole('link', { name: subject }).click();
    await expect(clinician.page).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
    await expect(clinician.page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
    const theirs = clinician.page.getByTestId('thread-message').filter({ hasText: 'morning coffee' });
    await expect(theirs).toHaveClass(/bubble-theirs/);
    await expect(theirs).toContainText('Iris Letterby');
    await expect(theirs.getByRole('list', { name: 'Attached files' })).toContainText('40 bytes');
    const download = clinician.page.waitForEvent('download');
    await theirs.getByRole('button', { name: 'Download pharmacy label.txt' }).click();
    expect((await download).suggestedFilename()).toBe('pharmacy label.txt');
    // Reading it brings the count back down.
    await expect.poll(() => unreadCount(clinician.page)).toBe(unreadBefore);

    const reply = clinician.page.getByRole('form', { name: 'Reply' });
    await reply.getByLabel('Your reply').fill('Take them two hours apart from coffee or tea, with some orange juice.');
    await reply.getByRole('button', { name: 'Send' }).click();
    await expect(clinician.page.getByTestId('thread-message').filter({ hasText: 'orange juice' })).toHaveClass(/bubble-mine/);
    await expect(reply.getByLabel('Your reply')).toHaveValue('');

    // The reply appears in the patient's open conversation, and their message shows it was read.
    const answer = person.page.getByTestId('thread-message').filter({ hasText: 'orange juice' });
    await expect(answer).toBeVisible();
    await expect(answer).toHaveClass(/bubble-theirs/);
    await expect(answer).toContainText(MESSAGING_CLINICIAN.name);
    await expect(own.getByText('Read', { exact: true })).toBeVisible();
    expect(await stillTheSamePage(person.page), 'the conversation was not reloaded').toBe(true);
    await screenshot(person.page, 'messaging-03-answered');

    // Reloading the clinician's conversation keeps it, by its address.
    await clinician.page.reload();
    await expect(clinician.page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
    await expect(clinician.page.getByTestId('thread-message')).toHaveCount(2);

    expect(clinician.problems, 'the app broke in the clinician\'s browser').toEqual([]);
    expect(person.problems, 'the app broke in the patient\'s browser').toEqual([]);
    await clinician.close();
    await person.close();
  });

  test('a receptionist sees that a conversation exists, marked content restricted, and cannot open it', async ({
    page,
    baseURL,
  }) => {
    const problems = watchForBreakage(page);
    const patient = await patientWithCareTeam(baseURL as string, 'Ruben', 'Quietly');
    const subject = `Private worry ${randomBytes(3).toString('hex')}`;
    const id = await startAsPatient(baseURL as string, patient, subject, 'Something only my doctor should read.');

    await signIn(page, MESSAGING_RECEPTION);
    await page.goto(`/patients/${patient.id}/messages`);
    const row = page.getByTestId('thread-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Content restricted');
    await expect(row).toContainText('With the care team');
    await expect(row).not.toContainText(subject);
    await expect(row.getByRole('link')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'New conversation' })).toHaveCount(0);

    await page.goto('/messages');
    const listed = page.getByTestId('thread-row').filter({ hasText: 'Ruben Quietly' });
    await expect(listed).toContainText('Content restricted');
    await expect(page.getByText(subject)).toHaveCount(0);
    await screenshot(page, 'messaging-04-restricted');

    // Its address shows only that it is restricted.
    await page.goto(`/messages/${id}`);
    await expect(page.getByRole('heading', { name: 'Content restricted', level: 1 })).toBeVisible();
    await expect(page.getByText('Something only my doctor should read.')).toHaveCount(0);
    await expect(page.getByText(subject)).toHaveCount(0);
    await expect(page.getByRole('form', { name: 'Reply' })).toHaveCount(0);
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('closing a conversation stops the patient replying in it, and offers them a new one', async ({
    browser,
    baseURL,
  }) => {
    test.setTimeout(60_000);
    const patient = await patientWithCareTeam(baseURL as string, 'Cora', 'Endicott');
    const subject = `Repeat script ${randomBytes(3).toString('hex')}`;
    const id = await startAsPatient(baseURL as string, patient, subject, 'Could I get a repeat of my script?');
    const clinician = await personAt(browser);
    const person = await personAt(browser);

    // The patient has the conversation open, with its reply box.
    await signIn(person.page, patient);
    await person.page.goto(`/portal/messages/${id}`);
    await expect(person.page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
    await expect(person.page.getByRole('form', { name: 'Reply' })).toBeVisible();
    await markPage(person.page);

    await signIn(clinician.page, MESSAGING_CLINICIAN);
    await clinician.page.goto(`/messages/${id}`);
    await expect(clinician.page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
    await clinician.page.getByRole('button', { name: 'Close conversation' }).click();
    await expect(clinician.page.getByText('The conversation is closed.')).toBeVisible();
    await expect(clinician.page.getByTestId('thread-closed')).toBeVisible();
    await expect(clinician.page.getByRole('button', { name: 'Reopen conversation' })).toBeVisible();

    // The patient's open page follows: no reply box, and a way to start a new message.
    await expect(person.page.getByRole('form', { name: 'Reply' })).toHaveCount(0);
    const closed = person.page.getByTestId('thread-closed');
    await expect(closed).toContainText('This conversation is closed');
    expect(await stillTheSamePage(person.page), 'the conversation was not reloaded').toBe(true);
    await screenshot(person.page, 'messaging-05-closed');

    // The server refuses a reply all the same.
    const api = await apiAs(baseURL as string, patient);
    const refused = await api.post(`/api/v1/messages/threads/${id}/messages`, { data: { body: 'One more thing' } });
    expect(refused.status()).toBe(409);
    await api.dispose();

    // In the list it is marked closed; the link opens a new message.
    await closed.getByRole('link', { name: 'Start a new message' }).click();
    await expect(person.page.getByRole('form', { name: 'New conversation' })).toBeVisible();
    await expect(person.page.getByTestId('thread-row').filter({ hasText: subject })).toContainText('Closed');

    expect(clinician.problems, 'the app broke in the clinician\'s browser').toEqual([]);
    expect(person.problems, 'the app broke in the patient\'s browser').toEqual([]);
    await clinician.close();
    await person.close();
  });
});
