//! The queue's table: adding work (in the caller's transaction), claiming due jobs under a
//! lease, recording outcomes, and what administrators list.

use api_types::integrations::{JobCounts, JobKind, JobStatus};
use chrono::{DateTime, Duration, Utc};
use entity::integrations::job;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::platform::ApiResult;

/// How long a claimed job is reserved for the server that claimed it. A server that stops
/// mid-job leaves it to be taken over once the lease lapses.
pub const LEASE: Duration = Duration::minutes(10);
/// Attempts before a job is given up.
pub const MAX_ATTEMPTS: i32 = 12;
/// Finished jobs are kept this long for administrators to see.
const KEEP_DONE: Duration = Duration::days(7);
const KEEP_FAILED: Duration = Duration::days(30);

const QUEUED: JobStatus = JobStatus::Queued;
const RUNNING: JobStatus = JobStatus::Running;
const DONE: JobStatus = JobStatus::Done;
const FAILED: JobStatus = JobStatus::Failed;

fn col(c: job::Column) -> Expr {
    Expr::col((job::Entity, c))
}

/// The partial unique index's condition, written out as the index has it (not as bound
/// parameters), so that the database can match an `ON CONFLICT` target to the index.
fn pending() -> Expr {
    Expr::cust("status IN ('queued', 'running')")
}

fn new_rows(
    kind: JobKind,
    subjects: &[Uuid],
    reason: &str,
    now: DateTime<Utc>,
) -> Vec<job::ActiveModel> {
    let mut subjects = subjects.to_vec();
    subjects.sort_unstable();
    subjects.dedup();
    subjects
        .into_iter()
        .map(|subject| job::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(kind.as_str().to_owned()),
            subject: Set(subject),
            reason: Set(Some(reason.to_owned())),
            status: Set(QUEUED),
            attempts: Set(0),
            run_at: Set(now),
            locked_until: Set(None),
            claim: Set(None),
            rerun: Set(false),
            last_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            finished_at: Set(None),
        })
        .collect()
}

/// Asks for `kind` to run for each subject now, in the caller's transaction; `reason` says
/// what asked, in a word (never anything about a patient). A job already waiting is brought
/// forward (and its failed attempts forgotten: this is new work); one already running runs
/// again when it finishes.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    kind: JobKind,
    subjects: &[Uuid],
    reason: &str,
) -> ApiResult<()> {
    let now = Utc::now();
    for chunk in subjects.chunks(200) {
        let rows = new_rows(kind, chunk, reason, now);
        if rows.is_empty() {
            continue;
        }
        let queued = || col(job::Column::Status).eq(QUEUED);
        job::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([job::Column::Kind, job::Column::Subject])
                    .target_and_where(pending())
                    .value(
                        job::Column::Rerun,
                        Expr::case(col(job::Column::Status).eq(RUNNING), true)
                            .finally(col(job::Column::Rerun)),
                    )
                    .value(
                        job::Column::Attempts,
                        Expr::case(queued(), 0).finally(col(job::Column::Attempts)),
                    )
                    .value(
                        job::Column::RunAt,
                        Expr::case(queued(), Expr::value(now)).finally(col(job::Column::RunAt)),
                    )
                    .value(job::Column::Reason, Expr::value(reason))
                    .value(job::Column::UpdatedAt, Expr::value(now))
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Queues `kind` for each subject that has no job waiting or running; leaves the others as
/// they are (for periodic work, which must not undo a failing job's backoff).
pub async fn ensure_queued(
    db: &impl ConnectionTrait,
    kind: JobKind,
    subjects: &[Uuid],
    reason: &str,
) -> ApiResult<()> {
    let now = Utc::now();
    for chunk in subjects.chunks(200) {
        let rows = new_rows(kind, chunk, reason, now);
        if rows.is_empty() {
            continue;
        }
        job::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([job::Column::Kind, job::Column::Subject])
                    .target_and_where(pending())
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Claims up to `limit` due jobs for this server: waiting ones whose time has come, and running
/// ones whose lease lapsed. On PostgreSQL the rows are locked with `SKIP LOCKED`, so servers
/// claiming at the same moment take different jobs.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> ApiResult<Vec<job::Model>> {
    let txn = db.begin().await?;
    let mut select = job::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(job::Column::Status.eq(QUEUED))
                        .add(job::Column::RunAt.lte(now)),
                )
                .add(
                    Condition::all()
                        .add(job::Column::Status.eq(RUNNING))
                        .add(job::Column::LockedUntil.lt(now)),
                ),
        )
        .order_by_asc(job::Column::RunAt)
        .limit(limit);
    if txn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let due = select.all(&txn).await?;
    if due.is_empty() {
        return Ok(due);
    }
    let claim = Uuid::now_v7();
    let until = now + LEASE;
    let ids: Vec<Uuid> = due.iter().map(|j| j.id).collect();
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(RUNNING))
        .col_expr(job::Column::Claim, Expr::value(claim))
        .col_expr(job::Column::LockedUntil, Expr::value(until))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(1),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(due
        .into_iter()
        .map(|j| job::Model {
            status: RUNNING,
            claim: Some(claim),
            locked_until: Some(until),
            attempts: j.attempts + 1,
            updated_at: now,
            ..j
        })
        .collect())
}

/// How a job's attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Finished.
    Done,
    /// Failed for now: try again after a while (given up after [`MAX_ATTEMPTS`]).
    Retry(String),
    /// Cannot succeed (until a person acts): stop trying.
    GiveUp(String),
    /// Not attempted (the provider is not set up): look again after a while, without counting
    /// an attempt.
    Wait(Duration, String),
}

