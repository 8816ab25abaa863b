import { expect, test, type Page, type Response } from '@playwright/test';

import { VISITOR } from '../support/accounts';
import { signIn, watchForBreakage } from '../support/browser';

/**
 * The web app loads in parts: the sign-in page fetches only the first screen's module, and each
 * area's module (with the shared code it needs) arrives when the area is first opened.
 */

/** An area's module or a shared module: `admin-0123456789abcdef.wasm`, `shared-common-….wasm`. */
const PART = /\/([a-z]+(?:-[a-z0-9]+)?)-[0-9a-f]{16}\.wasm$/;

/** The `.wasm` responses a page receives, in order. */
function watchModules(page: Page): Response[] {
  const modules: Response[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.endsWith('.wasm')) modules.push(response);
  });
  return modules;
}

function names(modules: Response[]): string[] {
  return modules.map((r) => new URL(r.url()).pathname.slice(1));
}

function areaModules(modules: Response[], area: string): Response[] {
  return modules.filter((r) => PART.exec(new URL(r.url()).pathname)?.[1] === area);
}

test.describe('loading in parts', () => {
  let problems: string[] = [];

  test.beforeEach(({ page }) => {
    problems = watchForBreakage(page);
  });

  test.afterEach(() => {
    expect(problems, 'the app broke in the browser').toEqual([]);
  });

  test('the sign-in page fetches the first screen only, and answers within a second', async ({ page }) => {
    const modules = watchModules(page);
    // When the app has drawn the sign-in form, in milliseconds from the start of the navigation.
    // The app attaches the form's handlers as it draws it, so from then on the form answers.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('form input[type="password"]')) {
          (window as unknown as { signInDrawnAt: number }).signInDrawnAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    const drawnAt = await page.evaluate(() => (window as unknown as { signInDrawnAt: number }).signInDrawnAt);
    console.log(`sign-in form drawn and interactive ${Math.round(drawnAt)} ms after navigation started`);
    expect(drawnAt, 'milliseconds from navigation to a working sign-in form').toBeLessThan(1000);
    // It answers: the app's own check of the address runs.
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password').fill('whatever');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();

    await page.waitForLoadState('networkidle');
    const fetched = names(modules);
    expect(fetched, 'the sign-in page fetches the main module').toHaveLength(1);
    expect(fetched[0]).toMatch(/^carebase-frontend-[0-9a-f]{16}_bg\.wasm$/);
    expect(fetched.filter((n) => PART.test(`/${n}`)), 'no area or shared module').toEqual([]);
  });

  test('opening an area fetches its module once, served compressed and cached', async ({ page }) => {
    const modules = watchModules(page);
    await signIn(page, VISITOR);
    await expect(page).toHaveTitle('Dashboard · Carebase');
    await page.waitForLoadState('networkidle');
    expect(areaModules(modules, 'dashboard'), 'the dashboard is an area of its own').toHaveLength(1);
    expect(areaModules(modules, 'admin'), 'administration is not fetched before it is opened').toEqual([]);
    expect(areaModules(modules, 'scheduling')).toEqual([]);

    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Staff' }).click();
    await expect(page).toHaveURL(/\/admin\/users$/);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const admin = areaModules(modules, 'admin');
    expect(admin, 'opening administration fetches its module').toHaveLength(1);
    const headers = admin[0].headers();
    expect(admin[0].status()).toBe(200);
    expect(headers['content-type']).toBe('application/wasm');
    expect(headers['content-encoding']).toBe('br');
    expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');

    // Another screen of the same area needs nothing more.
    const before = modules.length;
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await expect(page).toHaveURL(/\/admin\/audit$/);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(names(modules.slice(before)), 'the area is already loaded').toEqual([]);

    // Another area arrives when it is opened.
    await nav.getByRole('link', { name: 'Calendar' }).click();
    await expect(page).toHaveURL(/\/calendar(\?date=[^&]+&view=day)?$/);
    await expect(areaModules(modules, 'scheduling')).toHaveLength(1);
  });

  test('the page itself is never cached, so a new build is picked up', async ({ request }) => {
    const page = await request.get('/login');
    expect(page.headers()['cache-control']).toBe('no-cache');
    const html = await page.text();
    const scripts = [...html.matchAll(/href="\/([^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length, 'the main module and the loader of the areas').toBe(2);
    for (const script of scripts) {
      const response = await request.get(`/${script}`, { headers: { 'accept-encoding': 'br' } });
      expect(response.status()).toBe(200);
      expect(response.headers()['content-type']).toBe('text/javascript; charset=utf-8');
      expect(response.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  });
});

test('an area that cannot be fetched (a new version was installed meanwhile) reloads the page, and then opens', async ({ page }) => {
  await signIn(page, VISITOR);
  await expect(page).toHaveTitle('Dashboard · Carebase');
  // The first attempt at the scheduling area fails, as for a file a new version removed.
  let refused = 0;
  await page.route(/\/scheduling-[0-9a-f]{16}\.wasm$/, async (route) => {
    if (refused === 0) {
      refused += 1;
      await route.fulfill({ status: 404, body: '' });
    } else {
      await route.continue();
    }
  });
  await page.evaluate(() => {
    (window as unknown as { beforeReload: boolean }).beforeReload = true;
  });
  const reloaded = page.waitForEvent('load');
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await nav.getByRole('link', { name: 'Calendar' }).click();
  await reloaded;
  expect(refused).toBe(1);
  expect(await page.evaluate(() => (window as unknown as { beforeReload?: boolean }).beforeReload)).toBeUndefined();
  // The page came back working, and the area opens now.
  await expect(page).toHaveTitle('Dashboard · Carebase');
  await nav.getByRole('link', { name: 'Calendar' }).click();
  await expect(page).toHaveURL(/\/calendar(\?date=[^&]+&view=day)?$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});
