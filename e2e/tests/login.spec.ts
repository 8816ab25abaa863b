import { expect, test } from '@playwright/test';

import { ADMIN } from '../support/accounts';
import { apiAs, linkSentTo } from '../support/api';
import { accountMenu, screenshot, signOut, submitSignIn, watchForBreakage } from '../support/browser';

test.describe('signing in', () => {
  let problems: string[] = [];

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('the sign-in page renders, and a wrong password is refused', async ({ page }) => {
    await page.goto('/login');
    await expect(page).toHaveTitle('Sign in · Carebase');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('Email')).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveAttribute('type', 'password');
    await screenshot(page, 'login-01-sign-in');

    await submitSignIn(page, ADMIN, 'not-the-password-at-all');
    await expect(page.getByRole('alert')).toContainText('Email or password is incorrect');
    await expect(page).toHaveURL(/\/login$/);
    await screenshot(page, 'login-02-wrong-password');
  });

  test('a malformed email is caught before sending', async ({ page }) => {
    let sent = false;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/auth/login')) sent = true;
    });
    await submitSignIn(page, { email: 'not-an-email', password: 'whatever' });
    const email = page.getByLabel('Email');
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
    expect(sent).toBe(false);
  });

  test('correct credentials land on the home page', async ({ page }) => {
    await submitSignIn(page, ADMIN);
    await expect(page).toHaveURL(/\/$/);
    await expect(page).toHaveTitle('Dashboard · Carebase');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Alex');
    await expect(page.getByRole('banner')).toContainText(ADMIN.name);
    await accountMenu(page, ADMIN.name).click();
    await expect(page.locator('#user-menu-panel')).toContainText('Administrator');
    await expect(page.locator('#user-menu-panel')).toContainText(ADMIN.email);
    await screenshot(page, 'login-03-home');
  });

  test('reloading keeps the session', async ({ page }) => {
    await submitSignIn(page, ADMIN);
    await expect(accountMenu(page, ADMIN.name)).toBeVisible();

    await page.reload();
    await expect(page).toHaveURL(/\/$/);
    await expect(accountMenu(page, ADMIN.name)).toBeVisible();
  });

  test('signing out returns to the sign-in page and guards the home page', async ({ page }) => {
    await submitSignIn(page, ADMIN);
    await expect(accountMenu(page, ADMIN.name)).toBeVisible();

    await signOut(page, ADMIN.name);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await screenshot(page, 'login-04-signed-out');

    // A fresh load must not find a session to restore: the server cleared the cookie.
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('unknown addresses show a not-found page once signed in', async ({ page }) => {
    // Signed out, the app says nothing about an address until the visitor signs in.
    await page.goto('/no-such-page');
    await expect(page).toHaveURL(/\/login\?next=%2Fno-such-page$/);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page).toHaveTitle('Page not found · Carebase');
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await expect(page).toHaveURL(/\/$/);
  });

  test('a signed-out visit to a page returns there after signing in', async ({ page }) => {
    await page.goto('/admin/audit');
    await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Faudit$/);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/admin\/audit$/);
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    // The redirect replaced the history entry: Back does not return to the sign-in page.
    await page.goBack();
    await expect(page).not.toHaveURL(/\/login/);
  });

  test('a next address that the browser would read as another site leads home instead', async ({ page, baseURL }) => {
    const origin = new URL(baseURL as string).origin;
    let leftTheSite = false;
    page.on('request', (request) => {
      if (new URL(request.url()).hostname.includes('evil')) leftTheSite = true;
    });
    await submitSignIn(page, ADMIN);
    await expect(page.getByRole('button', { name: `${ADMIN.name} (account menu)` })).toBeVisible();
    for (const next of [
      '//evil.example/',
      '/\\evil.example/',
      '/\\/evil.example/',
      '/\t/evil.example/',
      '/\n/evil.example/',
      '/.//evil.example/',
      '/%2F%2Fevil.example',
      'https://evil.example/',
      'javascript:alert(1)',
    ]) {
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      await expect(page.getByRole('button', { name: `${ADMIN.name} (account menu)` })).toBeVisible();
      expect(new URL(page.url()).origin, `next=${JSON.stringify(next)}`).toBe(origin);
    }
    expect(leftTheSite).toBe(false);
    // A path of this app is still honoured.
    await page.goto(`/login?next=${encodeURIComponent('/admin/audit?action=auth.login')}`);
    await expect(page).toHaveURL(/\/admin\/audit\?action=auth\.login$/);
  });

  test('a forgotten password is reset through the emailed link', async ({ page, baseURL }) => {
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect(page.getByText('Check your email')).toBeVisible();
    await screenshot(page, 'login-05-reset-requested');

    const api = await apiAs(baseURL as string, ADMIN);
    const link = await linkSentTo(api, ADMIN.email);
    await api.dispose();
    expect(link).toContain('/reset-password?token=');

    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    // The same length rule as the server, checked before sending.
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Repeat the new password').fill('short');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect(page.getByLabel('New password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('Use at least 12 characters')).toBeVisible();

    // The admin keeps the same password for the other tests: reuse is refused by nothing here.
    await page.getByLabel('New password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Repeat the new password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect(page.getByText('Your password has been changed')).toBeVisible();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });
});