/// The wait before attempt `attempts + 1`: 30 s doubling, at most two hours.
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds(30 * 2i64.pow(attempts.clamp(0, 11) as u32)).min(Duration::hours(2))
}

/// Records how the claimed `job` ended. A job changed while it ran (`rerun`) is queued again
/// at once, whatever this attempt's outcome. Only the claim's holder records anything.
pub async fn finish(
    db: &impl ConnectionTrait,
    job: &job::Model,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> ApiResult<JobStatus> {
    let (status, run_at, attempts, error): (JobStatus, DateTime<Utc>, Expr, Option<String>) =
        match outcome {
            Outcome::Done => (JobStatus::Done, now, col(job::Column::Attempts), None),
            Outcome::Retry(e) if job.attempts >= MAX_ATTEMPTS => (
                JobStatus::Failed,
                now,
                col(job::Column::Attempts),
                Some(e.clone()),
            ),
            Outcome::Retry(e) => (
                JobStatus::Queued,
                now + backoff(job.attempts),
                col(job::Column::Attempts),
                Some(e.clone()),
            ),
            Outcome::GiveUp(e) => (
                JobStatus::Failed,
                now,
                col(job::Column::Attempts),
                Some(e.clone()),
            ),
            Outcome::Wait(d, why) => (
                JobStatus::Queued,
                now + *d,
                col(job::Column::Attempts).sub(1),
                Some(why.clone()),
            ),
        };
    let again = || col(job::Column::Rerun).eq(true);
    let finished = matches!(status, JobStatus::Done | JobStatus::Failed);
    let updated = job::Entity::update_many()
        .col_expr(
            job::Column::Status,
            Expr::case(again(), QUEUED).finally(status.as_str()).into(),
        )
        .col_expr(
            job::Column::RunAt,
            Expr::case(again(), Expr::value(now))
                .finally(Expr::value(run_at))
                .into(),
        )
        .col_expr(
            job::Column::Attempts,
            Expr::case(again(), 0).finally(attempts).into(),
        )
        .col_expr(
            job::Column::FinishedAt,
            Expr::case(again(), Expr::value(Option::<DateTime<Utc>>::None))
                .finally(Expr::value(finished.then_some(now)))
                .into(),
        )
        .col_expr(
            job::Column::LastError,
            Expr::value(error.map(|e| e.chars().take(500).collect::<String>())),
        )
        .col_expr(job::Column::Rerun, Expr::value(false))
        .col_expr(job::Column::Claim, Expr::value(Option::<Uuid>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::Claim.eq(job.claim))
        .exec_with_returning(db)
        .await?;
    // Queued again if it changed meanwhile; unchanged if another server holds the claim now.
    Ok(match updated.first() {
        Some(row) => row.status,
        None => JobStatus::Running,
    })
}

/// Forgets finished jobs once they have been kept long enough.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<u64> {
    let done = job::Entity::delete_many()
        .filter(job::Column::Status.eq(DONE))
        .filter(job::Column::FinishedAt.lt(now - KEEP_DONE))
        .exec(db)
        .await?;
    let failed = job::Entity::delete_many()
        .filter(job::Column::Status.eq(FAILED))
        .filter(job::Column::FinishedAt.lt(now - KEEP_FAILED))
        .exec(db)
        .await?;
    Ok(done.rows_affected + failed.rows_affected)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<job::Model>> {
    Ok(job::Entity::find_by_id(id).one(db).await?)
}

/// The job waiting or running for `kind` and `subject`, if any.
pub async fn pending_for(
    db: &impl ConnectionTrait,
    kind: JobKind,
    subject: Uuid,
) -> ApiResult<Option<job::Model>> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind.as_str()))
        .filter(job::Column::Subject.eq(subject))
        .filter(job::Column::Status.is_in([QUEUED, RUNNING]))
        .one(db)
        .await?)
}

/// How many jobs of `kind` wait or run for the subjects `subjects` selects.
pub async fn count_pending(
    db: &impl ConnectionTrait,
    kind: JobKind,
    subjects: SelectStatement,
) -> ApiResult<u64> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind.as_str()))
        .filter(job::Column::Status.is_in([QUEUED, RUNNING]))
        .filter(job::Column::Subject.in_subquery(subjects))
        .count(db)
        .await?)
}

/// Jobs, most recently changed first.
pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<JobStatus>,
    kind: Option<JobKind>,
    limit: u64,
    offset: u64,
) -> ApiResult<(Vec<job::Model>, u64)> {
    let mut q = job::Entity::find();
    if let Some(s) = status {
        q = q.filter(job::Column::Status.eq(s));
    }
    if let Some(k) = kind {
        q = q.filter(job::Column::Kind.eq(k.as_str()));
    }
    let (total, rows) = crate::platform::db::counted_page(
        db,
        q,
        |s| {
            s.order_by_desc(job::Column::UpdatedAt)
                .order_by_desc(job::Column::Id)
        },
        limit,
        offset,
    )
    .await?;
    Ok((rows, total))
}

pub async fn counts(db: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<JobCounts> {
    let count = |status: JobStatus| {
        job::Entity::find()
            .filter(job::Column::Status.eq(status))
            .count(db)
    };
    Ok(JobCounts {
        queued: count(QUEUED).await?,
        running: count(RUNNING).await?,
        failed: count(FAILED).await?,
        done_last_day: job::Entity::find()
            .filter(job::Column::Status.eq(DONE))
            .filter(job::Column::FinishedAt.gte(now - Duration::days(1)))
            .count(db)
            .await?,
    })
}
