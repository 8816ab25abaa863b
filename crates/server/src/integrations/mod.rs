//! Outside services the practice connects: their credentials — entered by an administrator under
//! Settings → Integrations and stored encrypted, or set in the server's configuration, which
//! takes precedence — a check that they work with a call that changes nothing, and the clients
//! built from them for the domains that talk to each service.

mod clients;
mod credentials;
mod handlers;
pub mod jobs;

pub use clients::{google, withings, Clients};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    handlers::configure(cfg);
    jobs::configure(cfg);
}
