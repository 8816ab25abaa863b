//! Therapy sessions: recorded by the clinician, linked to their appointment where there is one,
//! and read by clinicians only.

use actix_web::{get, post, put, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::sharing::RecordCategory;
use api_types::therapy::{TherapySession, TherapySessionInput};
use api_types::ErrorCode;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries::{self, insert_session, practice_today, readable_sessions};
use super::wire::sessions_to_wire;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::clinical::shared::check_appointment;
use crate::patients::open_record_for_change;
use crate::platform::http::Body;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The patient's therapy sessions, newest first, each with the homework set in it.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Vec<TherapySession>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/therapy-sessions")]
pub(super) async fn list_sessions(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<TherapySession>>> {
    let find = readable_sessions(&state, &auth, *id).await?;
    let rows = queries::sessions_newest_first(&state.db, find).await?;
    let items = sessions_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::TherapyList)
                .patient(*id)
                .detail(format!("{} sessions", items.len())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Record a therapy session, linked to its appointment where there is one.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = TherapySessionInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = TherapySession), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/therapy-sessions")]
pub(super) async fn create_session(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<TherapySessionInput>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Notes).await?;
    let clinician = auth.require_user()?;
    body.validate(practice_today(&state.db).await?)
        .map_err(ApiError::Validation)?;
    check_appointment(&state.db, *id, body.appointment_id).await?;
    let txn = state.db.begin().await?;
    let row = insert_session(&txn, &state.crypto, *id, clinician, &body).await?;
    let session_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::TherapyCreate)
                .patient(*id)
                .resource("therapy_session", session_id),
        )
        .await?;
    let out = sessions_to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// Change a session record (the clinician who wrote it).
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = TherapySessionInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = TherapySession), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/therapy-sessions/{id}")]
pub(super) async fn update_session(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<TherapySessionInput>,
) -> ApiResult<web::Json<TherapySession>> {
    let row = queries::find_session(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record_for_change(
        &state,
        &auth,
        PatientId(row.patient_id),
        RecordCategory::Notes,
    )
    .await?;
    if auth.user_id() != Some(row.clinician_id) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only the clinician who recorded a session can change it.",
        ));
    }
    body.validate(practice_today(&state.db).await?)
        .map_err(ApiError::Validation)?;
    check_appointment(&state.db, row.patient_id, body.appointment_id).await?;
    let patient_id = row.patient_id;
    let txn = state.db.begin().await?;
    let saved = queries::update_session(&txn, &state.crypto, row, &body).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::TherapyUpdate)
                .patient(patient_id)
                .resource("therapy_session", *id),
        )
        .await?;
    let out = sessions_to_wire(&state.db, &state.crypto, vec![saved])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}
