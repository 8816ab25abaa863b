import { expect, test } from '@playwright/test';

import { ADMIN } from '../support/accounts';
import { screenshot, submitSignIn, watchForBreakage } from '../support/browser';

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
    await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    await expect(page.getByRole('heading', { name: `Signed in as ${ADMIN.name}` })).toBeVisible();
    const header = page.getByRole('banner');
    await expect(header).toContainText('Carebase');
    await expect(header).toContainText(ADMIN.name);
    await expect(header).toContainText('Administrator');
    await expect(page).toHaveTitle('Dashboard · Carebase');
    await screenshot(page, 'login-03-home');
  });

  test('reloading keeps the session', async ({ page }) => {
    await submitSignIn(page, ADMIN);
    await expect(page.getByRole('heading', { name: `Signed in as ${ADMIN.name}` })).toBeVisible();

    await page.reload();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { name: `Signed in as ${ADMIN.name}` })).toBeVisible();
  });

  test('signing out returns to the sign-in page and guards the home page', async ({ page }) => {
    await submitSignIn(page, ADMIN);
    await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await screenshot(page, 'login-04-signed-out');

    // A fresh load must not find a session to restore: the server cleared the cookie.
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('unknown addresses show a not-found page', async ({ page }) => {
    await page.goto('/no-such-page');
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    // Not signed in: the home page sends us on to sign in.
    await expect(page).toHaveURL(/\/login$/);
  });
});
