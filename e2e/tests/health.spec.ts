import { expect, test } from '@playwright/test';

import { OFFICE_ADMIN, PRACTITIONER } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';

test.describe('health data', () => {
  test('a reading entered appears on the chart, and a critical one raises an alert', async ({ page, baseURL }) => {
    const problems = watchForBreakage(page);
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, {
      first_name: 'Hettie',
      last_name: 'Pressure',
      date_of_birth: '1961-09-14',
      sex: 'female',
    });
    const users = await (await api.get('/api/v1/users', { params: { role: 'practitioner', limit: 100 } })).json();
    const practitioner = users.items.find((u: { email: string }) => u.email === PRACTITIONER.email);
    const joined = await api.post(`/api/v1/patients/${patient.id}/care-team`, { data: { user_id: practitioner.id } });
    expect(joined.status()).toBe(201);
    await api.dispose();

    await signIn(page, PRACTITIONER);
    await page.goto(`/patients/${patient.id}/health`);
    await expect(page.getByText('No health data yet')).toBeVisible();
    // This practice has no Withings credentials: the app says so rather than offering a dead button.
    await expect(page.getByRole('region', { name: 'Devices' })).toContainText('Withings is not set up for this practice');

    // Enter a blood pressure reading by hand.
    const entry = page.getByRole('form', { name: 'Record a reading' });
    await entry.getByLabel('Measurement').selectOption('systolic_bp');
    await entry.getByLabel(/^Value/).fill('900');
    await entry.getByRole('button', { name: 'Record reading' }).click();
    await expect(entry.getByLabel(/^Value/)).toHaveAttribute('aria-invalid', 'true');
    await expect(entry.getByText('is not a possible reading')).toBeVisible();
    await entry.getByLabel(/^Value/).fill('135');
    await entry.getByRole('button', { name: 'Record reading' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Recorded 135 mmHg' })).toBeVisible();

    // It is the latest reading, and a point on the chart.
    await expect(page.getByRole('button', { name: /Systolic blood pressure\s*135 mmHg/ })).toBeVisible();
    const chart = page.getByRole('img', { name: /Systolic blood pressure/ });
    await expect(chart).toBeVisible();
    await expect(chart).toHaveAttribute('aria-label', /1 reading/);
    await screenshot(page, 'health-01-first-reading');

    // A critical reading, taken five minutes ago: the care team is alerted.
    const earlier = new Date(Date.now() - 5 * 60_000);
    const local = new Date(earlier.getTime() - earlier.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await entry.getByLabel('Measured at').fill(local);
    await entry.getByLabel(/^Value/).fill('192');
    await entry.getByRole('button', { name: 'Record reading' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'critical reading' })).toBeVisible();
    await expect(chart).toHaveAttribute('aria-label', /2 readings/);
    const alerts = page.getByRole('region', { name: 'Open alerts' });
    await expect(alerts).toContainText('Systolic blood pressure 192 mmHg');
    await screenshot(page, 'health-02-critical');
    // The sidebar counts it, wherever the clinician is in the app.
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await expect(nav.getByRole('link', { name: /Dashboard\s*1 open alert/ })).toBeVisible();

    // The dashboard shows it, and it is acknowledged there with a note.
    await page.goto('/');
    const dashboard = page.getByRole('region', { name: 'Open alerts' });
    await expect(dashboard).toContainText('Hettie Pressure');
    await screenshot(page, 'health-03-dashboard-alert');
    await dashboard.getByRole('button', { name: 'Acknowledge' }).click();
    const dialog = page.getByRole('dialog', { name: 'Acknowledge alert' });
    await dialog.getByLabel('What was done').fill('Repeated after rest: 148/88. Review in a week.');
    await dialog.getByRole('button', { name: 'Acknowledge' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Alert acknowledged.' })).toBeVisible();
    await expect(dashboard).toContainText('No open alerts.');
    await expect(nav.getByRole('link', { name: 'Dashboard', exact: true })).toBeVisible();

    // The practitioner tightens the patient's blood-pressure target, with a reason.
    await page.goto(`/patients/${patient.id}/health`);
    const targets = page.getByRole('region', { name: 'Target ranges' });
    await expect(targets).toContainText('90–140');
    await targets.getByRole('button', { name: 'Adjust' }).click();
    await targets.getByLabel('Diabetes').check();
    await targets.getByLabel('Use a range for this patient instead of the default').check();
    // The editor starts from the default range, critical limits included.
    await expect(targets.getByLabel('Critical high')).toHaveValue('180');
    await targets.getByLabel('High', { exact: true }).fill('125');
    await targets.getByLabel('Low', { exact: true }).fill('95');
    await targets.getByLabel('Reason', { exact: true }).fill('Diabetes with albuminuria: tighter target agreed');
    await screenshot(page, 'health-04-targets');
    await targets.getByRole('button', { name: 'Save ranges' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Target ranges saved.' })).toBeVisible();
    await expect(targets).toContainText('95–125');
    await expect(targets).toContainText('A practitioner, for this patient');
    await expect(targets).toContainText('Diabetes with albuminuria');
    await expect(targets).toContainText('≤ 80 or ≥ 180');
    // The earlier 135 is now out of range.
    await expect(page.getByRole('button', { name: /Systolic blood pressure\s*135 mmHg\s*Out of range/ })).toBeVisible();
    expect(problems).toEqual([]);
  });
});
