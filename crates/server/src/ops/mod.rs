//! Running the service: liveness, readiness and metrics for load balancers and monitoring, and
//! backups an operator takes and restores.

mod backup;
mod probes;

pub use backup::{backup, restore, BackupSummary, RestoreSummary};
pub use probes::configure;
