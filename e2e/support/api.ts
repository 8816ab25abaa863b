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

/** The link in the newest message to `recipient`, read from the outbox through the API. */
export async function linkSentTo(api: APIRequestContext, recipient: string): Promise<string> {
  const response = await api.get('/api/v1/outbox', { params: { recipient, limit: 1 } });
  expect(response.status(), await response.text()).toBe(200);
  const { items } = await response.json();
  expect(items.length, `no message to ${recipient} in the outbox`).toBeGreaterThan(0);
  const link = /https?:\/\/\S+/.exec(items[0].body)?.[0];
  expect(link, 'the message has a link').toBeTruthy();
  return link as string;
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
