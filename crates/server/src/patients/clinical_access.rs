//! Whether a caller may open a patient's clinical record, and breaking the glass in an emergency.

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::{AuditAction, AuditOutcome};
use api_types::patients::{BreakGlassRequest, ClinicalAccess};
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::access::{self, ensure_demographics};
use super::queries;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::{ApiError, ApiResult};
use crate::platform::{PatientId, UserId};
use crate::AppState;

/// Whether the caller may see this patient's clinical record, and on what basis.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = ClinicalAccess), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/clinical-access")]
pub(super) async fn get_clinical_access(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ClinicalAccess>> {
    ensure_demographics(&auth, PatientId(*id))?;
    queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let access = access::clinical_access(&state.db, &auth, PatientId(*id)).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ClinicalAccessRead)
                .patient(*id)
                .detail(format!("allowed={}", access.allowed)),
        )
        .await?;
    Ok(web::Json(access))
}

/// Break the glass: emergency access to a patient's clinical record for an hour, with a reason.
/// The access is audited and flagged for review.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = BreakGlassRequest,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = ClinicalAccess), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/break-glass")]
pub(super) async fn break_glass(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<BreakGlassRequest>,
) -> ApiResult<HttpResponse> {
    let user_id = auth.require_user()?;
    let reason = body.reason.trim();
    if reason.chars().count() < 10 {
        return Err(ApiError::field(
            "reason",
            "too_short",
            "Say why access is needed (at least 10 characters).",
        ));
    }
    if let Err((code, msg)) = api_types::validation::text(reason, 1000) {
        return Err(ApiError::field("reason", code, msg));
    }
    queries::get_for_change(&state.db, &state.crypto, PatientId(*id)).await?;
    let grant_id = Uuid::now_v7();
    let expires_at = access::break_glass_expiry();
    let txn = state.db.begin().await?;
    access::grant_break_glass(
        &txn,
        &state.crypto,
        grant_id,
        PatientId(*id),
        UserId(user_id),
        expires_at,
        reason,
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ClinicalBreakGlass)
                .patient(*id)
                .resource("break_glass_grant", grant_id)
                .outcome(AuditOutcome::Success)
                .detail("flagged_for_review"),
        )
        .await?;
    Ok(HttpResponse::Created()
        .json(access::clinical_access(&state.db, &auth, PatientId(*id)).await?))
}
