import { expect, test, type Locator, type Page } from '@playwright/test';

import { DAY_CLINICIAN, OFFICE_ADMIN, SCHEDULER } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';
import { bookAt, practiceDate, practiceZone, quickCheck, setStatus } from '../support/day';

/** Pixels per minute of the calendar's time grid (frontend/src/scheduling/calendar.rs). */
const PX_PER_MINUTE = 2;

let ids = { practitionerId: '', typeId: '' };
let day = '';
const booked: Record<string, string> = {};

/** Whether an element's text is all shown: not cut off by its box, nor by the card around it. */
async function readable(text: Locator, card: Locator): Promise<void> {
  await expect(text).toBeVisible();
  const fits = await text.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const outer = (el.closest('.cal-event, .agenda-item') as HTMLElement).getBoundingClientRect();
    return {
      width: el.scrollWidth <= el.clientWidth + 1,
      inside: box.top >= outer.top - 1 && box.bottom <= outer.bottom + 1,
      height: box.height,
    };
  });
  expect(fits.width, 'the text is cut off at the side').toBe(true);
  expect(fits.inside, 'the text runs out of the card').toBe(true);
  expect(fits.height).toBeGreaterThan(8);
  await expect(card).toBeVisible();
}

async function openDayOf(page: Page, date: string) {
  await page.goto(`/calendar?date=${date}&view=day&practitioners=${ids.practitionerId}`);
  await expect(page.getByRole('heading', { name: 'Calendar', level: 1 })).toBeVisible();
  await expect(page.locator('.skeleton')).toHaveCount(0);
}

test.describe('the calendar', () => {
  let problems: string[] = [];

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    ids = await quickCheck(api);
    day = practiceDate(await practiceZone(api), Date.now() + 3 * 86_400_000);
    const people: [string, string, string, string[]][] = [
      ['quick', 'Quinn', 'Quarter', []],
      ['arrived', 'Aria', 'Arrival', ['arrived']],
      ['completed', 'Cody', 'Complete', ['arrived', 'completed']],
      ['absent', 'Dina', 'Noshow', ['no_show']],
      ['dragged', 'Drew', 'Dragger', []],
    ];
    const times = ['10:00', '10:30', '11:00', '11:30', '14:00'];
    for (const [i, [key, first, last, statuses]] of people.entries()) {
      const patient = await createPatient(api, { first_name: first, last_name: last });
      const a = await bookAt(api, ids, patient.id, `${day}T${times[i]}:00`);
      await setStatus(api, a.id, ...statuses);
      booked[key] = a.id;
    }
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a 15-minute appointment shows its time and type at 1440 px', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, SCHEDULER);
    await openDayOf(page, day);
    const card = page.locator(`.cal-event[data-appointment="${booked.quick}"]`);
    await card.scrollIntoViewIfNeeded();
    await expect(card.locator('.cal-event-meta')).toHaveText('10:00 am · Quick check');
    await readable(card.locator('.cal-event-meta'), card);
    await readable(card.locator('.cal-event-title'), card);
    await expect(card.locator('.cal-event-title')).toHaveText('Quinn Quarter');
    await screenshot(page, 'calendar-01-short-1440');
  });

  test('on a phone the calendar is one practitioner\'s day as a list, its controls folded away', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, SCHEDULER);
    await page.goto(`/calendar?date=${day}&practitioner=${ids.practitionerId}`);
    const agenda = page.getByRole('region', { name: new RegExp(`^${DAY_CLINICIAN.name} on `) });
    await expect(agenda).toBeVisible();
    const item = agenda.locator(`[data-appointment="${booked.quick}"]`);
    await expect(item).toContainText('10:00 am – 10:15 am');
    await readable(item.locator('.agenda-time'), item);
    await readable(item.locator('.cal-event-meta'), item);
    await expect(item.locator('.cal-event-meta')).toHaveText('Quick check');
    // No time grid, and the rarely used controls wait under "More options".
    await expect(page.locator('.cal-grid')).toHaveCount(0);
    await expect(page.getByRole('group', { name: 'View' })).toHaveCount(0);
    await expect(page.getByLabel('Go to date')).toBeHidden();
    // The list starts in the top half of the screen.
    const box = await agenda.boundingBox();
    expect(box && box.y < 844 / 2).toBeTruthy();
    await screenshot(page, 'calendar-02-phone-agenda');
    await page.getByText('More options').click();
    await expect(page.getByLabel('Go to date')).toBeVisible();
    // Tapping an appointment opens it.
    await item.click();
    await expect(page.getByRole('dialog', { name: 'Appointment' })).toContainText('Quinn Quarter');
  });

  test('the date and view stay in the address through a reload', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, SCHEDULER);
    await page.goto('/calendar');
    await expect(page.locator('.skeleton')).toHaveCount(0);
    await page.getByLabel('Go to date').fill(day);
    await expect(page).toHaveURL(new RegExp(`/calendar\\?date=${day}&view=day`));
    const title = await page.locator('.calendar-title').innerText();
    await page.reload();
    await expect(page.locator('.calendar-title')).toHaveText(title);
    await page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Week' }).click();
    await expect(page).toHaveURL(/view=week/);
    const week = await page.locator('.calendar-title').innerText();
    await page.reload();
    await expect(page.locator('.calendar-title')).toHaveText(week);
    await expect(page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Week' })).toHaveAttribute('aria-pressed', 'true');
    // The chosen view stays readable under the pointer: white on the primary colour.
    const chosen = page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Week' });
    await chosen.hover();
    const colours = await chosen.evaluate((el) => {
      const style = getComputedStyle(el);
      return { color: style.color, background: style.backgroundColor };
    });
    expect(colours.color).toBe('rgb(255, 255, 255)');
    expect(colours.background).not.toBe('rgb(255, 255, 255)');
  });

  test('cards say arrived, completed and did not attend; a dragged card reads its new time', async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 1000 });
    await signIn(page, SCHEDULER);
    await openDayOf(page, day);
    await expect(page.locator(`[data-appointment="${booked.arrived}"] .cal-event-status`)).toHaveText('Arrived');
    await expect(page.locator(`[data-appointment="${booked.completed}"] .cal-event-status`)).toHaveText('Completed');
    await expect(page.locator(`[data-appointment="${booked.absent}"] .cal-event-status`)).toHaveText('DNA');
    await expect(page.locator(`[data-appointment="${booked.quick}"] .cal-event-status`)).toHaveCount(0);
    await screenshot(page, 'calendar-03-statuses');

    // Drag 14:00 down an hour: while the button is held, the card reads 3:00 pm.
    const card = page.locator(`.cal-event[data-appointment="${booked.dragged}"]`);
    await card.scrollIntoViewIfNeeded();
    const box = await card.boundingBox();
    if (!box) throw new Error('the appointment has no box');
    const x = box.x + box.width / 2;
    const y = box.y + 8;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x, y + 20, { steps: 4 });
    await page.mouse.move(x, y + 60 * PX_PER_MINUTE, { steps: 8 });
    await expect(card.locator('.cal-event-meta')).toHaveText('3:00 pm – 3:15 pm');
    await screenshot(page, 'calendar-04-dragging');
    await page.mouse.up();
    await expect(page.getByRole('status').filter({ hasText: /Moved Drew Dragger to .*3:00 pm/ })).toBeVisible();
  });
});
