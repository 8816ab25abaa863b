import { expect, test } from '@playwright/test';

import { OFFICE_ADMIN, PRACTITIONER } from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { screenshot, signIn, signOut, watchForBreakage } from '../support/browser';

const PATIENT = {
  email: 'quinn.questions@e2e.test',
  password: 'Harbour-Saffron-Window-39',
  name: 'Quinn Questions',
};

test.describe('questionnaires', () => {
  let problems: string[] = [];
  let patientId = '';

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const own = await createPatient(api, {
      first_name: 'Quinn',
      last_name: 'Questions',
      email: PATIENT.email,
    });
    patientId = own.id;
    await givePortalAccount(api, baseURL as string, patientId, PATIENT);
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a patient completes a PHQ-9 in the portal and the care team reviews the urgent answer', async ({ page }) => {
    await signIn(page, PATIENT);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Questionnaires' }).click();
    await expect(page.getByRole('heading', { name: 'Questionnaires', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Complete a questionnaire' }).click();
    const form = page.getByRole('form', { name: 'Questionnaire' });
    await expect(form.getByLabel('Questionnaire')).toHaveValue('phq9');
    for (let item = 1; item <= 8; item++) {
      await form.getByRole('group', { name: new RegExp(`^${item}\\. `) }).getByLabel('Not at all').check();
    }
    await expect(form.getByText('8 of 9 answered')).toBeVisible();
    await form.getByRole('group', { name: /^9\. / }).getByLabel('Several days').check();
    await expect(form.getByText('Every question is answered.')).toBeVisible();
    await form.getByRole('button', { name: 'Submit answers' }).click();
    const result = page.getByRole('status').filter({ hasText: 'PHQ-9 recorded' });
    await expect(result).toContainText('1 of 27');
    await expect(result).toContainText('Lifeline');
    const history = page.getByRole('region', { name: 'Patient Health Questionnaire (PHQ-9)' });
    await expect(history).toContainText('Item 9');
    await screenshot(page, 'assessments-01-portal');

    // A clinician sees it waiting on the dashboard and reviews it on the patient's record.
    await signOut(page, PATIENT.name);
    await signIn(page, OFFICE_ADMIN);
    const waiting = page.getByRole('region', { name: 'Answers to review' });
    await expect(waiting).toContainText('Quinn Questions');
    await waiting.getByRole('link', { name: 'Quinn Questions' }).click();
    await expect(page).toHaveURL(new RegExp(`/patients/${patientId}/questionnaires$`));
    const record = page.getByRole('region', { name: 'Patient Health Questionnaire (PHQ-9)' });
    await expect(record).toContainText('Minimal');
    await record.getByRole('button', { name: 'Mark reviewed' }).click();
    await record.getByLabel('What was done').fill('Called Quinn; safety plan in place.');
    await record.getByRole('button', { name: 'Save review' }).click();
    await expect(record).toContainText('Called Quinn; safety plan in place.');
    await expect(record.getByRole('button', { name: 'Mark reviewed' })).toHaveCount(0);
    await screenshot(page, 'assessments-02-review');
  });

  test('the patient shares their record, stops sharing, withdraws a consent and sees who has seen it', async ({ page, baseURL }) => {
    await signIn(page, PATIENT);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Privacy' }).click();
    await expect(page.getByRole('heading', { name: 'Privacy', level: 1 })).toBeVisible();
    // Share health readings with a practitioner outside the care team, then stop.
    const practitioner = await apiAs(baseURL as string, PRACTITIONER);
    const health = `/api/v1/patients/${patientId}/observations/latest`;
    expect((await practitioner.get(health)).status()).toBe(403);
    const sharing = page.getByRole('region', { name: 'Sharing' });
    await sharing.getByLabel('Share with').selectOption({ label: PRACTITIONER.name });
    await sharing.getByLabel('Only:').check();
    await sharing.getByLabel('Health readings').check();
    await sharing.getByRole('button', { name: 'Share', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: `Your record is shared with ${PRACTITIONER.name}.` })).toBeVisible();
    await expect(sharing).toContainText('Health readings');
    expect((await practitioner.get(health)).status()).toBe(200);
    expect((await practitioner.get(`/api/v1/patients/${patientId}/assessments`)).status()).toBe(403);
    await sharing.getByRole('button', { name: `Stop sharing with ${PRACTITIONER.name}` }).click();
    await expect(page.getByRole('status').filter({ hasText: `${PRACTITIONER.name} no longer has access.` })).toBeVisible();
    expect((await practitioner.get(health)).status()).toBe(403);
    await practitioner.dispose();

    const consents = page.getByRole('region', { name: 'Consents' });
    const sms = consents.getByLabel(/Appointment messages and reminders by SMS/);
    await expect(sms).toBeChecked();
    await sms.uncheck();
    await expect(page.getByRole('status').filter({ hasText: 'Consent withdrawn.' })).toBeVisible();
    await expect(consents).toContainText('Withdrawn');
    await expect(sms).not.toBeChecked();
    // The clinician's review of the questionnaire, earlier, is in the log.
    const log = page.getByRole('region', { name: 'Who has seen your record' });
    await expect(log).toContainText('Olive Office');
    await expect(log).toContainText('Reviewed a questionnaire answer');
    await screenshot(page, 'assessments-03-privacy');

    // Everything in one archive.
    const saved = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download my data' }).click();
    const archive = await saved;
    expect(archive.suggestedFilename()).toMatch(/^carebase-record-\d{4}-\d{2}-\d{2}\.zip$/);
    await expect(page.getByRole('status').filter({ hasText: 'Your data is downloaded.' })).toBeVisible();
  });
});
