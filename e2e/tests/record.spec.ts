import { expect, test } from '@playwright/test';

import { DAY_CLINICIAN, OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';

/**
 * A patient's record as a clinician moves around it: an alert opens the Health tab on the
 * metric that alerted, with the open alerts first; the tabs fit one row; addresses use the
 * tabs' own words, and the old ones still open.
 */
test.describe("a patient's record", () => {
  test.use({ viewport: { width: 1440, height: 900 } });
  let problems: string[] = [];
  let patientId = '';

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, { first_name: 'Hal', last_name: 'Heartbeat', date_of_birth: '1970-05-20', sex: 'male' });
    patientId = patient.id;
    const users = await (await api.get('/api/v1/users', { params: { role: 'practitioner', limit: 100 } })).json();
    const me = users.items.find((u: { email: string }) => u.email === DAY_CLINICIAN.email);
    const team = await api.post(`/api/v1/patients/${patientId}/care-team`, { data: { user_id: me.id } });
    expect(team.status(), await team.text()).toBe(201);
    const hour = 3_600_000;
    for (const [metric, value, ago] of [['weight', 72, 3], ['systolic_bp', 122, 2], ['heart_rate', 165, 1]] as const) {
      const reading = await api.post(`/api/v1/patients/${patientId}/observations`, {
        data: { metric, value, effective_at: new Date(Date.now() - ago * hour).toISOString() },
      });
      expect(reading.status(), await reading.text()).toBe(201);
    }
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('an alert opens the Health tab on the metric that alerted, open alerts first', async ({ page }) => {
    await signIn(page, DAY_CLINICIAN);
    const alerts = page.getByRole('region', { name: 'Open alerts' });
    await alerts.getByRole('link', { name: 'Hal Heartbeat' }).click();
    await expect(page).toHaveURL(new RegExp(`/patients/${patientId}/health\\?metric=heart_rate$`));
    await expect(page.locator('#chart-metric')).toHaveValue('heart_rate');
    const open = page.getByRole('region', { name: 'Open alerts' });
    await expect(open).toContainText('165');
    const openBox = await open.boundingBox();
    const latestBox = await page.getByRole('region', { name: 'Latest readings' }).boundingBox();
    expect(openBox && latestBox && openBox.y < latestBox.y).toBeTruthy();
    await screenshot(page, 'record-01-health-from-alert');
  });

  test('the tabs fit one row at 1440 px, and their addresses use their words', async ({ page }) => {
    await signIn(page, DAY_CLINICIAN);
    await page.goto(`/patients/${patientId}`);
    const tabs = page.getByRole('navigation', { name: 'Patient record' }).getByRole('link');
    await expect(tabs).toHaveCount(10);
    const tops = await tabs.evaluateAll((links) => links.map((a) => Math.round(a.getBoundingClientRect().top)));
    expect(new Set(tops).size, 'every tab on one row').toBe(1);
    const overflow = await page
      .getByRole('navigation', { name: 'Patient record' })
      .evaluate((nav) => nav.scrollWidth - nav.clientWidth);
    expect(overflow, 'no tab hidden to the side').toBeLessThanOrEqual(0);
    await expect(tabs.filter({ hasText: 'Questionnaires' })).toHaveAttribute('href', `/patients/${patientId}/questionnaires`);

    await page.goto(`/patients/${patientId}/questionnaires`);
    await expect(tabs.filter({ hasText: 'Questionnaires' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByText('No such tab')).toHaveCount(0);
    // The address used before still opens the tab.
    await page.goto(`/patients/${patientId}/assessments`);
    await expect(tabs.filter({ hasText: 'Questionnaires' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByText('No such tab')).toHaveCount(0);
  });
});
