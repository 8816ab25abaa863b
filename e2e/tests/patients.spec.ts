import { expect, test, type Page } from '@playwright/test';

import { OFFICE_ADMIN, PRACTITIONER } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, watchForBreakage } from '../support/browser';

/** The search box on the patient list. */
function search(page: Page) {
  return page.getByRole('searchbox', { name: 'Search' });
}

test.describe('patients', () => {
  let problems: string[] = [];

  test.beforeEach(async ({ page }) => {
    problems = watchForBreakage(page);
    await signIn(page, PRACTITIONER);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('create with a field error, find by search, edit, archive and restore', async ({ page }) => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Patients' }).click();
    await expect(page.getByRole('heading', { name: 'Patients', level: 1 })).toBeVisible();
    await page.getByRole('link', { name: 'New patient' }).click();
    await expect(page.getByRole('heading', { name: 'New patient' })).toBeVisible();

    // Nothing is sent while the browser's own checks (the server's rules) fail.
    let creates = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/patients')) creates += 1;
    });
    await page.getByLabel('First name').fill('Marguerite');
    await page.getByLabel('Last name').fill('Oyelaran-Fitch');
    await page.getByLabel('Date of birth').fill('1984-02-29');
    await page.getByLabel('Email').fill('marguerite.of@example.com');
    await page.getByLabel('Phone number').fill('0412 345 678');
    await page.getByLabel('Medicare number').fill('2123 45671 1');
    await page.getByLabel('Postcode').fill('20');
    await page.getByRole('button', { name: 'Add patient' }).click();

    const medicare = page.getByLabel('Medicare number');
    await expect(medicare).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Postcode')).toHaveAttribute('aria-invalid', 'true');
    // The message sits at the field and is tied to it for screen readers.
    const describedBy = await medicare.getAttribute('aria-describedby');
    expect(describedBy).toContain('medicare_number-error');
    await expect(page.locator('#medicare_number-error')).toBeVisible();
    // Focus moves to the first field to fix.
    await expect(page.getByLabel('Postcode')).toBeFocused();
    expect(creates).toBe(0);
    await screenshot(page, 'patients-01-field-errors');

    await medicare.fill('2123 45670 1');
    await page.getByLabel('Postcode').fill('2000');
    await page.getByLabel('State').selectOption('NSW');
    await page.getByRole('button', { name: 'Add patient' }).click();
    await expect(page.getByRole('heading', { name: 'Marguerite Oyelaran-Fitch' })).toBeVisible();
    expect(creates).toBe(1);
    await expect(page.getByRole('main')).toContainText('2123 45670 1');
    await screenshot(page, 'patients-02-patient-page');

    // Search as you type finds her by a name prefix.
    await page.getByRole('link', { name: 'Patients' }).first().click();
    await search(page).fill('oyel');
    const row = page.getByRole('row', { name: /Oyelaran-Fitch, Marguerite/ });
    await expect(row).toBeVisible();
    await expect(page).toHaveURL(/q=oyel/);
    await screenshot(page, 'patients-03-search');
    await row.getByRole('link').click();

    // Edit in place.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Preferred name').fill('Daisy');
    await page.getByLabel('Occupation').fill('Cartographer');
    await screenshot(page, 'patients-04-edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Daisy');
    await expect(page.getByRole('main')).toContainText('Cartographer');

    // Archive, after confirming.
    await page.getByRole('button', { name: 'Archive patient' }).click();
    const confirm = page.getByRole('dialog', { name: 'Archive this patient?' });
    await expect(confirm).toBeVisible();
    await confirm.getByRole('button', { name: 'Archive' }).click();
    await expect(page.getByText('This patient is archived')).toBeVisible();
    await screenshot(page, 'patients-05-archived');

    // Archived patients leave the default list, and show under "Archived patients".
    await page.goto('/patients?q=oyel');
    await expect(page.getByText('No patients match')).toBeVisible();
    await page.getByLabel('Show').selectOption({ label: 'Archived patients' });
    await expect(page.getByRole('row', { name: /Oyelaran-Fitch/ })).toBeVisible();
    await page.getByRole('row', { name: /Oyelaran-Fitch/ }).getByRole('link').click();
    await page.getByRole('button', { name: 'Restore patient' }).click();
    await expect(page.getByText('This patient is archived')).toBeHidden();
  });

  test('a server-side validation error lands at its field', async ({ page }) => {
    await page.goto('/patients/new');
    await page.getByLabel('First name').fill('Otto');
    await page.getByLabel('Last name').fill('Servercheck');
    // A date in the future passes the browser's date picker but not the rules.
    await page.getByLabel('Date of birth').fill('2999-01-01');
    await page.getByRole('button', { name: 'Add patient' }).click();
    await expect(page.getByLabel('Date of birth')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#date_of_birth-error')).toBeVisible();
  });

  test('a script in the notes is shown as text and never runs', async ({ page }) => {
    const payload = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;
    await page.goto('/patients/new');
    await page.getByLabel('First name').fill('Xavier');
    await page.getByLabel('Last name').fill('Scripttest');
    await page.getByLabel('Administrative notes').fill(payload);
    await page.getByRole('button', { name: 'Add patient' }).click();
    await expect(page.getByRole('heading', { name: 'Xavier Scripttest' })).toBeVisible();

    await page.reload();
    const notes = page.getByTestId('patient-notes');
    await expect(notes).toHaveText(payload);
    // Nothing was parsed as markup, and nothing ran.
    expect(await notes.locator('script, img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await screenshot(page, 'patients-06-script-as-text');
  });

  test('an unknown patient id shows not found', async ({ page }) => {
    await page.goto('/patients/01900000-0000-7000-8000-000000000000');
    await expect(page.getByText('Patient not found')).toBeVisible();
  });
});

test.describe('clinical access', () => {
  test('a clinician outside the care team breaks the glass with a reason, or joins the team', async ({
    page,
    baseURL,
  }) => {
    const problems = watchForBreakage(page);
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, { first_name: 'Glenda', last_name: 'Glasscase' });
    await api.dispose();

    await signIn(page, PRACTITIONER);
    await page.goto(`/patients/${patient.id}/health`);
    await expect(page.getByText('This clinical record is closed to you')).toBeVisible();
    await page.getByRole('button', { name: 'Break the glass' }).click();
    const dialog = page.getByRole('dialog', { name: 'Break the glass' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Reason for access').fill('short');
    await dialog.getByRole('button', { name: 'Get emergency access' }).click();
    await expect(dialog.getByLabel('Reason for access')).toHaveAttribute('aria-invalid', 'true');
    await dialog.getByLabel('Reason for access').fill('Collapsed in the waiting room; need allergies now.');
    await screenshot(page, 'access-01-break-glass');
    await dialog.getByRole('button', { name: 'Get emergency access' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText('No health data yet')).toBeVisible();

    // On the overview: access by emergency, and the care team can be joined.
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect(page.getByRole('region', { name: 'Clinical access' })).toContainText('by emergency access');
    await page.getByLabel('Add a clinician').selectOption({ label: `${PRACTITIONER.name} (Practitioner)` });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByRole('region', { name: 'Care team' })).toContainText(PRACTITIONER.name);
    await expect(page.getByRole('region', { name: 'Clinical access' })).toContainText('as a member of the care team');
    await screenshot(page, 'access-02-care-team');
    expect(problems).toEqual([]);
  });
});
