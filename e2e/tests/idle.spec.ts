import { expect, test, type Page, type Request } from '@playwright/test';

import { IDLER, OFFICE_ADMIN } from '../support/accounts';
import { apiAs } from '../support/api';
import { accountMenu, screenshot, signIn, watchForBreakage } from '../support/browser';

/**
 * Signing out after a time without activity. The server's idle time is at least five minutes,
 * too long to wait, so the browser's clock is moved instead (Playwright's clock): the app reads
 * the end of the session against it, and signs out when it says the time is up.
 */

const ACTIVITY = '/api/v1/auth/activity';

/** Every request to the activity endpoint, as `POST` or `GET`. */
function watchActivity(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === ACTIVITY) seen.push(request);
  });
  return seen;
}

function reports(seen: Request[]): number {
  return seen.filter((r) => r.method() === 'POST').length;
}

/** The next answer to a report of activity. */
function nextReport(page: Page) {
  return page.waitForResponse((r) => new URL(r.url()).pathname === ACTIVITY && r.request().method() === 'POST');
}

/** Signs in, then opens `path` if given, and waits for the report the app makes when it opens;
 * returns the practice's idle time in minutes, as the server said. */
async function signInWatched(page: Page, path?: string): Promise<number> {
  let first = nextReport(page);
  await signIn(page, IDLER);
  if (path) {
    await first;
    first = nextReport(page);
    await page.goto(path);
  }
  const response = await first;
  expect(response.status()).toBe(200);
  const status = await response.json();
  expect(new Date(status.idle_until).getTime()).toBeGreaterThan(Date.now());
  return status.idle_minutes as number;
}

const warning = (page: Page) => page.getByRole('alertdialog');

test.describe('signing out after a time without activity', () => {
  let problems: string[] = [];

  test.beforeEach(async ({ page }) => {
    problems = watchForBreakage(page);
    await page.clock.install();
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test("the person's own input is reported at most once a minute, the app's own work never", async ({ page }) => {
    const seen = watchActivity(page);
    await signInWatched(page);
    expect(reports(seen)).toBe(1);

    // Within the minute after a report, input is not reported at once …
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Patients' }).click();
    const search = page.getByLabel('Search');
    await search.pressSequentially('zz');
    await expect(page).toHaveURL(/q=zz/);
    await page.waitForTimeout(1_000);
    expect(reports(seen)).toBe(1);
    // … but once, when the minute is up.
    await page.clock.fastForward(60_000);
    await expect.poll(() => reports(seen)).toBe(2);

    // Left alone, the app goes on with its own work (the open-alert count, asked for every
    // minute), which keeps nobody signed in.
    const polls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/alerts') polls.push(r.url());
    });
    await page.clock.fastForward(61_000);
    await expect.poll(() => polls.length).toBeGreaterThan(0);
    await page.waitForTimeout(500);
    expect(reports(seen)).toBe(2);
    await expect(warning(page)).toHaveCount(0);

    // The first input after a minute of quiet is reported at once.
    const report = page.waitForRequest((r) => new URL(r.url()).pathname === ACTIVITY && r.method() === 'POST');
    await search.press('Backspace');
    await report;
    expect(reports(seen)).toBe(3);
  });

  test('a warning a minute before: staying signed in, then signed out when the time is up', async ({ page }) => {
    const seen = watchActivity(page);
    const minutes = await signInWatched(page, '/patients');
    await expect(page.getByRole('heading', { name: 'Patients', level: 1 })).toBeVisible();
    const reportsBefore = reports(seen);

    // Fifty seconds before the end, the app asks whether another tab was used, then warns.
    await page.clock.fastForward(minutes * 60_000 - 50_000);
    await expect(warning(page)).toBeVisible();
    expect(seen.some((r) => r.method() === 'GET')).toBe(true);
    expect(reports(seen)).toBe(reportsBefore);
    await expect(warning(page)).toHaveAccessibleName(/^You'll be signed out in \d+ seconds$/);
    await expect(warning(page)).toContainText('without activity');
    await expect(warning(page)).toContainText("to protect patients' information");
    const stay = warning(page).getByRole('button', { name: 'Stay signed in' });
    await expect(stay).toBeFocused();
    await expect(warning(page).getByRole('button', { name: 'Sign out' })).toBeVisible();
    const secondsLeft = async () =>
      Number(/in (\d+) seconds/.exec((await warning(page).getByRole('heading').textContent()) ?? '')?.[1]);
    const first = await secondsLeft();
    expect(first).toBeGreaterThan(40);
    expect(first).toBeLessThanOrEqual(50);
    await screenshot(page, 'idle-01-warning');
    // It counts down.
    await page.clock.fastForward(10_000);
    await expect.poll(secondsLeft).toBeLessThanOrEqual(first - 10);

    // Staying signed in reports activity and closes the warning.
    const stayed = page.waitForResponse(
      (r) => new URL(r.url()).pathname === ACTIVITY && r.request().method() === 'POST',
    );
    await stay.click();
    expect((await stayed).status()).toBe(200);
    await expect(warning(page)).toBeHidden();
    expect(reports(seen)).toBe(reportsBefore + 1);

    // Warned again a minute before the new end; any input counts as staying.
    await page.clock.fastForward(minutes * 60_000 - 45_000);
    await expect(warning(page)).toBeVisible();
    const pressed = page.waitForResponse(
      (r) => new URL(r.url()).pathname === ACTIVITY && r.request().method() === 'POST',
    );
    await page.keyboard.press('Escape');
    await pressed;
    await expect(warning(page)).toBeHidden();

    // Left alone past the end: signed out, to the sign-in page, which says why and returns here.
    await page.clock.fastForward(minutes * 60_000 + 5_000);
    await expect(page).toHaveURL(/\/login\?next=%2Fpatients$/);
    await expect(page.getByRole('note')).toContainText(
      `You were signed out after ${minutes} minutes without activity. Sign in again to carry on.`,
    );
    await expect(warning(page)).toHaveCount(0);
    await screenshot(page, 'idle-02-signed-out');

    // The session is over on the server too: reloading does not bring it back.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.getByLabel('Email').fill(IDLER.email);
    await page.getByLabel('Password').fill(IDLER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/patients/);
    await expect(accountMenu(page, IDLER.name)).toBeVisible();
  });

  test('"Sign out" in the warning signs out as the account menu does', async ({ page }) => {
    const minutes = await signInWatched(page);
    await page.clock.fastForward(minutes * 60_000 - 30_000);
    await expect(warning(page)).toBeVisible();
    await warning(page).getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('note')).toHaveCount(0);
  });

  test('the server saying the session ended for idleness signs out at once', async ({ page }) => {
    const minutes = await signInWatched(page, '/patients');
    await page.route(`**${ACTIVITY}`, (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'https://carebase.dev/problems/session_idle',
          title: 'Signed out after a time without activity',
          status: 401,
          code: 'session_idle',
        }),
      }),
    );
    await page.clock.fastForward(minutes * 60_000 - 50_000);
    await expect(page).toHaveURL(/\/login\?next=%2Fpatients$/);
    await expect(page.getByRole('note')).toContainText(`after ${minutes} minutes without activity`);
    await expect(warning(page)).toHaveCount(0);
  });
});

