//! Background jobs as administrators see them: what waits, runs, finished or failed, and a
//! retry for a failed one.

use actix_web::{get, post, web};
use api_types::audit::AuditAction;
use api_types::integrations::{Job, JobCounts, JobKind, JobQuery, JobStatus};
use api_types::Page;
use chrono::Utc;
use entity::integrations::job;
use sea_orm::TransactionTrait;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::queue;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::{page_bounds, Query};
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_jobs)
        .service(job_counts)
        .service(retry_job);
}

fn to_wire(m: job::Model) -> Option<Job> {
    Some(Job {
        id: m.id,
        kind: JobKind::parse(&m.kind)?,
        subject_id: m.subject,
        reason: m.reason,
        status: m.status,
        attempts: m.attempts,
        run_at: m.run_at,
        last_error: m.last_error,
        created_at: m.created_at,
        updated_at: m.updated_at,
        finished_at: m.finished_at,
    })
}

/// Background jobs with outside services, most recently changed first.
#[utoipa::path(
    tag = "integrations",
    params(JobQuery),
    security(("bearer" = ["settings:manage"])),
    responses((status = 200, body = Page<Job>))
)]
#[get("/jobs")]
async fn list_jobs(
    _auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    query: Query<JobQuery>,
) -> ApiResult<web::Json<Page<Job>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (rows, total) = queue::list(&state.db, query.status, query.kind, limit, offset).await?;
    Ok(web::Json(Page::new(
        rows.into_iter().filter_map(to_wire).collect(),
        total,
        limit,
        offset,
    )))
}

/// How many jobs wait, run and failed, and how many finished in the last day.
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = ["settings:manage"])),
    responses((status = 200, body = JobCounts))
)]
#[get("/jobs/counts")]
async fn job_counts(
    _auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<JobCounts>> {
    Ok(web::Json(queue::counts(&state.db, Utc::now()).await?))
}

/// Run a failed job again, now. Answers with the job that will run (a new one, unless the same
/// work is already waiting).
#[utoipa::path(
    tag = "integrations",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["settings:manage"])),
    responses(
        (status = 200, body = Job),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "The job has not failed", body = api_types::Problem)
    )
)]
#[post("/jobs/{id}/retry")]
async fn retry_job(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Job>> {
    let failed = queue::find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let kind = JobKind::parse(&failed.kind).ok_or_else(ApiError::not_found)?;
    if failed.status != JobStatus::Failed {
        return Err(ApiError::conflict("Only a failed job can be retried."));
    }
    let txn = state.db.begin().await?;
    queue::enqueue(&txn, kind, &[failed.subject], "retried").await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::JobRetry)
                .resource("job", *id)
                .detail(format!("kind={}", kind.as_str())),
        )
        .await?;
    let pending = queue::pending_for(&state.db, kind, failed.subject)
        .await?
        .and_then(to_wire)
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(pending))
}
