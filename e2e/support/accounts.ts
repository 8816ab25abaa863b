/** The accounts global setup creates. Each test file signs in with its own, so that one file's
 * failed attempts (which count towards a lockout) cannot affect another's. */
export const ADMIN = {
  email: 'admin@e2e.test',
  password: 'Correct-Horse-Battery-42',
  name: 'Alex Admin',
  role: 'admin',
};

/** Turns MFA on during its tests. */
export const NURSE = {
  email: 'nurse@e2e.test',
  password: 'Quiet-Lantern-Orchard-17',
  name: 'Nina Nurse',
  role: 'nurse',
};

/** For the session and small-screen tests. */
export const RECEPTIONIST = {
  email: 'reception@e2e.test',
  password: 'Maple-Harbour-Violet-63',
  name: 'Riley Reception',
  role: 'receptionist',
};

/** Registers and edits patients. */
export const PRACTITIONER = {
  email: 'practitioner@e2e.test',
  password: 'Copper-Meadow-Lighthouse-28',
  name: 'Pat Practitioner',
  role: 'practitioner',
};

/** Runs the administration screens, apart from the sign-in tests' admin. */
export const OFFICE_ADMIN = {
  email: 'office@e2e.test',
  password: 'Silver-Canyon-Whistle-91',
  name: 'Olive Office',
  role: 'admin',
};

/** Books and moves appointments on the calendar. */
export const SCHEDULER = {
  email: 'frontdesk@e2e.test',
  password: 'Amber-Lagoon-Trellis-55',
  name: 'Frankie Frontdesk',
  role: 'receptionist',
};

/** Opens the app's areas one by one, for the tests of what each screen loads. */
export const VISITOR = {
  email: 'visitor@e2e.test',
  password: 'Granite-Willow-Beacon-84',
  name: 'Vic Visitor',
  role: 'admin',
};

/** Writes to patients by SMS and answers their replies. */
export const CORRESPONDENT = {
  email: 'messages@e2e.test',
  password: 'Harbour-Sparrow-Kettle-37',
  name: 'Casey Correspondent',
  role: 'receptionist',
};

/** A clinician on the care team of the patients who write in the secure-messaging tests. */
export const MESSAGING_CLINICIAN = {
  email: 'clinician.messages@e2e.test',
  password: 'Lantern-Quarry-Pebble-52',
  name: 'Dr Cleo Messenger',
  role: 'practitioner',
};

/** Sees that patients' conversations exist, never what they say. */
export const MESSAGING_RECEPTION = {
  email: 'reception.messages@e2e.test',
  password: 'Thistle-Ferry-Cobalt-19',
  name: 'Remy Desk',
  role: 'receptionist',
};

/** Calls patients from their record, and listens to recorded calls. */
export const CALLER = {
  email: 'caller@e2e.test',
  password: 'Juniper-Harbour-Signal-46',
  name: 'Dr Cal Dialler',
  role: 'practitioner',
};

/** Leaves the app alone until it signs out for the time without activity. */
export const IDLER = {
  email: 'idler@e2e.test',
  password: 'Hazel-Drifting-Meadow-29',
  name: 'Dr Ida Stillwater',
  role: 'practitioner',
};

/** Has a day of appointments on the dashboard, and the calendar's short appointments. */
export const DAY_CLINICIAN = {
  email: 'dana.daylight@e2e.test',
  password: 'Orchard-Beacon-Timber-73',
  name: 'Dr Dana Daylight',
  role: 'practitioner',
};

/** Reception's view of the same day: arrivals to mark. */
export const DAY_RECEPTION = {
  email: 'front.day@e2e.test',
  password: 'Pebble-Lagoon-Cinder-61',
  name: 'Fern Frontday',
  role: 'receptionist',
};

/** The walk through every main screen, one account per role (the patient is made in the test). */
export const ROUNDS_ADMIN = {
  email: 'rounds.admin@e2e.test',
  password: 'Granite-Meadow-Falcon-38',
  name: 'Rory Rounds',
  role: 'admin',
};

export const ROUNDS_PRACTITIONER = {
  email: 'rounds.practitioner@e2e.test',
  password: 'Willow-Cascade-Harbor-94',
  name: 'Dr Rhea Rounds',
  role: 'practitioner',
};

export const ROUNDS_NURSE = {
  email: 'rounds.nurse@e2e.test',
  password: 'Tundra-Violet-Anchor-26',
  name: 'Nell Rounds',
  role: 'nurse',
};

export const ROUNDS_RECEPTION = {
  email: 'rounds.reception@e2e.test',
  password: 'Copper-Sparrow-Lantern-57',
  name: 'Reese Rounds',
  role: 'receptionist',
};

export const ACCOUNTS = [
  ADMIN,
  NURSE,
  RECEPTIONIST,
  PRACTITIONER,
  OFFICE_ADMIN,
  SCHEDULER,
  VISITOR,
  CORRESPONDENT,
  MESSAGING_CLINICIAN,
  MESSAGING_RECEPTION,
  CALLER,
  IDLER,
  DAY_CLINICIAN,
  DAY_RECEPTION,
  ROUNDS_ADMIN,
  ROUNDS_PRACTITIONER,
  ROUNDS_NURSE,
  ROUNDS_RECEPTION,
];

export type Account = { email: string; password: string; name: string };
