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

/** The button that opens the signed-in person's menu. */
export function accountMenu(page: Page, name: string) {
  return page.getByRole('button', { name: `${name} (account menu)` });
}

/** Signs in (without MFA) and waits for the app shell. */
export async function signIn(page: Page, account: { email: string; password: string; name: string }): Promise<void> {
  await submitSignIn(page, account);
  await expect(accountMenu(page, account.name)).toBeVisible();
}

/** Signs out from the account menu. */
export async function signOut(page: Page, name: string): Promise<void> {
  await accountMenu(page, name).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** The sidebar's links, by name. */
export async function navigationLinks(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(nav).toBeVisible();
  return (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
}
