//! Outside services the practice connects, and everything shared in talking to them: the
//! providers' credentials (entered by an administrator under Settings → Integrations and stored
//! encrypted, or set in the server's configuration, which takes precedence) with a check that
//! they work; the clients built from them; OAuth consent bound to the browser that asked; the
//! people's connections (a practitioner's Google Calendar, a patient's Withings account) with
//! their encrypted tokens; and the shared job queue that does the background work.
//!
//! Other domains say what changed (an appointment moved, a record was erased) through the
//! functions below, in their own transactions; the work with the provider happens in jobs.

mod clients;
mod credentials;
mod google;
mod jobs;
mod oauth;
mod withings;

pub use clients::{
    google_client, mailgun_inbound, transcription_client, twilio_client, withings_client, Clients,
};
pub use google::{
    appointments_changed, end_for as end_google_calendar_of, Changed as AppointmentChanged,
};
pub use jobs::{run_due, run_periodic, run_worker, JobPass, Outcome as JobOutcome};

/// A recorded call has ended: its recording is fetched and kept by a job, in the caller's
/// transaction.
pub async fn call_recorded(
    db: &impl sea_orm::ConnectionTrait,
    correspondence_id: uuid::Uuid,
) -> crate::platform::ApiResult<()> {
    jobs::enqueue(
        db,
        api_types::integrations::JobKind::CallRecording,
        &[correspondence_id],
        "recorded",
    )
    .await
}
pub use withings::{
    destroy_patient as destroy_device_connections, erase_patient as end_device_connections,
    export_patient as export_device_connections,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    credentials::configure(cfg);
    jobs::configure(cfg);
    google::configure(cfg);
    withings::configure(cfg);
}

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text(
        "device_connections",
        "access_token_enc",
        "device_connections.access_token",
    ),
    crate::platform::rotation::Sealed::text(
        "device_connections",
        "refresh_token_enc",
        "device_connections.refresh_token",
    ),
    crate::platform::rotation::Sealed::text(
        "calendar_connections",
        "access_token_enc",
        "calendar_connections.access_token",
    ),
    crate::platform::rotation::Sealed::text(
        "calendar_connections",
        "refresh_token_enc",
        "calendar_connections.refresh_token",
    ),
    crate::platform::rotation::Sealed {
        table: "integration_credentials",
        column: "data_enc",
        aad: "integration_credentials.data",
        keys: &[crate::platform::rotation::Key::Text("provider")],
        bytes: false,
    },
];
