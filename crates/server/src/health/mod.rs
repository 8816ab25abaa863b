//! Health data: the metric catalogue, observations from people and devices, charts downsampled
//! on the server, target ranges by age, sex and condition, alerts for critical readings, and
//! trends.

pub mod alerts;
pub mod devices;
pub mod export;
pub mod ingest;
pub mod routes;
pub mod series;
pub mod targets;

pub use devices::erase_patient;
pub use export::export_patient;

/// Registers the health routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    routes::configure(cfg);
    devices::configure(cfg);
}
