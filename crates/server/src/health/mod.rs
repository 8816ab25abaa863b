//! Health data: the metric catalogue, observations from people and devices, charts downsampled
//! on the server, target ranges by age, sex and condition, alerts for critical readings, and
//! trends.

mod alerts;
mod export;
mod handlers;
mod ingest;
mod series;
mod targets;

pub use export::export_patient;
pub(crate) use handlers::ranges_for as ranges_for_record;
pub(crate) use ingest::{check as check_readings, store as store_readings};
pub(crate) use targets::{
    conditions as target_conditions, effective as target_ranges, Profile as TargetProfile,
};

/// Registers the health routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    handlers::configure(cfg);
}
