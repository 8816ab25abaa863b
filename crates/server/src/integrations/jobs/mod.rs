//! The shared job queue for work with outside services. Any server may run it: due jobs are
//! claimed under a lease (with `SKIP LOCKED` on PostgreSQL), retried with backoff, given up
//! after repeated failures, and listed for administrators, who may retry a failed one. The
//! providers' modules add work with [`enqueue`] in the transaction of the change that causes it
//! (other domains say what changed through the integrations domain's functions); one job per kind
//! and subject waits at a time, so a burst of changes to one appointment is one sync.

mod handlers;
mod queue;
mod worker;

pub use queue::{count_pending, enqueue, ensure_queued, Outcome};
pub use worker::{run_due, run_periodic, run_worker, JobPass};

pub(super) use handlers::configure;
