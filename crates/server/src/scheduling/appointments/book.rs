//! Booking: what a booking is for, checked and loaded (the patient, the type, the practitioner,
//! a block, every occurrence of a series), then written with its history, messages and audit in
//! one transaction that first locks the practitioner and the patient.

use actix_web::{post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::scheduling::{
    Appointment, AppointmentStatus, AppointmentType, BlockKind, BookingSource, MessageEvent,
    NewAppointment,
};
use api_types::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use entity::scheduling::{appointment, calendar_block};
use sea_orm::{ActiveValue::Set, TransactionTrait};
use uuid::Uuid;

use super::conflicts::{conflict, find_conflict, outside, policy, requested_start, Occupancy};
use super::queries::{self, lock_for_booking, record_change};
use super::wire::{aad, to_wire_many, Viewer};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::ensure_demographics;
use crate::patients::{self, PatientRecord};
use crate::platform::http::etag;
use crate::platform::PatientId;
use crate::platform::{idempotency, ApiError, ApiResult};
use crate::scheduling::availability::{self, bookable};
use crate::scheduling::slots::Interval;
use crate::scheduling::{notify, outside_calendars, types, Practice};
use crate::users;
use crate::AppState;

/// What a booking is for, checked and loaded.
struct Plan {
    kind: AppointmentType,
    practitioner: users::UserRecord,
    patient: PatientRecord,
    block: Option<calendar_block::Model>,
    occurrences: Vec<Occupancy>,
    source: BookingSource,
}

fn source_of(principal: &Principal) -> BookingSource {
    match (principal.kind(), principal.own_patient_id()) {
        ("api_key", _) => BookingSource::Api,
        (_, Some(_)) => BookingSource::Portal,
        _ => BookingSource::Staff,
    }
}

/// Checks a type can be booked with a practitioner.
pub(super) fn check_offered(
    kind: &AppointmentType,
    practitioner_id: Uuid,
    field: &str,
) -> ApiResult<()> {
    if !kind.active {
        return Err(ApiError::field(
            "appointment_type_id",
            "inactive",
            "This appointment type is no longer offered.",
        ));
    }
    if !kind.practitioner_ids.contains(&practitioner_id) {
        return Err(ApiError::field(
            field,
            "not_offered",
            "This practitioner does not offer this appointment type.",
        ));
    }
    Ok(())
}

/// The patient's online-booking rules, for a patient booking or cancelling themselves.
pub(super) fn check_notice(starts_at: DateTime<Utc>, hours: u32, what: &str) -> ApiResult<()> {
    if starts_at < Utc::now() + Duration::hours(i64::from(hours)) {
        return Err(policy(format!(
            "Appointments can be {what} online up to {hours} hours before they start; please call \
             the practice."
        )));
    }
    Ok(())
}

async fn plan(state: &AppState, principal: &Principal, input: &NewAppointment) -> ApiResult<Plan> {
    let practice = Practice::load(&state.db).await?;
    ensure_demographics(principal, PatientId(input.patient_id))?;
    let patient = patients::find(&state.db, &state.crypto, PatientId(input.patient_id))
        .await?
        .ok_or_else(|| {
            if principal.own_patient_id().is_some() {
                ApiError::not_found()
            } else {
                ApiError::field("patient_id", "not_found", "There is no such patient.")
            }
        })?;
    patients::ensure_not_erased(&patient)?;
    if patient.model.archived_at.is_some() {
        return Err(ApiError::field(
            "patient_id",
            "archived",
            "This patient is archived; restore them to book.",
        ));
    }
    let kind = match types::get(&state.db, input.appointment_type_id).await {
        Err(ApiError::Coded {
            code: ErrorCode::NotFound,
            ..
        }) => {
            return Err(ApiError::field(
                "appointment_type_id",
                "not_found",
                "There is no such appointment type.",
            ))
        }
        other => other?,
    };
    let practitioner = bookable(state, input.practitioner_id).await.map_err(|_| {
        ApiError::field(
            "practitioner_id",
            "not_bookable",
            "This is not an active practitioner or nurse.",
        )
    })?;
    check_offered(&kind, input.practitioner_id, "practitioner_id")?;
    let source = source_of(principal);
    let patient_booking = source == BookingSource::Portal;
    if patient_booking {
        let online = &practice.rules.online_booking;
        if !online.enabled {
            return Err(policy("The practice does not take bookings online."));
        }
        if !kind.online_bookable {
            return Err(policy(
                "This appointment type is booked by the practice: please call.",
            ));
        }
        if input.repeat.is_some() || input.block_id.is_some() || input.allow_outside_availability {
            return Err(policy(
                "Repeating bookings, calendar blocks and bookings outside hours are made by the practice.",
            ));
        }
    }
    let block = match input.block_id {
        Some(id) => {
            let b = queries::find_block(&state.db, id).await?.ok_or_else(|| {
                ApiError::field("block_id", "not_found", "There is no such calendar block.")
            })?;
            if b.practitioner_id != input.practitioner_id {
                return Err(ApiError::field(
                    "block_id",
                    "other_practitioner",
                    "This block is on another practitioner's calendar.",
                ));
            }
            if b.kind == BlockKind::Admin.as_str() {
                return Err(ApiError::field(
                    "block_id",
                    "not_bookable",
                    "Admin time takes no bookings.",
                ));
            }
            Some(b)
        }
        None => None,
    };
    let length = Duration::minutes(i64::from(kind.duration_minutes));
    let (before, after) = (
        Duration::minutes(i64::from(kind.buffer_before_minutes)),
        Duration::minutes(i64::from(kind.buffer_after_minutes)),
    );
    let first = match &block {
        // A group session's patients all take the session's time.
        Some(b) if b.kind == BlockKind::Group.as_str() => b.starts_at,
        _ => requested_start(&practice, input.starts_at, input.local_start, input.fold)?
            .ok_or_else(|| ApiError::field("starts_at", "required", "Choose a start time."))?,
    };
    let mut occurrences = vec![];
    let count = input.repeat.map_or(1, |r| r.count);
    let every = input.repeat.map_or(1, |r| r.every_weeks);
    let local_first = practice.clock.local(first);
    for k in 0..count {
        let starts_at = if k == 0 {
            first
        } else {
            // Repeats keep the wall-clock time, across daylight-saving changes too.
            let local = local_first + Duration::weeks(i64::from(every * k));
            practice.clock.resolve_for(
                local,
                input.fold.or(Some(api_types::scheduling::Fold::Earlier)),
                "local_start",
            )?
        };
        let ends_at = match &block {
            Some(b) if b.kind == BlockKind::Group.as_str() => b.ends_at,
            _ => starts_at + length,
        };
        occurrences.push(Occupancy {
            starts_at,
            ends_at,
            before,
            after,
        });
    }
    if let Some(b) = &block {
        let inside = Interval::new(b.starts_at, b.ends_at);
        if !inside.contains(&occurrences[0].appointment()) {
            return Err(ApiError::field(
                "starts_at",
                "outside_block",
                "The appointment must fit inside the block.",
            ));
        }
    }
    if patient_booking {
        let online = &practice.rules.online_booking;
        check_notice(first, online.min_notice_hours, "booked")?;
        if first > Utc::now() + Duration::days(i64::from(online.max_days_ahead)) {
            return Err(policy(format!(
                "Appointments can be booked online up to {} days ahead.",
                online.max_days_ahead
            )));
        }
    }
    // A block is time the practice set aside on purpose; otherwise the practitioner's hours
    // apply, which staff may override.
    let check_hours = block.is_none() && (patient_booking || !input.allow_outside_availability);
    if check_hours {
        for o in &occurrences {
            if !availability::is_available(
                &state.db,
                &practice,
                input.practitioner_id,
                o.appointment(),
            )
            .await?
            {
                return Err(outside(&practice, o));
            }
        }
    }
    Ok(Plan {
        kind,
        practitioner,
        patient,
        block,
        occurrences,
        source,
    })
}

/// Books `input`, all occurrences or none. Returns the appointments made.
async fn book(
    state: &AppState,
    principal: &Principal,
    input: &NewAppointment,
) -> ApiResult<Vec<appointment::Model>> {
    let plan = plan(state, principal, input).await?;
    let practice = Practice::load(&state.db).await?;
    let notes_plain = input.notes.clone().filter(|n| !n.trim().is_empty());
    let series_id = (plan.occurrences.len() > 1).then(Uuid::now_v7);
    let count = plan.occurrences.len() as i32;
    let txn = state.db.begin().await?;
    lock_for_booking(&txn, &[input.practitioner_id, input.patient_id]).await?;
    if let Some(b) = &plan.block {
        if b.kind == BlockKind::Group.as_str() {
            let booked = queries::places_taken(&txn, b.id).await?;
            if booked >= u64::try_from(b.capacity).unwrap_or(0) {
                return Err(conflict(format!(
                    "{} is full ({} of {} places taken).",
                    b.label, booked, b.capacity
                )));
            }
        }
    }
    let mut made = Vec::with_capacity(plan.occurrences.len());
    for (i, o) in plan.occurrences.iter().enumerate() {
        if let Some(why) = find_conflict(
            &txn,
            &practice,
            input.practitioner_id,
            input.patient_id,
            *o,
            &[],
            plan.block.as_ref(),
        )
        .await?
        {
            let prefix = if plan.occurrences.len() > 1 {
                format!("Appointment {} of {}: ", i + 1, plan.occurrences.len())
            } else {
                String::new()
            };
            return Err(conflict(format!("{prefix}{why}")));
        }
        let id = Uuid::now_v7();
        let now = Utc::now();
        let notes_enc = match &notes_plain {
            Some(n) => Some(state.crypto.encrypt_str(n, &aad(id, "notes"))?),
            None => None,
        };
        let model = queries::insert(
            &txn,
            appointment::ActiveModel {
                id: Set(id),
                practitioner_id: Set(input.practitioner_id),
                patient_id: Set(input.patient_id),
                appointment_type_id: Set(plan.kind.id),
                block_id: Set(plan.block.as_ref().map(|b| b.id)),
                starts_at: Set(o.starts_at),
                ends_at: Set(o.ends_at),
                busy_from: Set(o.taken().start),
                busy_to: Set(o.taken().end),
                buffer_before_minutes: Set(plan.kind.buffer_before_minutes as i32),
                buffer_after_minutes: Set(plan.kind.buffer_after_minutes as i32),
                mode: Set(plan.kind.mode.as_str().into()),
                status: Set(AppointmentStatus::Booked),
                notes_enc: Set(notes_enc),
                cancel_reason_enc: Set(None),
                cancelled_at: Set(None),
                cancelled_by: Set(None),
                series_id: Set(series_id),
                series_index: Set(series_id.map(|_| i as i32 + 1)),
                series_count: Set(series_id.map(|_| count)),
                source: Set(plan.source.as_str().into()),
                created_by: Set(principal.user_id()),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                reminder_sent_at: Set(None),
                confirmed_at: Set(None),
                confirmed_via: Set(None),
            },
        )
        .await?;
        record_change(
            &txn,
            principal,
            id,
            "created",
            None,
            Some((o.starts_at, input.practitioner_id)),
            Some(AppointmentStatus::Booked),
        )
        .await?;
        made.push(model);
    }
    notify::appointment_event(
        &txn,
        state,
        &practice,
        notify::Event {
            kind: MessageEvent::Confirmation,
            appointment: &made[0],
            series_count: made.len(),
            patient: &plan.patient,
            practitioner_name: &plan.practitioner.name,
            type_name: &plan.kind.name,
            previous_start: None,
            reason: None,
        },
    )
    .await?;
    outside_calendars::changed(&txn, &made).await?;
    let ids: Vec<String> = made.iter().map(|m| m.id.to_string()).collect();
    let first = made
        .first()
        .map(|m| m.id)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a booking went missing")))?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(principal, AuditAction::AppointmentCreate)
                .patient(input.patient_id)
                .resource("appointment", first)
                .detail(format!("appointments={}", ids.join(","))),
        )
        .await?;
    Ok(made)
}

