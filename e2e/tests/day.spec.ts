import { expect, test } from '@playwright/test';

import { DAY_CLINICIAN, DAY_RECEPTION, OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';
import { bookAt, practiceDate, practiceZone, quickCheck, setStatus } from '../support/day';

/**
 * The dashboard's day: a clinician opens the app on today's appointments, the next patient
 * first; reception opens on the day's arrivals and marks people arrived.
 */
test.describe('the dashboard has a day', () => {
  let problems: string[] = [];

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const ids = await quickCheck(api);
    const today = practiceDate(await practiceZone(api));
    const person = (first: string, last: string) => createPatient(api, { first_name: first, last_name: last });
    // Seen first thing and done; did not come; arrived for the last slot of the day (so the next
    // patient whatever the time the test runs); still expected; cancelled.
    const done = await bookAt(api, ids, (await person('Ada', 'Early')).id, `${today}T00:15:00`);
    await setStatus(api, done.id, 'arrived', 'completed');
    const absent = await bookAt(api, ids, (await person('Dev', 'Absent')).id, `${today}T00:45:00`);
    await setStatus(api, absent.id, 'no_show');
    const waiting = await bookAt(api, ids, (await person('Penny', 'Present')).id, `${today}T23:30:00`);
    await setStatus(api, waiting.id, 'arrived');
    await bookAt(api, ids, (await person('Lou', 'Later')).id, `${today}T22:30:00`);
    const cancelled = await bookAt(api, ids, (await person('Cass', 'Cancelled')).id, `${today}T21:00:00`);
    await setStatus(api, cancelled.id, 'cancelled');
    // Tomorrow first thing: one patient has confirmed they are coming, one is still to call.
    const tomorrow = practiceDate(await practiceZone(api), Date.now() + 24 * 3600 * 1000);
    await bookAt(api, ids, (await person('Tom', 'Tomorrow')).id, `${tomorrow}T00:15:00`);
    const sure = await bookAt(api, ids, (await person('Tia', 'Tomorrow')).id, `${tomorrow}T00:30:00`);
    const confirmed = await api.patch(`/api/v1/appointments/${sure.id}`, { data: { confirmed: true } });
    expect(confirmed.status(), await confirmed.text()).toBe(200);
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test("a practitioner opens the app on today's appointments, the next patient first", async ({ page }) => {
    await signIn(page, DAY_CLINICIAN);
    // The greeting names them as patients do.
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Good (morning|afternoon|evening), Dr Daylight$/);
    const day = page.getByTestId('today');
    await expect(day.getByRole('heading', { name: /^Your day/ })).toBeVisible();
    const rows = day.locator('.today-row');
    await expect(rows).toHaveCount(4);
    // Arrived patients come before anyone still expected, whatever their time.
    await expect(rows.nth(0)).toContainText('Next patient');
    await expect(rows.nth(0)).toContainText('Penny Present');
    await expect(rows.nth(0)).toHaveAttribute('data-stage', /^(waiting|in-progress)$/);
    await expect(rows.nth(0)).toContainText('11:30 pm – 11:45 pm');
    // Then the day in time order, each with where it stands.
    await expect(rows.nth(1)).toContainText('Ada Early');
    await expect(rows.nth(1)).toHaveAttribute('data-stage', 'done');
    await expect(rows.nth(1)).toContainText('Done');
    await expect(rows.nth(2)).toContainText('Dev Absent');
    await expect(rows.nth(2)).toContainText('Did not attend');
    await expect(rows.nth(3)).toContainText('Lou Later');
    await expect(rows.nth(3)).toHaveAttribute('data-stage', /^(expected|late)$/);
    await expect(day).not.toContainText('Cass Cancelled');
    await expect(day).toContainText('4 today · 1 arrived · 1 done · 1 still expected');
    // The day comes before alerts and answers to review.
    const dayBox = await day.boundingBox();
    const alertsBox = await page.getByRole('region', { name: 'Open alerts' }).boundingBox();
    expect(dayBox && alertsBox && dayBox.y < alertsBox.y).toBeTruthy();
    await screenshot(page, 'day-01-practitioner');
    // A name opens the patient's record.
    await rows.nth(0).getByRole('link', { name: 'Penny Present' }).click();
    await expect(page.getByRole('heading', { name: 'Penny Present', level: 1 })).toBeVisible();
  });

  test("reception opens on the day's arrivals and marks a patient arrived", async ({ page }) => {
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    await signIn(page, DAY_RECEPTION);
    const day = page.getByTestId('today');
    await expect(day.getByRole('heading', { name: /^Today's arrivals/ })).toBeVisible();
    const lou = day.locator('.today-row', { hasText: 'Lou Later' });
    await expect(lou).toContainText('Dr Dana Daylight');
    await expect(lou).toHaveAttribute('data-stage', /^(expected|late)$/);
    // Someone already here, done or absent cannot be marked arrived again.
    await expect(day.locator('.today-row', { hasText: 'Penny Present' }).getByRole('button')).toHaveCount(0);
    await day.getByRole('button', { name: 'Mark Lou Later arrived' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Lou Later has arrived.' })).toBeVisible();
    await expect(day.locator('.today-row', { hasText: 'Lou Later' })).toHaveAttribute('data-stage', /^(waiting|in-progress)$/);
    await screenshot(page, 'day-02-reception');

    // Tomorrow's bookings not yet confirmed, to call and mark as they answer.
    const toConfirm = page.getByTestId('confirmations');
    await expect(toConfirm.getByRole('heading', { name: 'To confirm' })).toBeVisible();
    await expect(toConfirm).toContainText(/\d+ of \d+ confirmed/);
    await expect(toConfirm).not.toContainText('Tia Tomorrow');
    await toConfirm.getByRole('button', { name: 'Tom Tomorrow confirmed' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Tom Tomorrow is confirmed.' })).toBeVisible();
    await expect(toConfirm).not.toContainText('Tom Tomorrow');
    // Reception's dashboard asks for nothing it is refused.
    expect(refused).toEqual([]);
  });
});
