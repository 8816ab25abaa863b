import { expect, test } from '@playwright/test';

import { CORRESPONDENT, OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { screenshot, signIn, signOut, watchForBreakage } from '../support/browser';

/**
 * The messages staff start from when they write to a patient are the practice's own: an
 * administrator edits them under Practice settings, and staff pick them in the write form on a
 * patient's Correspondence tab.
 */

type StaffTemplates = { templates: { name: string; subject: string; body: string }[] };

test.describe.serial('staff message templates', () => {
  let problems: string[] = [];
  let practiceName = '';
  let original: StaffTemplates = { templates: [] };

  test.beforeAll(async ({ baseURL }) => {
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const settings = await admin.get('/api/v1/settings');
    expect(settings.status()).toBe(200);
    practiceName = (await settings.json()).practice_name;
    const templates = await admin.get('/api/v1/staff-templates');
    expect(templates.status()).toBe(200);
    original = await templates.json();
    await admin.dispose();
  });

  // Other tests write from the templates the practice starts with.
  test.afterAll(async ({ baseURL }) => {
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const restored = await admin.put('/api/v1/staff-templates', { data: original });
    expect(restored.status(), await restored.text()).toBe(200);
    await admin.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('an administrator renames a template and changes its text, and a receptionist writes from it', async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(60_000);
    expect(original.templates.map((t) => t.name)).toContain('Running late');

    await signIn(page, OFFICE_ADMIN);
    await page.goto('/admin/settings');
    const card = page.getByRole('region', { name: 'Staff message templates' });
    await expect(card).toContainText("{first_name}: The patient's first (or preferred) name");
    await expect(card).toContainText("{practice}: The practice's name");
    const groups = card.getByRole('group');
    await expect(groups).toHaveCount(original.templates.length);

    // Rename "Running late" and change its text: the legend follows the name, and the SMS
    // count follows the text.
    const late = card.getByRole('group', { name: 'Running late' });
    await late.getByLabel('Name').fill('Delayed today');
    const delayed = card.getByRole('group', { name: 'Delayed today' });
    await expect(delayed).toHaveCount(1);
    const body = 'Hi {first_name}, your practitioner is running 30 minutes late today. {practice}';
    await delayed.getByLabel('Message').fill(body);
    await expect(delayed.getByTestId('sms-count')).toHaveText(`${body.length} of 459 characters · 1 text`);
    await delayed.getByLabel('Message').fill('x'.repeat(470));
    await expect(delayed.getByTestId('sms-count')).toHaveText('470 of 459 characters · 4 texts');
    await expect(delayed.getByTestId('sms-count')).toHaveClass(/field-error/);
    await delayed.getByLabel('Message').fill(body);
    await delayed.getByLabel('Email subject').fill('Running late at {practice}');

    // Moved to the top of the list, where "Move up" no longer applies: focus stays with it, on
    // the way it can still go.
    const place = original.templates.findIndex((t) => t.name === 'Running late');
    for (let i = 0; i < place; i++) {
      await delayed.getByRole('button', { name: 'Move up' }).click();
    }
    await expect(groups.first()).toHaveAccessibleName('Delayed today');
    await expect(delayed.getByRole('button', { name: 'Move up' })).toBeDisabled();
    await expect(delayed.getByRole('button', { name: 'Move down' })).toBeFocused();

    // A template added and removed again leaves the list as it was.
    await card.getByRole('button', { name: 'Add template' }).click();
    const added = card.getByRole('group', { name: 'New template' });
    await expect(added.getByLabel('Name')).toBeFocused();
    await expect(groups).toHaveCount(original.templates.length + 1);
    await added.getByRole('button', { name: 'Remove' }).click();
    await expect(groups).toHaveCount(original.templates.length);

    // An unknown placeholder is refused at its field.
    const call = card.getByRole('group', { name: 'Please call us' });
    const callBody = call.getByLabel('Message');
    const before = await callBody.inputValue();
    await callBody.fill('Hi {first_name}, Dr {doctor} asks you to call. {practice}');
    await card.getByRole('button', { name: 'Save templates' }).click();
    await expect(callBody).toHaveAttribute('aria-invalid', 'true');
    await expect(call.locator('.field-error')).toHaveText(
      'Unknown placeholder: {doctor}. Use {first_name} or {practice}.',
    );
    await expect(callBody).toBeFocused();
    await screenshot(page, 'staff-templates-01-unknown-placeholder');
    await callBody.fill(before);

    await card.getByRole('button', { name: 'Save templates' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Staff message templates saved.' })).toBeVisible();
    await expect(callBody).not.toHaveAttribute('aria-invalid', 'true');
    await screenshot(page, 'staff-templates-02-saved');

    await page.reload();
    await expect(groups.first()).toHaveAccessibleName('Delayed today');
    await expect(delayed.getByLabel('Message')).toHaveValue(body);
    await expect(card.getByRole('group', { name: 'Running late' })).toHaveCount(0);
    await signOut(page, OFFICE_ADMIN.name);

    // A receptionist picks the renamed template and sees the new text, for this patient.
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(admin, {
      first_name: 'Ottilie',
      last_name: 'Templeton',
      date_of_birth: '1984-09-21',
      email: 'ottilie.templeton@example.com',
      phone_numbers: [{ phone_type: 'mobile', number: '0412 700 606' }],
    });
    await admin.dispose();

    await signIn(page, CORRESPONDENT);
    await page.goto(`/patients/${patient.id}/correspondence`);
    const compose = page.getByRole('region', { name: 'Write to Ottilie' });
    const picker = compose.getByLabel('Template');
    await expect(picker.locator('option')).toHaveText([
      'Write my own',
      'Delayed today',
      ...original.templates.map((t) => t.name).filter((n) => n !== 'Running late'),
    ]);
    await picker.selectOption('Delayed today');
    const text = `Hi Ottilie, your practitioner is running 30 minutes late today. ${practiceName}`;
    await expect(compose.getByLabel('Message')).toHaveValue(text);
    await expect(compose.getByTestId('sms-count')).toHaveText(`${text.length} of 459 characters · 1 text`);
    await compose.getByRole('group', { name: 'Send by' }).getByRole('button', { name: 'Email' }).click();
    await expect(compose.getByLabel('Subject')).toHaveValue(`Running late at ${practiceName}`);
    await screenshot(page, 'staff-templates-03-written-from-template');

    // The receptionist writes from the templates, and does not edit them.
    await page.goto('/admin/settings');
    await expect(page.getByRole('heading', { name: 'Not available to your account' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Staff message templates' })).toHaveCount(0);
  });

  test('the server refuses an unknown placeholder, a name used twice and too many templates, at their fields', async ({
    baseURL,
  }) => {
    const admin = await apiAs(baseURL as string, OFFICE_ADMIN);
    const template = (name: string, body = 'Hi {first_name}. {practice}') => ({ name, subject: name, body });
    const refused = await admin.put('/api/v1/staff-templates', {
      data: { templates: [template('One'), template('Two', 'Hi {firstname}'), template(' one ')] },
    });
    expect(refused.status()).toBe(422);
    const problem = await refused.json();
    expect(problem.errors.map((e: { field: string; code: string }) => [e.field, e.code])).toEqual([
      ['templates[1].body', 'unknown_placeholder'],
      ['templates[2].name', 'duplicate'],
    ]);
    const many = await admin.put('/api/v1/staff-templates', {
      data: { templates: Array.from({ length: 31 }, (_, i) => template(`Template ${i + 1}`)) },
    });
    expect(many.status()).toBe(422);
    expect((await many.json()).errors.map((e: { field: string }) => e.field)).toEqual(['templates']);
    await admin.dispose();

    // Only administrators change them.
    const receptionist = await apiAs(baseURL as string, CORRESPONDENT);
    expect((await receptionist.get('/api/v1/staff-templates')).status()).toBe(200);
    expect((await receptionist.put('/api/v1/staff-templates', { data: original })).status()).toBe(403);
    await receptionist.dispose();
  });
});
