//! Signing in and staying signed in: passwords, MFA, sessions and refresh tokens, lockout,
//! invitations and password resets, and API keys.

pub mod api_keys;
pub mod invitations;
pub mod lockout;
pub mod mfa;

pub mod passwords;
pub mod principal;
pub mod routes;
pub mod sessions;
pub mod tokens;

pub use principal::{require, Actor, Authorized, Principal};
pub use routes::configure;
