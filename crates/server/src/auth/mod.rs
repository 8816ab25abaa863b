//! Signing in and staying signed in: passwords, MFA, sessions and refresh tokens, lockout,
//! invitations and password resets, and API keys. Other domains use what this file re-exports.

mod api_keys;
mod handlers;
mod invitations;
mod lockout;
mod mfa;
mod passwords;
mod principal;
mod retention;
mod sessions;
mod tokens;

pub use api_keys::{configure as configure_api_keys, revoke_made_by as revoke_api_keys_made_by};
pub use handlers::configure;
pub use invitations::{
    approve as approve_invitation, create as invite, end_password_resets, list as list_invitations,
    pending_for_patient as pending_invitation_for_patient, revoke as revoke_invitation,
    to_wire as invitation_to_wire, withdraw_for_patient as withdraw_invitations_for_patient,
    withdraw_sent_by as withdraw_invitations_sent_by, NewInvitation,
};
pub use mfa::{forget_recovery_codes, totp};
pub use passwords::{
    check_policy as check_password_policy, hash_blocking as hash_password, Passwords,
};
pub use principal::{authenticate, require, Actor, Authorized, Principal};
pub use retention::destroy_patient;
pub use sessions::{follow_revocations, revoke_all as revoke_sessions};
pub use sessions::{is_active as session_is_active, revocations};
pub use tokens::{Claims, JwtKeys, TokenType};

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text("invitations", "email_enc", "invitations.email"),
    crate::platform::rotation::Sealed::text("invitations", "name_enc", "invitations.name"),
];
