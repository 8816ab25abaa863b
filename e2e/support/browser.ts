import { expect, type Page } from '@playwright/test';
import path from 'node:path';

const screenshotDir = path.join(__dirname, '..', 'test-results', 'screenshots');

/** Saves a full-page screenshot as test-results/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * Collects what a person would hit as a broken page: uncaught exceptions (a panic in the app)
 * and resources the Content-Security-Policy blocked. Check the list is empty after the test.
 */
export function watchForBreakage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|panicked/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  return problems;
}

/** Fills in and sends the sign-in form. */
export async function submitSignIn(
  page: Page,
  account: { email: string; password: string },
  password = account.password,
): Promise<void> {
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in (without MFA) and waits for the home page. */
export async function signIn(page: Page, account: { email: string; password: string; name: string }): Promise<void> {
  await submitSignIn(page, account);
  await expect(page.getByRole('heading', { name: `Signed in as ${account.name}` })).toBeVisible();
}
