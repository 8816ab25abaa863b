//! Providers' credentials entered in the app: one encrypted document of fields per provider,
//! write-only secrets, and a check against the provider.

mod handlers;
mod queries;

pub(super) use handlers::configure;
pub(super) use queries::load;
