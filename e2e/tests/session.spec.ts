import { expect, test } from '@playwright/test';

import { RECEPTIONIST } from '../support/accounts';
import { accountMenu, screenshot, signIn, watchForBreakage } from '../support/browser';

test.describe('the session', () => {
  let problems: string[] = [];

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('an expired access token is refreshed once and the request retried', async ({ page }) => {
    await signIn(page, RECEPTIONIST);

    // On reload the app restores the session (one refresh), then loads the account. Refuse that
    // first load as if the access token had expired: the client must refresh again and retry.
    let refusals = 0;
    await page.route('**/api/v1/auth/me', async (route) => {
      if (refusals === 0) {
        refusals += 1;
        await route.fulfill({
          status: 401,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'https://carebase.dev/problems/unauthorized',
            title: 'Sign-in required',
            status: 401,
            code: 'unauthorized',
          }),
        });
      } else {
        await route.continue();
      }
    });
    const refreshes: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/auth/refresh')) refreshes.push(request.method());
    });

    await page.reload();
    await expect(accountMenu(page, RECEPTIONIST.name)).toBeVisible();
    expect(refusals).toBe(1);
    expect(refreshes).toEqual(['POST', 'POST']);
  });

  test('staff see the dashboard and fit a phone screen', async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await screenshot(page, 'session-01-sign-in-phone');

    await signIn(page, RECEPTIONIST);
    await expect(page).toHaveTitle('Dashboard · Carebase');
    await expect(page.getByRole('main')).toContainText('Receptionist');
    // On a phone the sidebar is an overlay, opened from the top bar.
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await expect(nav).toBeHidden();
    await page.getByRole('button', { name: /the sidebar/ }).click();
    await expect(nav).toBeVisible();
    await page.waitForTimeout(300); // the slide-in
    await screenshot(page, 'session-03-menu-phone');
    await nav.getByRole('link', { name: 'Patients' }).click();
    await expect(page).toHaveURL(/\/patients$/);
    await expect(nav).toBeHidden();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, 'the page scrolls sideways').toBeLessThanOrEqual(0);
    await screenshot(page, 'session-02-home-phone');
  });

  test('the sidebar collapses to icons and remembers it across reloads', async ({ page }) => {
    await signIn(page, RECEPTIONIST);
    const patients = page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Patients' });
    await expect(patients).toBeVisible();
    await page.getByRole('button', { name: 'Collapse the sidebar' }).click();
    await expect(page.getByRole('button', { name: 'Expand the sidebar' })).toBeVisible();
    await expect(patients).toHaveAttribute('title', 'Patients');
    await screenshot(page, 'session-04-compact-sidebar');
    await page.reload();
    await expect(page.getByRole('button', { name: 'Expand the sidebar' })).toBeVisible();
    await page.getByRole('button', { name: 'Expand the sidebar' }).click();
    await expect(page.getByRole('button', { name: 'Collapse the sidebar' })).toBeVisible();
  });

  test('the account menu works from the keyboard', async ({ page }) => {
    await signIn(page, RECEPTIONIST);
    const menuButton = accountMenu(page, RECEPTIONIST.name);
    await menuButton.focus();
    await page.keyboard.press('Enter');
    await expect(menuButton).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByRole('link', { name: 'Security', exact: true })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(menuButton).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByRole('link', { name: 'Security', exact: true })).toBeHidden();
  });
});

test.describe('an expired session', () => {
  test('returns to sign-in, then back to the page the person was on', async ({ page, context }) => {
    const problems = watchForBreakage(page);
    await signIn(page, RECEPTIONIST);
    await page.goto('/patients?q=zz');
    await expect(page.getByRole('heading', { name: 'Patients', level: 1 })).toBeVisible();

    // The session ends on the server's side: the refresh cookie is gone, and the access token is
    // refused as if it had expired.
    await context.clearCookies();
    await page.route('**/api/v1/patients?*', (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'https://carebase.dev/problems/unauthorized',
          title: 'Sign-in required',
          status: 401,
          code: 'unauthorized',
        }),
      }),
    );
    await page.getByLabel('Show').selectOption({ label: 'All patients' });
    await expect(page).toHaveURL(/\/login\?next=/);
    await page.unroute('**/api/v1/patients?*');

    await page.getByLabel('Email').fill(RECEPTIONIST.email);
    await page.getByLabel('Password').fill(RECEPTIONIST.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/patients\?q=zz&status=all$/);
    await expect(page.getByRole('heading', { name: 'Patients', level: 1 })).toBeVisible();
    expect(problems).toEqual([]);
  });
});
