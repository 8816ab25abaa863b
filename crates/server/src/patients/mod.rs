//! Patients: demographics (stored as one encrypted document per patient), search through blind
//! indexes, archive and restore, the care team, who may see clinical content, consents,
//! who has seen the record, export, and requests to correct or erase it.

pub mod access;
pub mod consents;
pub mod export;
pub mod grants;
pub mod queries;
pub mod requests;
pub mod routes;
pub mod search;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    routes::configure(cfg);
    consents::configure(cfg);
    grants::configure(cfg);
    requests::configure(cfg);
}
