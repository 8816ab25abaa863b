import { expect, test, type Page } from '@playwright/test';

import { OFFICE_ADMIN } from '../support/accounts';
import { apiAs, createPatient } from '../support/api';
import { signIn } from '../support/browser';

// axe-core is injected as a script, which the app's Content-Security-Policy rightly refuses.
test.use({ bypassCSP: true });

type Violation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/** Runs axe-core's WCAG 2.x A and AA rules on the page; returns serious and critical findings. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations: Violation[] = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test.describe('accessibility (axe-core, WCAG 2.2 A and AA)', () => {
  test('the sign-in journey', async ({ page }) => {
    for (const path of ['/login', '/forgot-password']) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      expect(await seriousViolations(page), path).toEqual([]);
    }
  });

  test('the staff screens', async ({ page, baseURL }) => {
    // Two dozen screens, each loaded and scanned.
    test.setTimeout(180_000);
    const api = await apiAs(baseURL as string, OFFICE_ADMIN);
    const patient = await createPatient(api, {
      first_name: 'Aurelia',
      last_name: 'Axe',
      date_of_birth: '1975-04-02',
      phone_numbers: [{ phone_type: 'mobile', number: '0411 222 333' }],
    });
    await api.dispose();
    await signIn(page, OFFICE_ADMIN);
    const screens: [string, string][] = [
      ['/', 'Recently updated patients'],
      ['/patients', 'Patients'],
      ['/patients/new', 'New patient'],
      [`/patients/${patient.id}`, 'Aurelia Axe'],
      [`/patients/${patient.id}/health`, 'Latest readings'],
      [`/patients/${patient.id}/notes`, 'Timeline'],
      [`/patients/${patient.id}/documents`, 'Imaging'],
      ['/admin/users', 'Staff'],
      ['/admin/api-keys', 'API keys'],
      ['/admin/audit', 'Audit log'],
      ['/admin/outbox', 'Outbox'],
      ['/admin/webhooks', 'Provider calls'],
      ['/communications', 'Communications'],
      ['/messages', 'Messages'],
      [`/patients/${patient.id}/messages`, 'Write to Aurelia'],
      [`/patients/${patient.id}/correspondence`, 'Correspondence'],
      ['/admin/settings', 'Practice settings'],
      ['/calendar', 'Calendar'],
      ['/schedule/team', 'Team availability'],
      ['/schedule/availability', 'Availability'],
      ['/admin/appointment-types', 'Appointment types'],
      ['/admin/scheduling', 'Scheduling'],
      [`/patients/${patient.id}/appointments`, 'Upcoming appointments'],
      ['/account/profile', 'Profile'],
      ['/account/security', 'Security'],
    ];
    for (const [path, heading] of screens) {
      await page.goto(path);
      await expect(page.getByRole('heading', { name: heading }).first()).toBeVisible();
      // Let loading placeholders give way to content.
      await expect(page.locator('.skeleton')).toHaveCount(0);
      expect(await seriousViolations(page), path).toEqual([]);
    }
  });
});
