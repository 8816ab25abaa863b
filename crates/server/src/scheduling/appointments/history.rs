//! An appointment's history: every change, who made it and when.

use actix_web::{get, web};
use api_types::audit::AuditAction;
use api_types::scheduling::{AppointmentChange, AppointmentStatus};
use uuid::Uuid;

use super::queries::{self, visible};
use super::wire::unique;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::ApiResult;
use crate::users;
use crate::AppState;

/// Every change to an appointment, oldest first: who booked, moved, or changed it, and when.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["schedule:read"])),
    responses((status = 200, body = Vec<AppointmentChange>))
)]
#[get("/appointments/{id}/history")]
pub(super) async fn appointment_history(
    auth: Authorized<require::ScheduleRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<AppointmentChange>>> {
    let m = visible(&state, &auth, *id).await?;
    let rows = queries::changes_of(&state.db, m.id).await?;
    let actor_ids = unique(rows.iter().filter_map(|r| r.actor_id));
    let names = users::names(&state.db, &state.crypto, &actor_ids).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::AppointmentHistory)
                .patient(m.patient_id)
                .resource("appointment", m.id),
        )
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| AppointmentChange {
                occurred_at: r.occurred_at,
                actor_name: r.actor_id.and_then(|a| names.get(&a).cloned()),
                actor_id: r.actor_id,
                action: r.action,
                from_starts_at: r.from_starts_at,
                to_starts_at: r.to_starts_at,
                from_practitioner_id: r.from_practitioner_id,
                to_practitioner_id: r.to_practitioner_id,
                status: r.status.as_deref().and_then(AppointmentStatus::parse),
            })
            .collect(),
    ))
}