test.describe('the idle time in practice settings', () => {
  test('is chosen for staff and for patients, from 5 to 720 minutes', async ({ page, baseURL }) => {
    const problems = watchForBreakage(page);
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const before = await (await api.get('/api/v1/settings')).json();
    try {
      await signIn(page, OFFICE_ADMIN);
      await page.goto('/admin/settings');
      const staff = page.getByLabel('Sign staff out after (minutes without activity)');
      const patients = page.getByLabel('Sign patients out after (minutes without activity)');
      await expect(staff).toHaveValue(String(before.staff_idle_minutes));
      await expect(patients).toHaveValue(String(before.patient_idle_minutes));

      await staff.fill('4');
      await patients.fill('721');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect(staff).toHaveAttribute('aria-invalid', 'true');
      await expect(patients).toHaveAttribute('aria-invalid', 'true');
      await expect(staff).toHaveAccessibleDescription(/Choose between 5 minutes and 12 hours \(720 minutes\)\./);

      await staff.fill('45');
      await patients.fill('90');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
      const saved = await (await api.get('/api/v1/settings')).json();
      expect(saved.staff_idle_minutes).toBe(45);
      expect(saved.patient_idle_minutes).toBe(90);

      // The server refuses what the form would: its answer shows at the field.
      const refused = await api.put('/api/v1/settings', { data: { ...saved, staff_idle_minutes: 721 } });
      expect(refused.status()).toBe(422);
      expect(JSON.stringify(await refused.json())).toContain('staff_idle_minutes');
    } finally {
      const restored = await api.put('/api/v1/settings', { data: before });
      expect(restored.status(), await restored.text()).toBe(200);
      await api.dispose();
    }
    expect(problems).toEqual([]);
  });
});
