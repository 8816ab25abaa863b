//! Running the service: liveness, readiness and metrics for load balancers and monitoring, and
//! backups an operator takes and restores, and re-encryption under a new key.

mod backup;
mod keys;
mod probes;

pub use backup::{backup, restore, BackupSummary, RestoreSummary};
pub use keys::{rotate as rotate_keys, sealed_columns, Rotated};
pub use probes::configure;
