import { spawnSync } from 'node:child_process';

import { expect, request as apiRequest, type APIRequestContext } from '@playwright/test';

import type { Account } from './accounts';

/** An API client signed in as `account` (without MFA). Dispose it when done. */
export async function apiAs(baseURL: string, account: Account): Promise<APIRequestContext> {
  const anonymous = await apiRequest.newContext({ baseURL });
  const login = await anonymous.post('/api/v1/auth/login', {
    data: { email: account.email, password: account.password },
  });
  expect(login.status(), await login.text()).toBe(200);
  const { access_token: token } = await login.json();
  await anonymous.dispose();
  return apiRequest.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
}

/** The link in the newest message to `recipient`, as delivered: read with `carebase outbox`,
 * as the server's operator would (the API shows that a one-time link was sent, never the link).
 * Waits a few seconds for messages queued after the answer, such as password resets. */
export async function linkSentTo(_api: APIRequestContext, recipient: string): Promise<string> {
  const bin = process.env.E2E_CAREBASE_BIN as string;
  const env = {
    ...process.env,
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    CAREBASE_DATA_DIR: process.env.E2E_DATA_DIR,
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    const out = spawnSync(bin, ['outbox', '--to', recipient, '--limit', '1'], { env, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const link = /https?:\/\/\S+/.exec(out.stdout)?.[0];
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no message with a link to ${recipient}`);
}

/** Creates a patient through the API and returns it. */
export async function createPatient(
  api: APIRequestContext,
  details: Record<string, unknown>,
): Promise<{ id: string; first_name: string; last_name: string }> {
  const response = await api.post('/api/v1/patients', { data: details });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

/** Invites a patient to the portal and accepts the invitation with `password`, as the patient
 * would from the email. */
export async function givePortalAccount(
  api: APIRequestContext,
  baseURL: string,
  patientId: string,
  account: { email: string; password: string },
): Promise<void> {
  const invite = await api.post(`/api/v1/patients/${patientId}/portal-invitation`, { data: {} });
  expect(invite.status(), await invite.text()).toBe(201);
  const link = await linkSentTo(api, account.email);
  const token = new URL(link).searchParams.get('token');
  const anonymous = await apiRequest.newContext({ baseURL });
  const accepted = await anonymous.post('/api/v1/auth/invitations/accept', {
    data: { token, password: account.password },
  });
  expect(accepted.status(), await accepted.text()).toBe(201);
  await anonymous.dispose();
}
