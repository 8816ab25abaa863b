//! Patients: demographics (stored as one encrypted document per patient), search through blind
//! indexes, archive and restore, the care team, who may see clinical content, consents,
//! who has seen the record, and its part of an export and of an erasure.

pub mod access;
mod care_team;
pub mod consents;
mod erase;
pub mod export;
pub mod grants;
pub mod queries;
pub mod routes;
pub mod search;

pub use care_team::{email_care_team, NOTICE_WINDOW_MINUTES};
pub use erase::erase_patient;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    routes::configure(cfg);
    consents::configure(cfg);
    grants::configure(cfg);
}
