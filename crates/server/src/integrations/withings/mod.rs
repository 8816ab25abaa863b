//! Connected devices: a patient links their Withings account (OAuth2 authorization code), the
//! tokens are stored encrypted and refreshed before they expire, and readings are synced on
//! connection (a 90-day backfill), when Withings notifies us, every six hours, and on request.
//! Syncs other than on request run as jobs on the shared queue.

mod connection;
mod handlers;
mod sync;

pub use connection::{destroy_patient, erase_patient, export_patient, run_remove_job};
pub use handlers::configure;
pub use sync::{run_sync_job, schedule_syncs};
