import { expect, test } from '@playwright/test';

import { NURSE } from '../support/accounts';
import { accountMenu, screenshot, signIn, signOut, submitSignIn, watchForBreakage } from '../support/browser';
import { totp } from '../support/totp';

// The tests share one enrolment and build on each other's TOTP steps.
test.describe.configure({ mode: 'serial' });

test.describe('two-step verification', () => {
  let secret = '';
  let recoveryCodes: string[] = [];
  let problems: string[] = [];

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('is set up from the security page with a QR code and recovery codes', async ({ page }) => {
    await signIn(page, NURSE);
    await accountMenu(page, NURSE.name).click();
    await page.getByRole('link', { name: 'Security', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
    await expect(page.getByText('Off', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Set up two-step verification' }).click();

    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await expect(qr).toBeVisible();
    // The QR code is a real image the browser decoded, not a broken link.
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'mfa-01-scan');

    await page.getByText("Can't scan it? Enter a key instead").click();
    secret = (await page.getByTestId('totp-secret').innerText()).trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);

    // A wrong first code is refused; setup stays open.
    const code = page.getByLabel('Authentication code');
    const valid = new Set([-1, 0, 1, 2].map((offset) => totp(secret, offset)));
    const wrong = ['000000', '111111', '222222', '333333', '444444'].find((c) => !valid.has(c)) ?? '';
    await code.fill(wrong);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect(page.getByRole('alert')).toContainText('That code did not match');

    await code.fill(totp(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect(codes.first()).toBeVisible();
    recoveryCodes = (await codes.allInnerTexts()).map((c) => c.trim());
    expect(recoveryCodes.length).toBeGreaterThanOrEqual(8);
    await screenshot(page, 'mfa-02-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect(page.getByText('On', { exact: true })).toBeVisible();
    await signOut(page, NURSE.name);
  });

  test('a wrong code is refused and the right one signs in', async ({ page }) => {
    await submitSignIn(page, NURSE);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await expect(page.getByText('Enter the 6-digit code from your authenticator app')).toBeVisible();
    const code = page.getByLabel('Authentication code');
    await expect(code).toBeFocused();
    await expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    await expect(code).toHaveAttribute('inputmode', 'numeric');
    await screenshot(page, 'mfa-03-code');

    // A code no window around now would accept.
    const valid = new Set([-1, 0, 1, 2].map((offset) => totp(secret, offset)));
    const wrong = ['000000', '111111', '222222', '333333', '444444'].find((c) => !valid.has(c)) ?? '';
    await code.fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert')).toContainText('That code is not valid');
    await screenshot(page, 'mfa-04-wrong-code');

    // Setup used the current step; a code is accepted once, so use the next step's.
    await code.fill(totp(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(accountMenu(page, NURSE.name)).toBeVisible();
    await expect(page.getByRole('main')).toContainText('Nurse');
  });

  test('a recovery code signs in too', async ({ page }) => {
    await submitSignIn(page, NURSE);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    const code = page.getByLabel('Recovery code');
    await expect(code).toBeFocused();
    await screenshot(page, 'mfa-05-recovery-code');
    await code.fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(accountMenu(page, NURSE.name)).toBeVisible();
  });

  test('signing in as someone else goes back to the password step', async ({ page }) => {
    await submitSignIn(page, NURSE);
    await expect(page.getByRole('heading', { name: 'Two-step verification' })).toBeVisible();
    await page.getByRole('button', { name: 'Sign in as someone else' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('Password')).toBeVisible();
  });
});
