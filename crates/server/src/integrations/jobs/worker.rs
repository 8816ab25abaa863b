//! Running the queue: every server runs this loop; claims keep two servers off the same job.

use std::time::Duration as StdDuration;

use api_types::integrations::{JobKind, JobStatus};
use chrono::{DateTime, Duration, Utc};

use super::queue::{self, Outcome};
use crate::integrations::{google, withings};
use crate::platform::ApiResult;
use crate::AppState;

/// Jobs claimed per pass.
const BATCH: u64 = 20;
/// How often periodic work is queued and old jobs forgotten.
const PERIODIC: Duration = Duration::minutes(5);

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JobPass {
    pub done: u32,
    pub retrying: u32,
    pub failed: u32,
    /// Not attempted: their provider is not set up.
    pub waiting: u32,
}

impl JobPass {
    pub fn handled(&self) -> u32 {
        self.done + self.retrying + self.failed + self.waiting
    }
}

async fn run(
    state: &AppState,
    kind: JobKind,
    subject: uuid::Uuid,
    reason: Option<&str>,
) -> Outcome {
    match kind {
        JobKind::GoogleCalendarEvent => google::run_event_job(state, subject).await,
        JobKind::GoogleCalendarRemove => google::run_remove_job(state, subject).await,
        JobKind::WithingsSync => withings::run_sync_job(state, subject, reason).await,
        JobKind::WithingsRemove => withings::run_remove_job(state, subject).await,
        JobKind::CallRecording => crate::comms::keep_call(state, subject).await,
    }
}

/// Claims the jobs due at `now` (up to one batch) and runs them one after another.
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> ApiResult<JobPass> {
    let mut pass = JobPass::default();
    for job in queue::claim(&state.db, now, BATCH).await? {
        let outcome = match JobKind::parse(&job.kind) {
            Some(kind) => run(state, kind, job.subject, job.reason.as_deref()).await,
            None => Outcome::GiveUp(format!("no such kind of job: {}", job.kind)),
        };
        if let Outcome::Retry(e) | Outcome::GiveUp(e) = &outcome {
            tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts, error = %e, "job failed");
        }
        match queue::finish(&state.db, &job, &outcome, Utc::now()).await? {
            _ if matches!(outcome, Outcome::Wait(..)) => pass.waiting += 1,
            JobStatus::Done => pass.done += 1,
            JobStatus::Failed => pass.failed += 1,
            JobStatus::Queued | JobStatus::Running => pass.retrying += 1,
        }
    }
    Ok(pass)
}

/// Queues work that recurs (each connected patient's Withings readings) and forgets old jobs.
pub async fn run_periodic(state: &AppState, now: DateTime<Utc>) -> ApiResult<()> {
    withings::schedule_syncs(state, now).await?;
    queue::prune(&state.db, now).await?;
    Ok(())
}

/// Runs the queue until the process stops.
pub async fn run_worker(state: AppState) {
    let mut periodic_at: Option<DateTime<Utc>> = None;
    loop {
        let now = Utc::now();
        if periodic_at.is_none_or(|at| now - at >= PERIODIC) {
            if let Err(e) = run_periodic(&state, now).await {
                tracing::warn!(error = %e, "queueing periodic jobs failed");
            }
            periodic_at = Some(now);
        }
        match run_due(&state, now).await {
            Ok(pass) if pass.handled() == 0 => {
                tokio::time::sleep(StdDuration::from_secs(2)).await;
            }
            Ok(pass) => tracing::info!(
                done = pass.done,
                retrying = pass.retrying,
                failed = pass.failed,
                waiting = pass.waiting,
                "jobs"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "running jobs failed");
                tokio::time::sleep(StdDuration::from_secs(10)).await;
            }
        }
    }
}
