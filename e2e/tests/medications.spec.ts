import { expect, test } from '@playwright/test';

import { OFFICE_ADMIN, PRACTITIONER } from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { screenshot, signIn, signOut, watchForBreakage } from '../support/browser';

const PATIENT = {
  email: `mia.meds.${Date.now()}@e2e.test`,
  password: 'Orchid-Tundra-Ferry-84',
  name: 'Mia Meds',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-12-05` as the app writes it: `5 Dec 2026`. */
function longDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

function isoDate(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

test.describe('medications, homework and requests in the portal', () => {
  let problems: string[] = [];
  let patientId = '';

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const own = await createPatient(api, { first_name: 'Mia', last_name: 'Meds', email: PATIENT.email });
    patientId = own.id;
    const practitioner = await apiAs(baseURL as string, PRACTITIONER);
    const me = await (await practitioner.get('/api/v1/auth/me')).json();
    const team = await api.post(`/api/v1/patients/${patientId}/care-team`, { data: { user_id: me.id } });
    expect(team.status(), await team.text()).toBe(201);
    const med = await practitioner.post(`/api/v1/patients/${patientId}/medications`, {
      data: {
        name: 'Sertraline', strength: '50 mg', dose: '1 tablet', route: 'oral', frequency: 'each morning',
        doses_per_day: 1, start_date: isoDate(-14), status: 'active',
      },
    });
    expect(med.status(), await med.text()).toBe(201);
    const homework = await practitioner.post(`/api/v1/patients/${patientId}/homework`, {
      data: { title: 'Thought record', instructions: 'Write down one worry each day.', due_date: isoDate(7) },
    });
    expect(homework.status(), await homework.text()).toBe(201);
    await practitioner.dispose();
    await givePortalAccount(api, baseURL as string, patientId, PATIENT);
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a patient records a dose and does their homework; the clinician sees both', async ({ page }) => {
    await signIn(page, PATIENT);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'My medications' }).click();
    const med = page.getByRole('article', { name: 'Sertraline 50 mg' });
    await expect(med).toContainText('each morning');
    await expect(med).toContainText('0% of doses due taken');
    await med.getByRole('button', { name: 'I took a dose' }).click();
    await expect(page.getByText('Dose recorded as taken')).toBeVisible();
    await expect(page.getByRole('article', { name: 'Sertraline 50 mg' })).not.toContainText('0% of doses due taken');

    await nav.getByRole('link', { name: 'Homework' }).click();
    await page.getByRole('button', { name: 'I’ve done this' }).click();
    await page.getByLabel('How did it go? (optional)').fill('Easier after the first few days.');
    await page.getByRole('button', { name: 'Mark done' }).click();
    await expect(page.getByText('Marked done')).toBeVisible();
    await expect(page.getByText('Easier after the first few days.')).toBeVisible();
    await screenshot(page, 'homework-01-portal');

    await signOut(page, PATIENT.name);
    await signIn(page, PRACTITIONER);
    await page.goto(`/patients/${patientId}/medications`);
    const staffMed = page.getByRole('article', { name: 'Sertraline 50 mg' });
    await expect(staffMed).toContainText('of doses due taken');
    await expect(staffMed.getByRole('group', { name: 'Doses each day, last 30 days' })).toBeVisible();
    await staffMed.getByLabel('Adherence over').selectOption('90');
    await expect(staffMed.getByRole('group', { name: 'Doses each day, last 90 days' })).toBeVisible();
    await expect(staffMed).toContainText('1 taken, 0 missed');
    await staffMed.getByRole('button', { name: 'Prescribe' }).click();
    await staffMed.getByLabel('Quantity').fill('30 tablets');
    await staffMed.getByLabel('Repeats').fill('2');
    await staffMed.getByRole('button', { name: 'Write prescription' }).click();
    await expect(page.getByText('Prescription written')).toBeVisible();
    await expect(page.getByRole('article', { name: 'Sertraline 50 mg' })).toContainText('30 tablets, 2 repeats');
    await page.goto(`/patients/${patientId}/therapy`);
    const homework = page.getByRole('region', { name: 'Homework' });
    await expect(homework).toContainText('Thought record');
    await expect(homework).toContainText('Easier after the first few days.');
  });

  test('adherence tells taken, missed, not recorded and not yet due apart, and the share agrees', async ({
    page,
    baseURL,
  }) => {
    // The practice's days: doses are counted on the practice's calendar.
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const zone = (await (await admin.get('/api/v1/scheduling-settings')).json()).time_zone as string;
    await admin.dispose();
    const localDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date(ms));
    const day = 86_400_000;
    const now = Date.now();
    const practitioner = await apiAs(baseURL as string, PRACTITIONER);
    const created = await practitioner.post(`/api/v1/patients/${patientId}/medications`, {
      data: {
        name: 'Metformin', strength: '500 mg', dose: '1 tablet', route: 'oral', frequency: 'twice a day',
        doses_per_day: 2, start_date: localDay(now - 5 * day), status: 'active',
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const medId = (await created.json()).id as string;
    await practitioner.dispose();
    const patient = await apiAs(baseURL as string, PATIENT);
    // Three days ago both doses taken; two days ago one missed (the other not recorded);
    // yesterday one taken and one missed. Five days and four days ago: nothing recorded.
    for (const [daysAgo, taken] of [[3, true], [3, true], [2, false], [1, true], [1, false]] as const) {
      const dose = await patient.post(`/api/v1/medications/${medId}/doses`, {
        data: { taken, at: new Date(now - daysAgo * day).toISOString() },
      });
      expect(dose.status(), await dose.text()).toBe(201);
    }
    await patient.dispose();

    await signIn(page, PRACTITIONER);
    await page.goto(`/patients/${patientId}/medications`);
    const med = page.getByRole('article', { name: 'Metformin 500 mg' });
    // 3 of the 10 doses due so far taken; today's two are still to come and count for nothing.
    await expect(med).toContainText('30% of doses due taken');
    await expect(med).toContainText('3 taken, 2 missed, 5 not recorded, 2 not yet due today');
    const strip = med.getByRole('group', { name: 'Doses each day, last 30 days' });
    const state = (daysAgo: number) => strip.locator(`[aria-label^="${longDate(localDay(now - daysAgo * day))}:"]`);
    await expect(state(5)).toHaveAttribute('data-state', 'not recorded');
    await expect(state(4)).toHaveAttribute('data-state', 'not recorded');
    await expect(state(3)).toHaveAttribute('data-state', 'taken');
    await expect(state(2)).toHaveAttribute('data-state', 'missed');
    await expect(state(1)).toHaveAttribute('data-state', 'some doses taken');
    await expect(state(0)).toHaveAttribute('data-state', 'not yet due');
    // Days before the medication started have nothing due, and are not painted as missed.
    await expect(strip.locator('[data-state="missed"]')).toHaveCount(1);
    await screenshot(page, 'medications-adherence');
  });

  test('a patient asks for a correction and the practice answers it', async ({ page }) => {
    await signIn(page, PATIENT);
    await page.goto('/portal/privacy');
    const card = page.getByRole('region', { name: 'Corrections and erasure' });
    await card.getByLabel('Details').fill('My middle name is missing: Mia Rose Meds.');
    await card.getByRole('button', { name: 'Send request' }).click();
    await expect(card).toContainText('Waiting');
    await signOut(page, PATIENT.name);

    await signIn(page, OFFICE_ADMIN);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Data requests' }).click();
    const request = page.getByRole('region', { name: 'Correction: Mia Meds' });
    await expect(request).toContainText('Mia Rose Meds');
    await request.getByLabel('Answer to the patient').fill('Middle name added.');
    await request.getByRole('button', { name: 'Mark done' }).click();
    await expect(page.getByText('Answer saved')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Correction: Mia Meds' })).toHaveCount(0);
  });
});
