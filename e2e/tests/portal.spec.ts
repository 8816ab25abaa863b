import { expect, test } from '@playwright/test';

import { OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { navigationLinks, screenshot, signIn, watchForBreakage } from '../support/browser';

const PATIENT = {
  email: 'hana.portal@e2e.test',
  password: 'Juniper-Compass-Ribbon-84',
  name: 'Hana Portal',
};

test.describe('the patient portal', () => {
  let problems: string[] = [];
  let ownId = '';
  let otherId = '';

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const own = await createPatient(api, {
      first_name: 'Hana',
      last_name: 'Portal',
      email: PATIENT.email,
      date_of_birth: '1990-06-15',
      phone_numbers: [{ phone_type: 'mobile', number: '0400 111 222' }],
    });
    const other = await createPatient(api, { first_name: 'Olga', last_name: 'Otherperson' });
    ownId = own.id;
    otherId = other.id;
    await givePortalAccount(api, baseURL as string, ownId, PATIENT);
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a patient sees their own details and updates their contact details', async ({ page }) => {
    await signIn(page, PATIENT);
    await expect(page.getByRole('heading', { name: 'Hello, Hana' })).toBeVisible();
    expect(await navigationLinks(page)).toEqual([
      'Home',
      'Messages',
      'My appointments',
      'My health',
      'My medications',
      'My records',
      'Questionnaires',
      'Homework',
      'My details',
      'Privacy',
    ]);
    await expect(page.getByRole('main')).toContainText('0400 111 222');
    await expect(page.getByRole('region', { name: 'Your next appointment' })).toContainText('Nothing booked');
    await screenshot(page, 'portal-01-home');

    await page.getByRole('link', { name: 'View and update' }).click();
    await expect(page.getByRole('heading', { name: 'My details' })).toBeVisible();
    await page.getByRole('button', { name: 'Update contact details' }).click();
    // Only contact details are offered.
    await expect(page.getByLabel('First name')).toHaveCount(0);
    await expect(page.getByLabel('Medicare number')).toHaveCount(0);
    await page.getByLabel('Phone number').fill('0400 999 888');
    await page.getByLabel('Suburb or town').fill('Newtown');
    await screenshot(page, 'portal-02-edit-contact');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Your contact details have been updated.' })).toBeVisible();
    await expect(page.getByRole('main')).toContainText('0400 999 888');
    await expect(page.getByRole('main')).toContainText('Newtown');
  });

  test("a patient cannot reach another patient's page by its address", async ({ page, baseURL }) => {
    await signIn(page, PATIENT);
    const reads: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes(`/api/v1/patients/${otherId}`)) reads.push(r.status());
    });
    await page.goto(`/patients/${otherId}`);
    await expect(page.getByRole('heading', { name: 'Not available to your account' })).toBeVisible();
    await expect(page.getByRole('main')).not.toContainText('Otherperson');
    await screenshot(page, 'portal-03-other-patient');
    // Nor does the API, asked directly with the patient's own credentials.
    const api = await apiAs(baseURL as string, PATIENT);
    const direct = await api.get(`/api/v1/patients/${otherId}`);
    expect([403, 404]).toContain(direct.status());
    expect(await direct.text()).not.toContain('Otherperson');
    await api.dispose();
    expect(reads.every((s) => s !== 200)).toBe(true);
    // The staff list is closed too.
    await page.goto('/patients');
    await expect(page.getByRole('heading', { name: 'Not available to your account' })).toBeVisible();
    expect(ownId).not.toEqual(otherId);
  });

  test('a patient records a reading on their own health page', async ({ page }) => {
    await signIn(page, PATIENT);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'My health' }).click();
    await expect(page.getByRole('heading', { name: 'My health', level: 1 })).toBeVisible();
    const entry = page.getByRole('form', { name: 'Record a reading' });
    await entry.getByLabel('Measurement').selectOption('weight');
    await entry.getByLabel(/^Value/).fill('71.2');
    await entry.getByRole('button', { name: 'Record reading' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Recorded 71.2 kg' })).toBeVisible();
    await expect(page.getByRole('button', { name: /Weight\s*71.2 kg/ })).toBeVisible();
    // The chart turns to what was just entered.
    await expect(page.getByRole('img', { name: /Weight: 1 reading/ })).toBeVisible();
    // Their target ranges are shown; changing them is for their practitioner.
    await expect(page.getByRole('heading', { name: 'Target ranges' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Adjust' })).toHaveCount(0);
    await screenshot(page, 'portal-04-my-health');
  });
});
