import { expect, test } from '@playwright/test';

import { DAY_CLINICIAN, OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient, givePortalAccount } from '../support/api';
import { screenshot, signIn, signOut, watchForBreakage } from '../support/browser';
import { practiceDate, practiceZone } from '../support/day';

/**
 * A date a person picks means that day in the practice: a share "until 31 Jan 2027" lasts to
 * the end of 31 January on the practice's clock, and reads as that day everywhere.
 */
const PATIENT = {
  email: `sam.sharer.${Date.now()}@e2e.test`,
  password: 'Bramble-Harbour-Quill-66',
  name: 'Sam Sharer',
};

test.describe('dates people choose', () => {
  let problems: string[] = [];
  let patientId = '';
  let zone = '';

  test.beforeAll(async ({ baseURL }) => {
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    zone = await practiceZone(api);
    const patient = await createPatient(api, { first_name: 'Sam', last_name: 'Sharer', email: PATIENT.email });
    patientId = patient.id;
    await givePortalAccount(api, baseURL as string, patientId, PATIENT);
    await api.dispose();
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test("a shared record's end date is the day the patient chose, to its end in the practice", async ({ page, baseURL }) => {
    await signIn(page, PATIENT);
    await page.goto('/portal/privacy');
    const sharing = page.getByRole('region', { name: 'Sharing' });
    await sharing.getByLabel('Share with').selectOption({ label: DAY_CLINICIAN.name });
    await sharing.getByLabel('Until (optional)').fill('2027-01-31');
    await sharing.getByRole('button', { name: 'Share', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: `Your record is shared with ${DAY_CLINICIAN.name}.` })).toBeVisible();
    await expect(sharing).toContainText('Whole record until 31 Jan 2027');
    await expect(sharing).not.toContainText('Feb 2027');

    // Kept as the last second of 31 January on the practice's clock.
    const patientApi = await apiAs(baseURL as string, PATIENT);
    const grants: { expires_at: string | null; active: boolean }[] = await (
      await patientApi.get(`/api/v1/patients/${patientId}/access-grants`)
    ).json();
    await patientApi.dispose();
    const until = Date.parse(grants.find((g) => g.active)?.expires_at ?? '');
    expect(practiceDate(zone, until)).toBe('2027-01-31');
    expect(practiceDate(zone, until + 1000)).toBe('2027-02-01');

    // Consents never asked about say whether they hold meanwhile: AI analysis and research do not.
    const consents = page.getByRole('region', { name: 'Consents' });
    const ai = consents.locator('.consent-row', { hasText: /AI/ });
    await expect(ai).toContainText('Not asked yet, so not given');
    await expect(ai.getByRole('checkbox')).not.toBeChecked();
    await screenshot(page, 'dates-01-shared-until');
    await signOut(page, PATIENT.name);

    // The clinician reads the same day.
    await signIn(page, DAY_CLINICIAN);
    await page.goto(`/patients/${patientId}`);
    const access = page.getByRole('region', { name: 'Clinical access' });
    await expect(access).toContainText('because the patient shared their record with you until 31 Jan 2027');
  });
});
