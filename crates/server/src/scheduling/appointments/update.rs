//! Changing an appointment: one request moves it, changes its status or its booking note, and
//! a patient in the portal may only cancel their own, within the practice's notice.

use actix_web::{patch, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::scheduling::{
    Appointment, AppointmentPatch, AppointmentStatus, ConfirmedVia, SeriesScope,
};
use uuid::Uuid;

use super::book::check_notice;
use super::conflicts::policy;
use super::list::one_to_wire;
use super::queries::visible;
use super::reschedule::reschedule;
use super::status::{change_confirmation, change_notes, change_status};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::patients;
use crate::platform::http::{check_if_match, etag};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::Practice;
use crate::AppState;

/// Reschedule (a new start, practitioner or type; the same conflict rules as booking), change
/// the status (`arrived`, `completed`, `no_show`, back to `booked`, or `cancelled` with a
/// reason; `apply_to: following` cancels the rest of a series), record that the patient
/// confirmed they are coming (`confirmed`), or change the booking note. Patients may only
/// confirm their own appointments, or cancel them within the practice's notice period. With
/// `If-Match`, a change someone else saved first answers 412.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    request_body = AppointmentPatch,
    security(("bearer" = ["schedule:write"]), ("bearer" = ["own_record"])),
    responses(
        (status = 200, body = Appointment),
        (status = 409, body = api_types::Problem, description = "`slot_conflict` or `outside_availability`"),
        (status = 412, body = api_types::Problem),
    )
)]
#[patch("/appointments/{id}")]
pub(super) async fn update_appointment(
    auth: Authorized<require::ScheduleWriteOrOwn>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AppointmentPatch>,
) -> ApiResult<HttpResponse> {
    let m = visible(&state, &auth, *id).await?;
    check_if_match(&req, m.version)?;
    // An erased patient's appointments are kept as they were, never revived or moved.
    patients::get_for_change(&state.db, &state.crypto, PatientId(m.patient_id)).await?;
    let patch = body.into_inner();
    patch.validate().map_err(ApiError::Validation)?;
    let patient_id = m.patient_id;
    let practice = Practice::load(&state.db).await?;
    let portal = auth.own_patient_id().is_some();
    let confirms = patch.confirmed == Some(true) && !patch.moves() && patch.status.is_none();
    if portal && !confirms {
        let only_cancel = patch.status == Some(AppointmentStatus::Cancelled)
            && !patch.moves()
            && patch.notes.is_none()
            && patch.apply_to == SeriesScope::This;
        if !only_cancel {
            return Err(policy(
                "In the portal you can confirm or cancel an appointment; to move it, book a new time and cancel this one, or call the practice.",
            ));
        }
        check_notice(
            m.starts_at,
            practice.rules.online_booking.cancellation_notice_hours,
            "cancelled",
        )?;
    }
    let entry = |action| {
        AuditEntry::by(&auth, action)
            .patient(patient_id)
            .resource("appointment", *id)
    };
    let updated = if patch.moves() {
        let entry = entry(AuditAction::AppointmentReschedule);
        reschedule(&state, &auth, &practice, m, &patch, entry).await?
    } else if let Some(status) = patch.status {
        let entry = entry(if status == AppointmentStatus::Cancelled {
            AuditAction::AppointmentCancel
        } else {
            AuditAction::AppointmentStatus
        });
        change_status(&state, &auth, &practice, m, status, &patch, entry).await?
    } else if let Some(confirmed) = patch.confirmed {
        let via = if portal {
            ConfirmedVia::Portal
        } else {
            ConfirmedVia::Desk
        };
        let entry = entry(AuditAction::AppointmentConfirm);
        change_confirmation(&state, &auth, m, confirmed, via, entry).await?
    } else if let Some(notes) = &patch.notes {
        let entry = entry(AuditAction::AppointmentUpdate);
        change_notes(&state, &auth, m, notes.as_deref(), entry).await?
    } else {
        state
            .audit
            .record(entry(AuditAction::AppointmentUpdate).detail("unchanged"))
            .await?;
        m
    };
    let a = one_to_wire(&state, &auth, updated).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(a.version)))
        .json(a))
}
