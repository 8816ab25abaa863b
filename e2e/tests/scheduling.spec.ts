import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

import { OFFICE_ADMIN, PRACTITIONER, SCHEDULER } from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';

const PORTAL_PATIENT = {
  email: 'bea.booker@e2e.test',
  password: 'Saffron-Kettle-Harbour-19',
  name: 'Bea Booker',
};

/** Pixels per minute of the calendar's time grid (frontend/src/scheduling/calendar.rs). */
const PX_PER_MINUTE = 2;

let practitionerId = '';
let typeId = '';
let day = '';

/** The first weekday at least two days away that is not a public holiday (YYYY-MM-DD). */
async function bookableDay(api: APIRequestContext): Promise<string> {
  const holidays: { date: string }[] = await (await api.get('/api/v1/holidays')).json();
  const d = new Date(Date.now() + 2 * 86_400_000);
  for (;;) {
    const iso = d.toISOString().slice(0, 10);
    const weekday = d.getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !holidays.some((h) => h.date === iso)) return iso;
    d.setUTCDate(d.getUTCDate() + 1);
  }
}

async function book(api: APIRequestContext, patientId: string, localStart: string) {
  const res = await api.post('/api/v1/appointments', {
    data: {
      appointment_type_id: typeId,
      practitioner_id: practitionerId,
      patient_id: patientId,
      local_start: localStart,
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return res.json();
}

/** The day on the calendar, with only Pat Practitioner's column (the address keeps both). */
async function openDay(page: Page, date: string) {
  await page.goto(`/calendar?date=${date}&view=day&practitioners=${practitionerId}`);
  await expect(page.getByRole('heading', { name: 'Calendar', level: 1 })).toBeVisible();
  await expect(page.locator('.skeleton')).toHaveCount(0);
}

test.describe('scheduling', () => {
  // Tall enough that the working day's first hours fit in the calendar without scrolling.
  test.use({ viewport: { width: 1280, height: 1000 } });
  let problems: string[] = [];

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const users = await (await api.get('/api/v1/users', { params: { role: 'practitioner', limit: 100 } })).json();
    practitionerId = users.items.find((u: { email: string }) => u.email === PRACTITIONER.email).id;
    const weekly = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((weekday) => ({
      weekday,
      start: '09:00',
      end: '17:00',
    }));
    const hours = await api.put(`/api/v1/practitioners/${practitionerId}/availability`, { data: { weekly } });
    expect(hours.status(), await hours.text()).toBe(200);
    const existing: { id: string; name: string }[] = await (await api.get('/api/v1/appointment-types')).json();
    const kept = existing.find((t) => t.name === 'Physio session');
    const type = kept ? null : await api.post('/api/v1/appointment-types', {
      data: {
        name: 'Physio session',
        duration_minutes: 45,
        colour: '#0d9488',
        price_cents: 11000,
        online_bookable: true,
        practitioner_ids: [practitionerId],
      },
    });
    if (type) {
      expect(type.status(), await type.text()).toBe(201);
      typeId = (await type.json()).id;
    } else {
      typeId = (kept as { id: string }).id;
    }
    day = await bookableDay(api);
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('reception books through the dialog: type, practitioner, day, time, patient', async ({ page, baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, { first_name: 'Dalia', last_name: 'Dialogue', date_of_birth: '1979-03-08' });

    await signIn(page, SCHEDULER);
    await page.goto('/calendar');
    await page.getByRole('button', { name: 'Book appointment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.getByRole('button', { name: /Physio session/ }).click();
    await dialog.getByRole('group', { name: 'Practitioner' }).getByRole('button', { name: /Pat Practitioner/ }).click();
    // The first day with free times is chosen; its times are buttons.
    const times = dialog.getByRole('group', { name: /^Times on / });
    await expect(times.getByRole('button').first()).toBeVisible();
    await screenshot(page, 'scheduling-01-booking-dialog');
    const firstTime = (await times.getByRole('button').first().innerText()).trim();
    await times.getByRole('button').first().click();
    await dialog.getByLabel('Find the patient').fill('Dialogue');
    await dialog.getByRole('button', { name: /Dialogue, Dalia/ }).click();
    await dialog.getByRole('button', { name: `Book ${firstTime}` }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Booked Physio session with Pat Practitioner' })).toBeVisible();
    await expect(dialog).toBeHidden();

    const list = await (await api.get('/api/v1/appointments', { params: { patient_id: patient.id } })).json();
    expect(list.total).toBe(1);
    expect(list.items[0].appointment_type_name).toBe('Physio session');

    // The patient's record lists it.
    await page.goto(`/patients/${patient.id}/appointments`);
    const upcoming = page.getByRole('region', { name: 'Upcoming appointments' });
    await expect(upcoming).toContainText('Physio session with Pat Practitioner');
    await screenshot(page, 'scheduling-02-patient-appointments');
    await api.dispose();
  });

  test('an appointment dragged to a free time moves; dragged onto another booking it stays', async ({ page, baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const mover = await createPatient(api, { first_name: 'Milo', last_name: 'Mover' });
    const other = await createPatient(api, { first_name: 'Stella', last_name: 'Stayput' });
    const moving = await book(api, mover.id, `${day}T10:00:00`);
    await book(api, other.id, `${day}T12:00:00`);

    await signIn(page, SCHEDULER);
    await openDay(page, day);
    const event = page.getByRole('button', { name: /^Milo Mover Physio session/ });
    await expect(event).toBeVisible();
    await screenshot(page, 'scheduling-03-day-view');

    // One hour later: 10:00 → 11:00.
    const box = await event.boundingBox();
    if (!box) throw new Error('the appointment has no box');
    const x = box.x + box.width / 2;
    const y = box.y + 10;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x, y + 30, { steps: 4 });
    await page.mouse.move(x, y + 60 * PX_PER_MINUTE, { steps: 8 });
    await page.mouse.up();
    await expect(page.getByRole('status').filter({ hasText: /Moved Milo Mover to .*11:00 am/ })).toBeVisible();
    let now = await (await api.get(`/api/v1/appointments/${moving.id}`)).json();
    expect(now.local_start).toBe(`${day}T11:00:00`);

    // Onto Stella's 12:00 appointment: refused with the reason, and it stays at 11:00.
    const moved = page.getByRole('button', { name: /^Milo Mover Physio session/ });
    await expect(moved).toContainText('11:00 am');
    const box2 = await moved.boundingBox();
    if (!box2) throw new Error('the appointment has no box');
    await page.mouse.move(box2.x + box2.width / 2, box2.y + 10);
    await page.mouse.down();
    await page.mouse.move(box2.x + box2.width / 2, box2.y + 40, { steps: 4 });
    await page.mouse.move(box2.x + box2.width / 2, box2.y + 10 + 60 * PX_PER_MINUTE, { steps: 8 });
    await page.mouse.up();
    // The reason names the other booking's times as the app writes every time.
    await expect(
      page.getByRole('status').filter({ hasText: 'Not moved: The practitioner already has an appointment from 12:00 pm to 12:45 pm' }),
    ).toBeVisible();
    now = await (await api.get(`/api/v1/appointments/${moving.id}`)).json();
    expect(now.local_start).toBe(`${day}T11:00:00`);
    await expect(page.getByRole('button', { name: /^Milo Mover Physio session/ })).toContainText('11:00 am');
    await screenshot(page, 'scheduling-04-after-drag');

    // Clicking it opens the appointment, with its history.
    await page.getByRole('button', { name: /^Milo Mover Physio session/ }).click();
    const details = page.getByRole('dialog', { name: 'Appointment' });
    await details.getByText('History').click();
    await expect(details).toContainText('Moved');
    await details.getByRole('button', { name: 'Arrived' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Marked arrived.' })).toBeVisible();
    await api.dispose();
  });

  test('free time clicked on the calendar books that time', async ({ page, baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    await createPatient(api, { first_name: 'Cleo', last_name: 'Clicker', date_of_birth: '1988-11-30' });
    await signIn(page, SCHEDULER);
    await openDay(page, day);
    const column = page.getByLabel(new RegExp(`^Pat Practitioner on `));
    // Scroll the afternoon into view; 16:00 is nine hours below the grid's 07:00 start.
    await page.locator('.cal-scroll').evaluate((el) => {
      el.scrollTop = 700;
    });
    const box = await column.boundingBox();
    if (!box) throw new Error('no column');
    await page.mouse.click(box.x + box.width / 2, box.y + 9 * 60 * PX_PER_MINUTE + 5);
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await expect(dialog).toContainText('4:00 pm');
    await dialog.getByRole('button', { name: /Physio session/ }).click();
    await dialog.getByLabel('Find the patient').fill('Clicker');
    await dialog.getByRole('button', { name: /Clicker, Cleo/ }).click();
    await dialog.getByRole('button', { name: 'Book 4:00 pm' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Booked Physio session .* 4:00 pm/ })).toBeVisible();
    await expect(page.getByRole('button', { name: /^Cleo Clicker Physio session/ })).toBeVisible();
    await api.dispose();
  });

  test('a patient books online in the portal and cancels', async ({ page, baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const own = await createPatient(api, {
      first_name: 'Bea',
      last_name: 'Booker',
      email: PORTAL_PATIENT.email,
      phone_numbers: [{ phone_type: 'mobile', number: '0400 555 666' }],
    });
    await givePortalAccount(api, baseURL as string, own.id, PORTAL_PATIENT);

    await signIn(page, PORTAL_PATIENT);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'My appointments' }).click();
    await expect(page.getByRole('heading', { name: 'My appointments' })).toBeVisible();
    await page.getByRole('button', { name: 'Book appointment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.getByRole('button', { name: /Physio session/ }).click();
    await dialog.getByRole('button', { name: /Any practitioner/ }).click();
    // A day well ahead, so that it can still be cancelled online.
    await dialog.getByRole('group', { name: 'Days' }).getByRole('button', { disabled: false }).last().click();
    const times = dialog.getByRole('group', { name: /^Times on / });
    await times.getByRole('button').first().click();
    await dialog.getByRole('button', { name: /^Book / }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Booked Physio session' })).toBeVisible();
    const upcoming = page.getByRole('region', { name: 'Upcoming appointments' });
    await expect(upcoming).toContainText('Physio session with Pat Practitioner');
    await screenshot(page, 'scheduling-05-portal');

    // The confirmation is in the outbox: by email with the invitation, and by SMS.
    const outbox = await (await api.get('/api/v1/outbox', { params: { limit: 20 } })).json();
    const mine = outbox.items.filter((m: { recipient: string }) => m.recipient === PORTAL_PATIENT.email || m.recipient === '+61400555666');
    expect(mine.some((m: { attachments: string[] }) => m.attachments.includes('appointment.ics'))).toBe(true);
    expect(mine.some((m: { channel: string }) => m.channel === 'sms')).toBe(true);

    // Home leads with it, and asks for a confirmation.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Home', exact: true }).click();
    const next = page.getByRole('region', { name: 'Your next appointment' });
    await expect(next).toContainText('Physio session with Pat Practitioner');
    await expect(next).toContainText('confirm it under Appointments');
    await screenshot(page, 'scheduling-06-portal-home');
    await next.getByRole('link', { name: 'Appointments' }).click();
    await expect(page.getByRole('heading', { name: 'My appointments' })).toBeVisible();

    await upcoming.getByRole('button', { name: /^Cancel appointment on / }).click();
    const cancel = page.getByRole('dialog', { name: 'Cancel appointment' });
    await cancel.getByLabel('Why are you cancelling?').fill('Away for work');
    await cancel.getByRole('button', { name: 'Cancel appointment' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Your appointment is cancelled.' })).toBeVisible();
    await expect(upcoming).toContainText('Cancelled');
    await api.dispose();
  });
});
