import { defineConfig } from '@playwright/test';

/**
 * Browser tests against the real server binary (see global-setup.ts), driving the system
 * Chromium: Playwright's own browser builds are never downloaded.
 *
 * Environment:
 *   CAREBASE_BIN         the server binary (default ../target/debug/carebase)
 *   CAREBASE_STATIC_DIR  the built web app, from `cargo xtask frontend` (default ../frontend/dist)
 *   E2E_PORT             the port to serve on (default 18080)
 *   CHROMIUM_PATH        the browser (default /usr/bin/chromium)
 */
const port = Number(process.env.E2E_PORT ?? 18080);

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
