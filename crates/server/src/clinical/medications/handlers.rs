//! The medication list: what the patient takes, added and changed by the care team.

use actix_web::{get, post, put, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::medications::{Medication, MedicationInput, MedicationQuery};
use api_types::sharing::RecordCategory;
use entity::clinical::medication;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries::{self, insert, readable};
use super::wire::{one, to_wire};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::{open_record_for, open_record_for_change, Intent};
use crate::platform::http::{Body, Query};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// A medication the caller may reach, with its patient's record opened for `intent`.
pub(super) async fn open_medication(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    intent: Intent,
) -> ApiResult<medication::Model> {
    let row = queries::find(&state.db, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record_for(
        state,
        principal,
        PatientId(row.patient_id),
        RecordCategory::Medications,
        intent,
    )
    .await?;
    Ok(row)
}

/// The patient's medications: current ones first, with prescriptions and 30-day adherence.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), MedicationQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<Medication>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/medications")]
pub(super) async fn list_medications(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<MedicationQuery>,
) -> ApiResult<web::Json<Vec<Medication>>> {
    let find = readable(&state, &auth, *id).await?;
    let rows = queries::list(&state.db, find, query.include_past.unwrap_or(false)).await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::MedicationList)
                .patient(*id)
                .detail(format!("{} medications", items.len())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Add a medication to the patient's list.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = MedicationInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/medications")]
pub(super) async fn create_medication(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<MedicationInput>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Medications).await?;
    body.validate().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    let row = insert(&txn, &state.crypto, *id, &body, auth.user_id()).await?;
    let med_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::MedicationCreate)
                .patient(*id)
                .resource("medication", med_id),
        )
        .await?;
    Ok(HttpResponse::Created().json(one(&state, row).await?))
}

/// Change a medication: its dose, schedule, dates or status (stop it, put it on hold).
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = MedicationInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/medications/{id}")]
pub(super) async fn update_medication(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<MedicationInput>,
) -> ApiResult<web::Json<Medication>> {
    let row = open_medication(&state, &auth, *id, Intent::Change).await?;
    body.validate().map_err(ApiError::Validation)?;
    let patient_id = row.patient_id;
    let txn = state.db.begin().await?;
    let saved = queries::update(&txn, &state.crypto, row, &body).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::MedicationUpdate)
                .patient(patient_id)
                .resource("medication", *id)
                .detail(format!("status={}", body.status.as_str())),
        )
        .await?;
    Ok(web::Json(one(&state, saved).await?))
}
