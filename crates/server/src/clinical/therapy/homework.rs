//! Homework: set by the clinician with a due date, marked done by the patient with a
//! reflection, and listed across the clinician's patients once overdue.

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::sharing::RecordCategory;
use api_types::therapy::HomeworkStatus;
use api_types::therapy::{CompleteHomework, Homework, HomeworkQuery, NewHomework};
use api_types::{ErrorCode, Page, PageQuery};
use entity::clinical::homework_task;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries::{self, insert_homework, practice_today, readable_homework};
use super::wire::homework_to_wire;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::clinical::shared::trimmed;
use crate::patients::{open_record_for, open_record_for_change, Intent};
use crate::platform::http::{page_bounds, Body, Query};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The patient's homework: what is still to do first (soonest due), then what is done.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), HomeworkQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<Homework>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/homework")]
pub(super) async fn list_homework(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<HomeworkQuery>,
) -> ApiResult<web::Json<Vec<Homework>>> {
    let find = readable_homework(&state, &auth, *id).await?;
    let rows = queries::list_homework(&state.db, find, query.status).await?;
    let items = homework_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::HomeworkList)
                .patient(*id)
                .detail(format!("{} tasks", items.len())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Set homework for the patient, with a due date, optionally from a session.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewHomework,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = Homework), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/homework")]
pub(super) async fn assign_homework(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewHomework>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Notes).await?;
    let by = auth.require_user()?;
    body.validate(practice_today(&state.db).await?)
        .map_err(ApiError::Validation)?;
    if let Some(s) = body.session_id {
        let found = queries::find_patients_session(&state.db, s, *id).await?;
        if found.is_none() {
            return Err(ApiError::field(
                "session_id",
                "unknown",
                "Choose one of this patient's sessions.",
            ));
        }
    }
    let txn = state.db.begin().await?;
    let row = insert_homework(&txn, &state.crypto, *id, by, &body).await?;
    let task_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::HomeworkAssign)
                .patient(*id)
                .resource("homework", task_id),
        )
        .await?;
    let out = homework_to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// Mark homework done, with a reflection: the patient in the portal (or staff on their word).
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = CompleteHomework,
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Homework), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/homework/{id}/complete")]
pub(super) async fn complete_homework(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<CompleteHomework>,
) -> ApiResult<web::Json<Homework>> {
    let row = open_task(&state, &auth, *id, Intent::Change).await?;
    body.validate().map_err(ApiError::Validation)?;
    if row.status == HomeworkStatus::Done {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This homework is already marked done.",
        ));
    }
    let patient_id = row.patient_id;
    let reflection = trimmed(&body.reflection);
    let txn = state.db.begin().await?;
    let saved = queries::complete(&txn, &state.crypto, row, reflection.as_deref()).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::HomeworkComplete)
                .patient(patient_id)
                .resource("homework", *id),
        )
        .await?;
    let out = homework_to_wire(&state.db, &state.crypto, vec![saved])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}

/// A homework task the caller may reach, with its patient's record opened for `intent`.
async fn open_task(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    intent: Intent,
) -> ApiResult<homework_task::Model> {
    let row = queries::find_task(&state.db, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record_for(
        state,
        principal,
        PatientId(row.patient_id),
        RecordCategory::Notes,
        intent,
    )
    .await?;
    Ok(row)
}

/// Homework past its due date and not done, for the patients whose notes the caller sees,
/// most overdue first.
#[utoipa::path(
    tag = "clinical",
    params(PageQuery),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Page<Homework>))
)]
#[get("/homework/overdue")]
pub(super) async fn overdue_homework(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<web::Json<Page<Homework>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let today = practice_today(&state.db).await?;
    let (total, rows) = queries::overdue_page(&state.db, &auth, today, limit, offset).await?;
    let patient_ids: std::collections::BTreeSet<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    let items = homework_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::HomeworkOverdueList).patients(&patient_ids))
        .await?;
    Ok(web::Json(Page {
        items,
        total,
        total_capped: false,
        limit,
        offset,
    }))
}
