//! Prescriptions: written by practitioners for a medication on the list, and cancelled, never
//! deleted.

use actix_web::{post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::medications::{Medication, NewPrescription};
use api_types::ErrorCode;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::handlers::open_medication;
use super::queries;
use super::wire::{one, PrescriptionDetails};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::clinical::shared::trimmed;
use crate::patients::Intent;
use crate::platform::http::Body;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// Write a prescription for a medication on the list (practitioners). The medication's
/// prescriber becomes the caller.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewPrescription,
    security(("bearer" = ["medications:prescribe"])),
    responses((status = 201, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/medications/{id}/prescriptions")]
pub(super) async fn prescribe(
    auth: Authorized<require::Prescribe>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewPrescription>,
) -> ApiResult<HttpResponse> {
    let row = open_medication(&state, &auth, *id, Intent::Change).await?;
    let prescriber = auth.require_user()?;
    body.validate().map_err(ApiError::Validation)?;
    if !matches!(row.status.as_str(), "active" | "on_hold") {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This medication is no longer taken; restart it before prescribing it.",
        ));
    }
    let script_id = Uuid::now_v7();
    let details = PrescriptionDetails {
        quantity: body.quantity.trim().to_owned(),
        repeats: body.repeats,
        instructions: trimmed(&body.instructions),
    };
    let txn = state.db.begin().await?;
    queries::insert_prescription(&txn, &state.crypto, script_id, &row, prescriber, &details)
        .await?;
    let patient_id = row.patient_id;
    let saved = queries::set_prescriber(&txn, row, prescriber).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::PrescriptionCreate)
                .patient(patient_id)
                .resource("prescription", script_id)
                .detail(format!("medication={id}")),
        )
        .await?;
    Ok(HttpResponse::Created().json(one(&state, saved).await?))
}

/// Cancel a prescription (practitioners); it stays on record as cancelled.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["medications:prescribe"])),
    responses((status = 200, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[post("/prescriptions/{id}/cancel")]
pub(super) async fn cancel_prescription(
    auth: Authorized<require::Prescribe>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Medication>> {
    let script = queries::find_prescription(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let med = open_medication(&state, &auth, script.medication_id, Intent::Change).await?;
    if script.cancelled_at.is_some() {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This prescription is already cancelled.",
        ));
    }
    let txn = state.db.begin().await?;
    queries::cancel_prescription(&txn, script).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::PrescriptionCancel)
                .patient(med.patient_id)
                .resource("prescription", *id),
        )
        .await?;
    Ok(web::Json(one(&state, med).await?))
}
