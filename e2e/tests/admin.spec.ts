import { expect, test } from '@playwright/test';

import { OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient, linkSentTo } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';

test.describe('administration', () => {
  let problems: string[] = [];

  test.beforeEach(async ({ page }) => {
    problems = watchForBreakage(page);
    await signIn(page, OFFICE_ADMIN);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('the dashboard and navigation', async ({ page }) => {
    await expect(page).toHaveTitle('Dashboard · Carebase');
    await expect(page.getByRole('heading', { name: 'Recently updated patients' })).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    for (const name of ['Dashboard', 'Patients', 'Staff', 'API keys', 'Audit log', 'Outbox', 'Practice settings', 'Integrations', 'Background jobs']) {
      await expect(nav.getByRole('link', { name })).toBeVisible();
    }
    await expect(nav.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
    await screenshot(page, 'admin-01-dashboard');
  });

  test('an API key is shown once, works, and is revoked', async ({ page, playwright, baseURL }) => {
    await page.goto('/admin/api-keys');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByText('Choose at least one scope.')).toBeVisible();
    await dialog.getByLabel('Name').fill('Reporting export');
    await dialog.getByLabel(/patients:read/).check();
    await screenshot(page, 'admin-02-create-key');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('api-key-secret').innerText()).trim();
    expect(secret.length).toBeGreaterThan(20);
    await expect(page.getByRole('row', { name: /Reporting export/ })).toContainText('patients:read');
    await screenshot(page, 'admin-03-key-created');

    const client = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { Authorization: `Bearer ${secret}` },
    });
    expect((await client.get('/api/v1/patients')).status()).toBe(200);
    expect((await client.get('/api/v1/audit-events')).status()).toBe(403);

    // Shown once: gone after a reload.
    await page.reload();
    await expect(page.getByTestId('api-key-secret')).toHaveCount(0);
    await page.getByRole('row', { name: /Reporting export/ }).getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByRole('row', { name: /Reporting export/ })).toContainText('Revoked');
    expect((await client.get('/api/v1/patients')).status()).toBe(401);
    await client.dispose();
  });

  test('the audit log filters, exports and verifies', async ({ page, baseURL }) => {
    // A patient someone opened, to find in the log by name.
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const surname = `Ledger${Date.now()}`;
    const patient = await createPatient(api, { first_name: 'Audra', last_name: surname, date_of_birth: '1979-03-02' });
    expect((await api.get(`/api/v1/patients/${patient.id}`)).status()).toBe(200);
    await api.dispose();

    await page.goto('/admin/audit');
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    const table = page.getByRole('table', { name: 'Audit events' });
    await expect(table).toBeVisible();
    // What screens do on their own is left out until asked for.
    await expect(page.getByLabel(/Include what screens do on their own/)).not.toBeChecked();
    await expect(table).not.toContainText('alert.list');
    // Patients are named, and picked by name to filter on.
    await page.getByLabel('Find the patient').fill(surname);
    await page.getByRole('list', { name: 'Matching patients' }).getByRole('button', { name: new RegExp(surname) }).click();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const rows = table.locator('tbody tr');
    await expect(rows.first()).toContainText(`Audra ${surname}`);
    for (const text of await rows.allInnerTexts()) expect(text).toContain(`Audra ${surname}`);
    await expect(table).toContainText('patient.read');

    await page.getByRole('button', { name: 'Change' }).click();
    await page.getByLabel('Action').selectOption('auth.login');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(rows.first()).toContainText('auth.login');
    for (const text of await rows.allInnerTexts()) expect(text).toContain('auth.login');
    await screenshot(page, 'admin-04-audit');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('audit-events.csv');

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The audit log is intact' })).toBeVisible();
  });

  test('the outbox lists messages, and never the one-time links they carry', async ({ page, playwright, baseURL }) => {
    // A message to look at: a password-reset email.
    const anonymous = await playwright.request.newContext({ baseURL });
    const reset = await anonymous.post('/api/v1/auth/password-reset', { data: { email: OFFICE_ADMIN.email } });
    expect(reset.ok()).toBe(true);
    const link = await linkSentTo(anonymous, OFFICE_ADMIN.email);
    await anonymous.dispose();
    await page.goto('/admin/outbox');
    await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
    const first = page.locator('.outbox-item').first();
    await expect(first).toBeVisible();
    await first.locator('summary').click();
    await expect(first.locator('.message-body')).toContainText('one-time link');
    await expect(page.locator('body')).not.toContainText(new URL(link).searchParams.get('token') as string);
    await screenshot(page, 'admin-05-outbox');
  });

  test('practice settings are saved', async ({ page }) => {
    await page.goto('/admin/settings');
    const name = page.getByLabel('Practice name');
    await expect(name).toBeVisible();
    await name.fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(name).toHaveAttribute('aria-invalid', 'true');
    await name.fill('Harbourside Family Practice');
    await page.getByLabel('Time zone').selectOption('Australia/Perth');
    await screenshot(page, 'admin-06-settings');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
    await page.reload();
    await expect(page.getByLabel('Practice name')).toHaveValue('Harbourside Family Practice');
    await expect(page.getByLabel('Time zone')).toHaveValue('Australia/Perth');
  });

  test('an outside service is connected under Integrations, checked, and removed', async ({ page }) => {
    await page.goto('/admin/integrations');
    const withings = page.getByRole('region', { name: 'Withings' });
    await expect(withings).toContainText('Not set up');
    await expect(withings).toContainText('/api/v1/integrations/withings/callback');
    await withings.getByRole('button', { name: 'Save' }).click();
    await expect(withings.getByLabel('Client ID')).toHaveAttribute('aria-invalid', 'true');
    await withings.getByLabel('Client ID').fill('clinic-client-id');
    await withings.getByLabel('Client secret').fill('clinic-client-secret');
    // Nothing listens here: the check must say the provider could not be reached.
    await withings.getByLabel('API address').fill('http://127.0.0.1:9');
    await withings.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Withings credentials saved.' })).toBeVisible();
    await expect(withings).toContainText('Set up');
    await expect(withings.getByLabel('Client secret')).toHaveValue('');
    await expect(withings.getByLabel('Client secret')).toHaveAttribute('placeholder', 'Saved — leave empty to keep');
    await expect(withings.getByLabel('Client ID')).toHaveValue('clinic-client-id');
    await withings.getByRole('button', { name: 'Check connection' }).click();
    await expect(withings.getByText(/Connection failed: Withings could not be reached/)).toBeVisible();
    await screenshot(page, 'admin-07-integrations');

    page.once('dialog', (d) => d.accept());
    await withings.getByRole('button', { name: 'Remove' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Withings credentials removed.' })).toBeVisible();
    await expect(withings).toContainText('Not set up');
  });

  test('background jobs are listed with their counts', async ({ page }) => {
    await page.goto('/admin/jobs');
    await expect(page.getByRole('heading', { name: 'Background jobs' })).toBeVisible();
    const counts = page.getByRole('definition');
    await expect(counts.first()).toBeVisible();
    await expect(page.getByText('Failed', { exact: true }).first()).toBeVisible();
    await page.getByLabel('Show').selectOption({ label: 'Failed' });
    await expect(page.getByText('No jobs')).toBeVisible();
    await screenshot(page, 'admin-08-jobs');
  });

  test('staff roles are changed and accounts deactivated', async ({ page }) => {
    await page.goto('/admin/users');
    const row = page.getByRole('row', { name: /Riley Reception/ });
    await expect(row).toBeVisible();
    await screenshot(page, 'admin-07-staff');
    await row.getByLabel('Role of Riley Reception').selectOption({ label: 'Nurse' });
    await expect(page.getByRole('status').filter({ hasText: 'Riley Reception updated.' })).toBeVisible();
    await row.getByLabel('Role of Riley Reception').selectOption({ label: 'Receptionist' });
    await expect(row.getByLabel('Role of Riley Reception')).toHaveValue('receptionist');
  });
});
