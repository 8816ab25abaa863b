//! Who looks after a patient: listed, added and removed by those who manage care teams.
use actix_web::{delete, get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::patients::{AddCareTeamMemberRequest, CareTeamMember};
use chrono::Utc;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::patients::access::ensure_demographics;
use crate::patients::queries as patient_queries;
use crate::platform::{ApiError, ApiResult};
use crate::platform::{PatientId, UserId};
use crate::users;
use crate::AppState;

/// The practitioners and nurses who look after a patient.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<CareTeamMember>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/care-team")]
pub(super) async fn list_care_team(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<CareTeamMember>>> {
    ensure_demographics(&auth, PatientId(*id))?;
    patient_queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let rows = queries::members(&state.db, *id).await?;
    let mut members = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(u) = users::find(&state.db, &state.crypto, UserId(r.user_id)).await? {
            members.push(CareTeamMember {
                user_id: r.user_id,
                name: u.name,
                role: u.role,
                added_at: r.added_at,
            });
        }
    }
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::CareTeamRead).patient(*id))
        .await?;
    Ok(web::Json(members))
}

/// Add a practitioner or nurse to a patient's care team.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = AddCareTeamMemberRequest,
    security(("bearer" = ["care_team:manage"])),
    responses((status = 201, body = CareTeamMember), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/care-team")]
pub(super) async fn add_care_team_member(
    auth: Authorized<require::CareTeamManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AddCareTeamMemberRequest>,
) -> ApiResult<HttpResponse> {
    patient_queries::get_for_change(&state.db, &state.crypto, PatientId(*id)).await?;
    let member = users::find(&state.db, &state.crypto, UserId(body.user_id))
        .await?
        .filter(|u| u.is_active() && u.role.is_clinician())
        .ok_or_else(|| {
            ApiError::field(
                "user_id",
                "not_clinician",
                "Choose an active practitioner or nurse.",
            )
        })?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    queries::add(
        &txn,
        PatientId(*id),
        UserId(member.model.id),
        now,
        auth.user_id(),
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CareTeamAdd)
                .patient(*id)
                .resource("user", member.model.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(CareTeamMember {
        user_id: member.model.id,
        name: member.name,
        role: member.role,
        added_at: now,
    }))
}

/// Remove someone from a patient's care team. Their clinical access ends at once.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    security(("bearer" = ["care_team:manage"])),
    responses((status = 204, description = "Removed"), (status = 404, body = api_types::Problem))
)]
#[delete("/patients/{id}/care-team/{user_id}")]
pub(super) async fn remove_care_team_member(
    auth: Authorized<require::CareTeamManage>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, user_id) = path.into_inner();
    let txn = state.db.begin().await?;
    if !queries::remove(&txn, id, user_id).await? {
        return Err(ApiError::not_found());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CareTeamRemove)
                .patient(id)
                .resource("user", user_id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
