import { expect, type APIRequestContext } from '@playwright/test';

import { DAY_CLINICIAN } from './accounts';

/** The practice's time zone, and dates on its calendar. */
export async function practiceZone(api: APIRequestContext): Promise<string> {
  return (await (await api.get('/api/v1/scheduling-settings')).json()).time_zone as string;
}

/** `YYYY-MM-DD` of a moment on the practice's calendar. */
export function practiceDate(zone: string, at: number = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date(at));
}

/** The day clinician's id and a 15-minute appointment type they offer. */
export async function quickCheck(api: APIRequestContext): Promise<{ practitionerId: string; typeId: string }> {
  const users = await (await api.get('/api/v1/users', { params: { role: 'practitioner', limit: 100 } })).json();
  const practitionerId = users.items.find((u: { email: string }) => u.email === DAY_CLINICIAN.email).id as string;
  // Hours every day, holidays too, so that a card can be dragged to any daytime slot.
  const weekly = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((weekday) => ({
    weekday,
    start: '08:00',
    end: '18:00',
  }));
  const hours = await api.put(`/api/v1/practitioners/${practitionerId}/availability`, {
    data: { weekly, works_public_holidays: true },
  });
  expect(hours.status(), await hours.text()).toBe(200);
  const existing: { id: string; name: string }[] = await (await api.get('/api/v1/appointment-types')).json();
  const kept = existing.find((t) => t.name === 'Quick check');
  if (kept) return { practitionerId, typeId: kept.id };
  const type = await api.post('/api/v1/appointment-types', {
    data: {
      name: 'Quick check',
      duration_minutes: 15,
      colour: '#7c3aed',
      price_cents: 4500,
      online_bookable: false,
      practitioner_ids: [practitionerId],
    },
  });
  expect(type.status(), await type.text()).toBe(201);
  return { practitionerId, typeId: (await type.json()).id as string };
}

/** Books a patient with the day clinician at a wall-clock time of the practice, working hours or not. */
export async function bookAt(
  api: APIRequestContext,
  ids: { practitionerId: string; typeId: string },
  patientId: string,
  localStart: string,
): Promise<{ id: string; version: number }> {
  const res = await api.post('/api/v1/appointments', {
    data: {
      appointment_type_id: ids.typeId,
      practitioner_id: ids.practitionerId,
      patient_id: patientId,
      local_start: localStart,
      allow_outside_availability: true,
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return res.json();
}

/** Moves an appointment through statuses, as the front desk would. */
export async function setStatus(api: APIRequestContext, id: string, ...statuses: string[]): Promise<void> {
  for (const status of statuses) {
    const patch: Record<string, unknown> = { status };
    if (status === 'cancelled') patch.cancellation_reason = 'Unwell';
    const res = await api.patch(`/api/v1/appointments/${id}`, { data: patch });
    expect(res.status(), await res.text()).toBe(200);
  }
}
