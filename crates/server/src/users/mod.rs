//! Accounts: staff and patients. Emails and names are encrypted; the email's blind index finds
//! an account at sign-in.

mod deactivate;
mod export;
mod handlers;
mod queries;

pub use deactivate::{
    deactivate, destroy_patient, end_credentials, erase_patient, forget_credentials,
};
pub use export::export_patient;
pub use handlers::configure;
pub use queries::{
    accounts_of_patient, active_admins, bookable, change_credentials, claim_totp_step, create,
    email_bidx, encrypt_mfa_secret, ensure_email_free, find, find_by_email, find_by_patient,
    find_model, get, is_bookable, names, patient_links, phone_of, remember_phone, CredentialChange,
    NewUser, UserRecord,
};

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text("users", "email_enc", "users.email"),
    crate::platform::rotation::Sealed::text("users", "name_enc", "users.name"),
    crate::platform::rotation::Sealed::text("users", "mfa_secret_enc", "users.mfa_secret"),
    crate::platform::rotation::Sealed::text("users", "mfa_pending_secret_enc", "users.mfa_pending"),
    crate::platform::rotation::Sealed::text("users", "phone_enc", "users.phone"),
];
