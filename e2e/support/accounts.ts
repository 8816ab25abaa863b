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

export const ACCOUNTS = [ADMIN, NURSE, RECEPTIONIST];
