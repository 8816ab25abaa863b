import { expect, test, type Page } from '@playwright/test';

import {
  OFFICE_ADMIN,
  ROUNDS_ADMIN,
  ROUNDS_NURSE,
  ROUNDS_PRACTITIONER,
  ROUNDS_RECEPTION,
} from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { screenshot, signIn } from '../support/browser';

/**
 * Each role signs in and opens every screen its sidebar offers (and, for staff, each tab of a
 * patient's record), while the test listens to the browser: any console error, uncaught error,
 * failed request or answer of 400 and above fails it. Each role's first screen is saved at
 * desktop and phone sizes.
 */
const PATIENT = {
  email: `rhoda.rounds.${Date.now()}@e2e.test`,
  password: 'Meadow-Quartz-Ember-48',
  name: 'Rhoda Rounds',
};

let patientId = '';

type Trouble = string[];

/** Listens for what a person would not see but should never happen. */
function listen(page: Page): Trouble {
  const trouble: Trouble = [];
  page.on('console', (m) => {
    if (m.type() === 'error') trouble.push(`console error: ${m.text()}`);
    if (m.type() === 'warning' && /integrity|preload/i.test(m.text())) trouble.push(`console warning: ${m.text()}`);
  });
  page.on('pageerror', (e) => trouble.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A request the app itself ended as the page moved on (a live connection, a superseded load).
    if (/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) return;
    trouble.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) trouble.push(`${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return trouble;
}

async function settle(page: Page): Promise<void> {
  await expect(page.locator('.skeleton')).toHaveCount(0, { timeout: 15_000 });
  await page.waitForLoadState('networkidle');
}

/** The sidebar's links, as addresses. */
async function screens(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(nav).toBeVisible();
  const hrefs = await nav.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  return [...new Set(hrefs.filter((h) => h.startsWith('/')))];
}

async function walk(page: Page, account: { email: string; password: string; name: string }, slug: string, staff: boolean) {
  const trouble = listen(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/login');
  await settle(page);
  await signIn(page, account);
  await settle(page);
  await screenshot(page, `rounds-${slug}-1440`);
  await page.setViewportSize({ width: 390, height: 844 });
  await settle(page);
  await screenshot(page, `rounds-${slug}-390`);
  await page.setViewportSize({ width: 1440, height: 900 });
  const visited: string[] = [];
  for (const path of await screens(page)) {
    await page.goto(path);
    await settle(page);
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
    visited.push(path);
  }
  if (staff) {
    const tabs = await (async () => {
      await page.goto(`/patients/${patientId}`);
      await settle(page);
      await screenshot(page, `rounds-${slug}-record-1440`);
      const nav = page.getByRole('navigation', { name: 'Patient record' });
      return nav.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    })();
    for (const path of tabs) {
      await page.goto(path);
      await settle(page);
      visited.push(path);
    }
  }
  expect(visited.length).toBeGreaterThan(2);
  expect(trouble, `while ${account.name} went through ${visited.join(', ')}`).toEqual([]);
}

test.describe('every role through every main screen, with no errors', () => {
  test.setTimeout(180_000);

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, {
      first_name: 'Rhoda',
      last_name: 'Rounds',
      date_of_birth: '1968-02-11',
      email: PATIENT.email,
      phone_numbers: [{ phone_type: 'mobile', number: '0412 345 678' }],
    });
    patientId = patient.id;
    const users = await (await api.get('/api/v1/users', { params: { limit: 100 } })).json();
    for (const email of [ROUNDS_PRACTITIONER.email, ROUNDS_NURSE.email]) {
      const id = users.items.find((u: { email: string }) => u.email === email).id;
      const team = await api.post(`/api/v1/patients/${patientId}/care-team`, { data: { user_id: id } });
      expect(team.status(), await team.text()).toBe(201);
    }
    await api.post(`/api/v1/patients/${patientId}/observations`, {
      data: { metric: 'systolic_bp', value: 128, effective_at: new Date(Date.now() - 3_600_000).toISOString() },
    });
    await givePortalAccount(api, baseURL as string, patientId, PATIENT);
    await api.dispose();
  });

  test('an administrator', async ({ page }) => {
    await walk(page, ROUNDS_ADMIN, 'admin', true);
  });

  test('a practitioner', async ({ page }) => {
    await walk(page, ROUNDS_PRACTITIONER, 'practitioner', true);
  });

  test('a nurse', async ({ page }) => {
    await walk(page, ROUNDS_NURSE, 'nurse', true);
  });

  test('a receptionist', async ({ page }) => {
    await walk(page, ROUNDS_RECEPTION, 'receptionist', true);
  });

  test('a patient', async ({ page }) => {
    await walk(page, PATIENT, 'patient', false);
  });
});
