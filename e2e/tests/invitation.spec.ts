import { expect, test } from '@playwright/test';

import { OFFICE_ADMIN, PRACTITIONER, RECEPTIONIST } from '../support/accounts';
import { apiAs, createPatient, linkSentTo } from '../support/api';
import { navigationLinks, screenshot, signIn, watchForBreakage } from '../support/browser';

const NEW_RECEPTIONIST = {
  email: 'new.reception@e2e.test',
  name: 'Quinn Frontdesk',
  password: 'Orange-Pelican-Harvest-55',
};

test.describe('inviting staff', () => {
  let problems: string[] = [];

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('an invited receptionist sets a password, signs in and sees no clinical navigation', async ({
    page,
    browser,
    baseURL,
  }) => {
    // A patient for the receptionist to open later.
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, { first_name: 'Ivy', last_name: 'Invitetest' });

    await signIn(page, OFFICE_ADMIN);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Staff' }).click();
    await expect(page.getByRole('heading', { name: 'Staff', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Invite staff' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite staff' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Name').fill(NEW_RECEPTIONIST.name);
    await dialog.getByLabel('Email').fill('not an email');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await expect(dialog.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
    await dialog.getByLabel('Email').fill(NEW_RECEPTIONIST.email);
    await dialog.getByLabel('Role').selectOption({ label: 'Receptionist' });
    await screenshot(page, 'invite-01-dialog');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `Invitation sent to ${NEW_RECEPTIONIST.email}` })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Invitations' })).toContainText(NEW_RECEPTIONIST.name);
    await screenshot(page, 'invite-02-staff');

    // The link, as the email in the outbox carries it.
    const link = await linkSentTo(api, NEW_RECEPTIONIST.email);
    await api.dispose();
    expect(link).toContain('/invite?token=');

    // The receptionist opens it in their own browser.
    const context = await browser.newContext();
    const invited = await context.newPage();
    const invitedProblems = watchForBreakage(invited);
    await invited.goto(link);
    await expect(invited.getByRole('heading', { name: `Welcome, ${NEW_RECEPTIONIST.name}` })).toBeVisible();
    await expect(invited.getByText('invited to Carebase as receptionist')).toBeVisible();
    await invited.getByLabel('New password', { exact: true }).fill(NEW_RECEPTIONIST.password);
    await invited.getByLabel('Repeat the new password').fill(NEW_RECEPTIONIST.password);
    await screenshot(invited, 'invite-03-accept');
    await invited.getByRole('button', { name: 'Set password and sign in' }).click();

    // Signed in straight away, as a receptionist.
    await expect(invited).toHaveURL(/\/$/);
    await expect(invited.getByRole('button', { name: `${NEW_RECEPTIONIST.name} (account menu)` })).toBeVisible();
    const links = await navigationLinks(invited);
    expect(links).toEqual(['Dashboard', 'Calendar', 'Patients', 'Messages', 'Communications', 'Team availability', 'Data requests']);
    await screenshot(invited, 'invite-04-receptionist-home');

    // The patient page shows the administrative tabs only.
    await invited.goto(`/patients/${patient.id}`);
    await expect(invited.getByRole('heading', { name: 'Ivy Invitetest' })).toBeVisible();
    const tabs = invited.getByRole('navigation', { name: 'Patient record' });
    await expect(tabs.getByRole('link', { name: 'Overview' })).toBeVisible();
    await expect(tabs.getByRole('link', { name: 'Appointments' })).toBeVisible();
    for (const clinical of ['Health', 'Notes', 'Documents']) {
      await expect(tabs.getByRole('link', { name: clinical })).toHaveCount(0);
    }
    await expect(invited.getByRole('heading', { name: 'Clinical access' })).toHaveCount(0);
    // Typing a clinical tab's address does not open it either.
    await invited.goto(`/patients/${patient.id}/notes`);
    await expect(invited.getByText('Not available to your role')).toBeVisible();
    // Nor do the administration screens.
    await invited.goto('/admin/users');
    await expect(invited.getByRole('heading', { name: 'Not available to your account' })).toBeVisible();
    expect(invitedProblems).toEqual([]);

    // The link works once.
    await invited.goto(link);
    await expect(invited.getByRole('heading', { name: 'This invitation cannot be used' })).toBeVisible();
    await context.close();
  });
});

test.describe('inviting a patient to the portal', () => {
  let problems: string[] = [];

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('reception asks, a clinician on the care team approves, and only then the email goes', async ({
    page,
    browser,
    baseURL,
  }) => {
    const email = 'wren.approval@e2e.test';
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, { first_name: 'Wren', last_name: 'Approval', email });
    const practitioner = await apiAs(baseURL as string, PRACTITIONER);
    const me = await (await practitioner.get('/api/v1/auth/me')).json();
    const team = await api.post(`/api/v1/patients/${patient.id}/care-team`, { data: { user_id: me.id } });
    expect(team.status(), await team.text()).toBe(201);
    await practitioner.dispose();

    await signIn(page, RECEPTIONIST);
    await page.goto(`/patients/${patient.id}`);
    const portal = page.getByRole('region', { name: 'Patient portal' });
    await portal.getByRole('button', { name: 'Send portal invitation' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'a clinician on the care team approves it' })).toBeVisible();
    await expect(portal.getByTestId('portal-invitation')).toContainText('waiting for a clinician');
    await expect(portal.getByRole('button', { name: 'Approve and send' })).toHaveCount(0);
    await screenshot(page, 'portal-invite-01-waiting');
    const listed = await (await api.get('/api/v1/outbox', { params: { recipient: email } })).json();
    expect(listed.items, 'nothing is sent before approval').toHaveLength(0);

    const context = await browser.newContext();
    const clinician = await context.newPage();
    const clinicianProblems = watchForBreakage(clinician);
    await signIn(clinician, PRACTITIONER);
    await clinician.goto(`/patients/${patient.id}`);
    const panel = clinician.getByRole('region', { name: 'Patient portal' });
    await panel.getByRole('button', { name: 'Approve and send' }).click();
    await expect(clinician.getByRole('status').filter({ hasText: `Portal invitation sent to ${email}` })).toBeVisible();
    await expect(panel.getByTestId('portal-invitation')).toContainText(`Invitation sent to ${email}`);
    await screenshot(clinician, 'portal-invite-02-approved');
    expect(await linkSentTo(api, email)).toContain('/invite?token=');
    expect(clinicianProblems).toEqual([]);
    await context.close();
    await api.dispose();
  });
});
