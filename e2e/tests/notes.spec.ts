import { expect, test } from '@playwright/test';

import { OFFICE_ADMIN, PRACTITIONER } from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { screenshot, signIn, signOut, watchForBreakage } from '../support/browser';

const PATIENT = {
  email: `nora.notes.${Date.now()}@e2e.test`,
  password: 'Lagoon-Pepper-Compass-52',
  name: 'Nora Notes',
};

test.describe('clinical notes and documents', () => {
  let problems: string[] = [];
  let patientId = '';

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const own = await createPatient(api, { first_name: 'Nora', last_name: 'Notes', email: PATIENT.email });
    patientId = own.id;
    const practitioner = await apiAs(baseURL as string, PRACTITIONER);
    const me = await (await practitioner.get('/api/v1/auth/me')).json();
    await practitioner.dispose();
    const team = await api.post(`/api/v1/patients/${patientId}/care-team`, { data: { user_id: me.id } });
    expect(team.status(), await team.text()).toBe(201);
    await givePortalAccount(api, baseURL as string, patientId, PATIENT);
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a practitioner writes a SOAP note from the template, signs it and amends it', async ({ page }) => {
    await signIn(page, PRACTITIONER);
    await page.goto(`/patients/${patientId}/notes`);
    await page.getByRole('button', { name: 'New note' }).click();
    const editorCard = page.getByRole('region', { name: 'New note' });
    await expect(editorCard.getByLabel('Type')).toHaveValue('soap');
    const text = editorCard.getByRole('textbox', { name: 'Note' });
    // The practice's SOAP template is where the note starts.
    for (const section of ['Subjective', 'Objective', 'Assessment', 'Plan']) {
      await expect(text.getByRole('heading', { name: section })).toBeVisible();
    }
    await editorCard.getByLabel('Title').fill('Shoulder review');
    await text.getByRole('heading', { name: 'Subjective' }).click();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.type('Pain eased since the last visit. ');
    await editorCard.getByRole('button', { name: 'Bold' }).click();
    await page.keyboard.type('Sleeping through.');
    await editorCard.getByRole('button', { name: 'Bold' }).click();
    await expect(text.locator('b, strong')).toHaveText('Sleeping through.');
    await editorCard.getByRole('button', { name: 'Sign note' }).click();
    // Signing asks first, and says what it means.
    const confirm = page.getByRole('dialog', { name: 'Sign this note?' });
    await expect(confirm).toContainText('locked');
    await confirm.getByRole('button', { name: 'Sign and lock' }).click();
    await expect(page.getByText('Note signed')).toBeVisible();

    const timeline = page.getByRole('region', { name: 'Timeline' });
    const note = timeline.getByRole('article', { name: 'Shoulder review' });
    await expect(note).toContainText('Signed');
    await expect(note).toContainText('Pain eased since the last visit.');
    await expect(note.locator('b, strong')).toHaveText('Sleeping through.');
    await expect(timeline).toContainText('SOAP note, signed');
    // Locked: what remains is to amend it.
    await expect(note.getByRole('button', { name: 'Edit draft' })).toHaveCount(0);
    await note.getByRole('button', { name: 'Amend' }).click();
    const amend = page.getByRole('region', { name: 'Amend “Shoulder review”' });
    const amendText = amend.getByRole('textbox', { name: 'Note' });
    await amendText.getByText('Sleeping through.').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Range of motion full.');
    await amend.getByLabel('Reason for the amendment').fill('Added the examination finding');
    await amend.getByRole('button', { name: 'Save amendment' }).click();
    await expect(page.getByText('Amendment saved')).toBeVisible();
    const amended = timeline.getByRole('article', { name: 'Shoulder review' });
    await expect(amended).toContainText('Amended');
    await expect(amended).toContainText('Range of motion full.');
    await expect(amended).toContainText('Added the examination finding');
    await amended.getByText('Earlier versions (1)').click();
    await expect(amended.locator('.note-version')).toContainText('as signed');
    await expect(amended.locator('.note-version')).not.toContainText('Range of motion');
    await screenshot(page, 'notes-01-signed-and-amended');

    // A draft stays the author's until signed.
    await page.getByRole('button', { name: 'New note' }).click();
    const draft = page.getByRole('region', { name: 'New note' });
    await draft.getByLabel('Type').selectOption('phone_call');
    await expect(draft.getByRole('textbox', { name: 'Note' }).getByRole('heading', { name: 'Advice given' })).toBeVisible();
    await draft.getByLabel('Title').fill('Called about results');
    await draft.getByRole('button', { name: 'Save draft' }).click();
    await expect(page.getByText('Draft saved')).toBeVisible();
    await draft.getByLabel('File', { exact: true }).setInputFiles({
      name: 'results.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Ferritin 12 ug/L'),
    });
    await draft.getByRole('button', { name: 'Upload' }).click();
    await expect(draft.getByText('results.txt', { exact: true })).toBeVisible();
    await draft.getByRole('button', { name: 'Close' }).click();
    await timeline.getByLabel('Note type').selectOption('phone_call');
    await expect(timeline).toContainText('Phone call, draft');
    await expect(timeline).not.toContainText('Shoulder review');

    // The patient reads the signed note in the portal, not the draft.
    await signOut(page, PRACTITIONER.name);
    await signIn(page, PATIENT);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'My records' }).click();
    const mine = page.getByRole('region', { name: 'Notes from your care team' });
    await expect(mine).toContainText('Shoulder review');
    await expect(mine).toContainText('Range of motion full.');
    await expect(mine).not.toContainText('Called about results');
  });

  test('a patient adds a document in the portal and the clinician previews it', async ({ page }) => {
    await signIn(page, PATIENT);
    await page.goto('/portal/records');
    const documents = page.getByRole('region', { name: 'Documents' });
    await documents.getByLabel('File', { exact: true }).setInputFiles({
      name: 'referral letter.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Dear Dr Practitioner, please see Nora about her shoulder.'),
    });
    await documents.getByLabel('Kind').selectOption('referral');
    await documents.getByRole('button', { name: 'Upload' }).click();
    await expect(documents.getByText('referral letter.txt', { exact: true })).toBeVisible();
    await expect(documents).toContainText('Referral');

    await signOut(page, PATIENT.name);
    await signIn(page, PRACTITIONER);
    await page.goto(`/patients/${patientId}/documents`);
    const staffDocs = page.getByRole('region', { name: 'Documents' });
    await expect(staffDocs).toContainText('added by the patient');
    await staffDocs.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('dialog', { name: 'referral letter.txt' });
    await expect(preview.getByRole('region', { name: 'Document text' })).toContainText('please see Nora');
    await screenshot(page, 'documents-01-preview');
    await preview.getByRole('button', { name: 'Close' }).click();
    // A patient's own upload is theirs to remove, not the clinician's.
    await expect(staffDocs.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  });
});
