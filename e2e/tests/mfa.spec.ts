import { expect, request as apiRequest, test } from '@playwright/test';

import { NURSE } from '../support/accounts';
import { screenshot, submitSignIn, watchForBreakage } from '../support/browser';
import { totp } from '../support/totp';

// The tests share one enrolment and build on each other's TOTP steps.
test.describe.configure({ mode: 'serial' });

test.describe('two-step verification', () => {
  let secret = '';
  let recoveryCodes: string[] = [];
  let problems: string[] = [];

  // Turn MFA on for the nurse through the API, as the (future) settings screen would.
  test.beforeAll(async ({ baseURL }) => {
    const api = await apiRequest.newContext({ baseURL });
    try {
      const login = await api.post('/api/v1/auth/login', {
        data: { email: NURSE.email, password: NURSE.password },
      });
      expect(login.status()).toBe(200);
      const { access_token: accessToken } = await login.json();
      const headers = { Authorization: `Bearer ${accessToken}` };

      const enroll = await api.post('/api/v1/auth/mfa/totp/enroll', { headers });
      expect(enroll.status()).toBe(200);
      secret = (await enroll.json()).secret;

      const confirm = await api.post('/api/v1/auth/mfa/totp/confirm', {
        headers,
        data: { code: totp(secret) },
      });
      expect(confirm.status()).toBe(200);
      recoveryCodes = (await confirm.json()).recovery_codes;
      expect(recoveryCodes.length).toBeGreaterThan(0);
    } finally {
      await api.dispose();
    }
  });

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('a wrong code is refused and the right one signs in', async ({ page }) => {
    await submitSignIn(page, NURSE);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await expect(page.getByText('Enter the 6-digit code from your authenticator app')).toBeVisible();
    const code = page.getByLabel('Authentication code');
    await expect(code).toBeFocused();
    await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    await expect(code).toHaveAttribute('inputmode', 'numeric');
    await screenshot(page, 'mfa-01-code');

    // A code no window around now would accept.
    const valid = new Set([-1, 0, 1, 2].map((offset) => totp(secret, offset)));
    const wrong = ['000000', '111111', '222222', '333333', '444444'].find((c) => !valid.has(c)) ?? '';
    await code.fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toContainText('That code is not valid');
    await screenshot(page, 'mfa-02-wrong-code');

    // Enrolment used the current step; a code is accepted once, so use the next step's.
    await code.fill(totp(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: `Signed in as ${NURSE.name}` })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Nurse');
  });

  test('a recovery code signs in too', async ({ page }) => {
    await submitSignIn(page, NURSE);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    const code = page.getByLabel('Recovery code');
    await expect(code).toBeFocused();
    await screenshot(page, 'mfa-03-recovery-code');
    await code.fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('heading', { name: `Signed in as ${NURSE.name}` })).toBeVisible();
  });

  test('signing in as someone else goes back to the password step', async ({ page }) => {
    await submitSignIn(page, NURSE);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await page.getByRole('button', { name: 'Sign in as someone else' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('Password')).toBeVisible();
  });
});
