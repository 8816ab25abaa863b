//! Health data: the metric catalogue, observations from people and devices, charts downsampled
//! on the server, target ranges by age, sex and condition, alerts for critical readings, and
//! trends.

mod alerts;
mod export;
mod handlers;
mod ingest;
mod retention;
mod series;
mod targets;

pub use export::export_patient;
pub(crate) use handlers::ranges_for as ranges_for_record;
pub(crate) use ingest::{check as check_readings, store as store_readings};
pub use retention::destroy_patient;
pub(crate) use targets::{
    conditions as target_conditions, effective as target_ranges, Profile as TargetProfile,
};

/// Registers the health routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    handlers::configure(cfg);
}

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text("health_alerts", "note_enc", "health_alerts.note"),
    crate::platform::rotation::Sealed {
        table: "target_overrides",
        column: "note_enc",
        aad: "target_overrides.note",
        keys: &[
            crate::platform::rotation::Key::Uuid("patient_id"),
            crate::platform::rotation::Key::SmallInt("metric"),
        ],
        bytes: false,
    },
];
