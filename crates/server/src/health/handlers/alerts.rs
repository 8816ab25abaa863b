//! Alerts for critical readings: listed for those who may see them, and acknowledged.

use actix_web::{get, post, web};
use api_types::audit::AuditAction;
use api_types::health::{AcknowledgeAlert, Alert, AlertQuery};
use api_types::sharing::RecordCategory;
use api_types::Page;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::health::alerts;
use crate::patients;
use crate::platform::http::Query;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// Alerts for critical readings, newest first: open ones by default. Clinicians see those of
/// patients whose care team they are on (or whose record they opened by breaking the glass);
/// admins and integrations see all.
#[utoipa::path(
    tag = "health",
    params(AlertQuery),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Page<Alert>), (status = 422, body = api_types::Problem))
)]
#[get("/alerts")]
pub(super) async fn list_alerts(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    query: Query<AlertQuery>,
) -> ApiResult<web::Json<Page<Alert>>> {
    let page = alerts::list(&state.db, &state.crypto, &auth, &query).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::AlertList)
                .resource("alert_list", page.items.len())
                .patients(page.items.iter().map(|a| &a.patient_id)),
        )
        .await?;
    Ok(web::Json(page))
}

/// Acknowledge an open alert with a note of what was done. 409 if someone already has.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    request_body = AcknowledgeAlert,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Alert), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/alerts/{id}/acknowledge")]
pub(super) async fn acknowledge_alert(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AcknowledgeAlert>,
) -> ApiResult<web::Json<Alert>> {
    let note = body.note.trim();
    let mut e = api_types::validation::Errors::default();
    e.required_text("note", note, 1000);
    e.finish().map_err(ApiError::Validation)?;
    let alert = alerts::find(&state.db, *id).await?;
    let record = patients::open_record_for_change(
        &state,
        &auth,
        PatientId(alert.patient_id),
        RecordCategory::Health,
    )
    .await?;
    let txn = state.db.begin().await?;
    let updated = alerts::acknowledge(&txn, &state.crypto, *id, auth.user_id(), note).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::AlertAcknowledge)
                .patient(alert.patient_id)
                .resource("alert", *id),
        )
        .await?;
    let name = format!("{} {}", record.details.first_name, record.details.last_name);
    Ok(web::Json(alerts::to_wire(&state.crypto, updated, name)?))
}
