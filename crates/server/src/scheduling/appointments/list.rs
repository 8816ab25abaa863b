//! Reading appointments: the list (staff see everyone's, patients their own) and one
//! appointment with its `ETag`.

use actix_web::{get, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::scheduling::{Appointment, AppointmentQuery, DateOrInstant};
use api_types::Page;
use chrono::{DateTime, Utc};
use entity::scheduling::appointment;
use uuid::Uuid;

use super::queries::{self, visible, Filter};
use super::wire::{to_wire_many, unique, Viewer};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::platform::http::{etag, page_bounds, Query};
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::Practice;
use crate::AppState;

/// Appointments, soonest first (or newest first with `descending`). Staff see everyone's;
/// patients their own. Filter by time (`from`, `to`: dates in the practice's time zone, or
/// instants), practitioner, patient and status.
#[utoipa::path(
    tag = "scheduling",
    params(AppointmentQuery),
    security(("bearer" = ["schedule:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<Appointment>))
)]
#[get("/appointments")]
pub(super) async fn list_appointments(
    auth: Authorized<require::ScheduleReadOrOwn>,
    state: web::Data<AppState>,
    query: Query<AppointmentQuery>,
) -> ApiResult<web::Json<Page<Appointment>>> {
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let practice = Practice::load(&state.db).await?;
    let viewer = Viewer::of(&auth);
    let patient_filter = match (viewer, auth.own_patient_id()) {
        (Viewer::Patient { .. }, Some(own)) => Some(own),
        _ => q.patient_id,
    };
    let filter = Filter {
        patient_id: patient_filter,
        practitioner_id: q.practitioner_id,
        status: q.status,
        ends_after: q.from.map(|from| bound(&practice, from, false)),
        starts_before: q.to.map(|to| bound(&practice, to, true)),
        descending: q.descending.unwrap_or(false),
    };
    let (total, rows) = queries::page(&state.db, &filter, limit, offset).await?;
    let patient_ids = unique(rows.iter().map(|m| m.patient_id));
    let items = to_wire_many(&state.db, &state.crypto, &practice, rows, viewer).await?;
    let mut entry = AuditEntry::by(&auth, AuditAction::AppointmentList).detail(format!(
        "appointments={} patients={}",
        items.len(),
        patient_ids
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",")
    ));
    if let [only] = patient_ids.as_slice() {
        entry = entry.patient(*only);
    }
    state.audit.record(entry).await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// A query bound as an instant: a date is the start of that day, or (for an end) of the next.
pub fn bound(practice: &Practice, b: DateOrInstant, end: bool) -> DateTime<Utc> {
    match b {
        DateOrInstant::Instant(t) => t,
        DateOrInstant::Date(d) if end => practice.clock.day_start(d.succ_opt().unwrap_or(d)),
        DateOrInstant::Date(d) => practice.clock.day_start(d),
    }
}

/// One appointment, with its `ETag`.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["schedule:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Appointment))
)]
#[get("/appointments/{id}")]
pub(super) async fn get_appointment(
    auth: Authorized<require::ScheduleReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let m = visible(&state, &auth, *id).await?;
    let patient_id = m.patient_id;
    let a = one_to_wire(&state, &auth, m).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::AppointmentRead)
                .patient(patient_id)
                .resource("appointment", a.id),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(a.version)))
        .json(a))
}

pub(super) async fn one_to_wire(
    state: &AppState,
    principal: &Principal,
    m: appointment::Model,
) -> ApiResult<Appointment> {
    let practice = Practice::load(&state.db).await?;
    to_wire_many(
        &state.db,
        &state.crypto,
        &practice,
        vec![m],
        Viewer::of(principal),
    )
    .await?
    .into_iter()
    .next()
    .ok_or_else(ApiError::not_found)
}
