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