/// Book an appointment, or a repeating series (`repeat`: all of them or none). Conflicts with
/// the practitioner's other bookings (buffers included), held time, or the patient's other
/// appointments answer `409 slot_conflict`; times outside the practitioner's availability
/// answer `409 outside_availability` unless staff say `allow_outside_availability`. Patients
/// book for themselves in the portal within the practice's online-booking rules. Retries with
/// the same `Idempotency-Key` return the first booking.
#[utoipa::path(
    tag = "scheduling",
    request_body = NewAppointment,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    security(("bearer" = ["schedule:write"]), ("bearer" = ["own_record"])),
    responses(
        (status = 201, body = Appointment, description = "Booked; for a series, the first appointment"),
        (status = 409, body = api_types::Problem, description = "`slot_conflict` or `outside_availability`"),
        (status = 422, body = api_types::Problem),
    )
)]
#[post("/appointments")]
pub(super) async fn create_appointment(
    auth: Authorized<require::ScheduleWriteOrOwn>,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::platform::http::Body<NewAppointment>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    input.validate().map_err(ApiError::Validation)?;
    let claim = match idempotency::start(&state.db, &state.crypto, auth.id(), &req, &input).await? {
        idempotency::Start::Replay(response) => return Ok(response),
        idempotency::Start::Proceed(claim) => claim,
    };
    let result = async {
        let made = book(&state, &auth, &input).await?;
        let practice = Practice::load(&state.db).await?;
        let first = made.into_iter().next();
        let wire = to_wire_many(
            &state.db,
            &state.crypto,
            &practice,
            first.into_iter().collect(),
            Viewer::of(&auth),
        )
        .await?;
        wire.into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a booking went missing")))
    }
    .await;
    match result {
        Ok(a) => {
            claim
                .complete(
                    &state.db,
                    &state.crypto,
                    actix_web::http::StatusCode::CREATED,
                    &a,
                )
                .await?;
            Ok(HttpResponse::Created()
                .insert_header(("ETag", etag(a.version)))
                .insert_header(("Location", format!("/api/v1/appointments/{}", a.id)))
                .json(a))
        }
        Err(e) => {
            claim.abandon(&state.db).await;
            Err(e)
        }
    }
}
