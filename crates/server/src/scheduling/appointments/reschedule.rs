//! Moving an appointment: a new start, practitioner or type, under the same rules as booking
//! (the practitioner's hours, conflicts checked under the booking locks), with the patient told
//! when the time or practitioner changes.

use api_types::scheduling::{AppointmentPatch, AppointmentStatus, MessageEvent};
use api_types::ErrorCode;
use chrono::Duration;
use entity::scheduling::appointment;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use super::book::check_offered;
use super::conflicts::{conflict, find_conflict, outside, requested_start, Occupancy};
use super::queries::{self, lock_for_booking, record_change, save_if_unchanged};
use super::wire::status_of;
use crate::audit::AuditEntry;
use crate::auth::Principal;
use crate::patients;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::availability::{self, bookable};
use crate::scheduling::slots::Interval;
use crate::scheduling::{notify, outside_calendars, types, Practice};
use crate::AppState;

/// Moves `m` as `patch` asks, in one transaction with its history, messages and audit.
pub(super) async fn reschedule(
    state: &AppState,
    principal: &Principal,
    practice: &Practice,
    m: appointment::Model,
    patch: &AppointmentPatch,
    entry: AuditEntry,
) -> ApiResult<appointment::Model> {
    if status_of(&m) != AppointmentStatus::Booked {
        return Err(ApiError::field(
            "starts_at",
            "not_booked",
            format!(
                "Only booked appointments can be moved; this one is {}.",
                status_of(&m).label().to_lowercase()
            ),
        ));
    }
    let practitioner_id = patch.practitioner_id.unwrap_or(m.practitioner_id);
    let type_id = patch.appointment_type_id.unwrap_or(m.appointment_type_id);
    let kind = match types::get(&state.db, type_id).await {
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
    let practitioner = bookable(state, practitioner_id).await.map_err(|_| {
        ApiError::field(
            "practitioner_id",
            "not_bookable",
            "This is not an active practitioner or nurse.",
        )
    })?;
    if patch.practitioner_id.is_some() || patch.appointment_type_id.is_some() {
        check_offered(&kind, practitioner_id, "practitioner_id")?;
    }
    let starts_at = requested_start(practice, patch.starts_at, patch.local_start, patch.fold)?
        .unwrap_or(m.starts_at);
    // A changed type brings its own length and buffers; otherwise the booking keeps its own.
    let (length, before, after) = if patch.appointment_type_id.is_some() {
        (
            Duration::minutes(i64::from(kind.duration_minutes)),
            i64::from(kind.buffer_before_minutes),
            i64::from(kind.buffer_after_minutes),
        )
    } else {
        (
            m.ends_at - m.starts_at,
            i64::from(m.buffer_before_minutes),
            i64::from(m.buffer_after_minutes),
        )
    };
    let o = Occupancy {
        starts_at,
        ends_at: starts_at + length,
        before: Duration::minutes(before),
        after: Duration::minutes(after),
    };
    // Moving keeps it in its block only if it still fits there with the same practitioner.
    let block = match m.block_id {
        Some(b) => queries::find_block(&state.db, b).await?.filter(|b| {
            b.practitioner_id == practitioner_id
                && Interval::new(b.starts_at, b.ends_at).contains(&o.appointment())
        }),
        None => None,
    };
    if block.is_none()
        && !patch.allow_outside_availability
        && !availability::is_available(&state.db, practice, practitioner_id, o.appointment())
            .await?
    {
        return Err(outside(practice, &o));
    }
    let patient = patients::get(&state.db, &state.crypto, PatientId(m.patient_id)).await?;
    let txn = state.db.begin().await?;
    lock_for_booking(&txn, &[m.practitioner_id, practitioner_id, m.patient_id]).await?;
    if let Some(why) = find_conflict(
        &txn,
        practice,
        practitioner_id,
        m.patient_id,
        o,
        &[m.id],
        block.as_ref(),
    )
    .await?
    {
        return Err(conflict(why));
    }
    let previous = (m.starts_at, m.practitioner_id);
    let updated = save_if_unchanged(
        &txn,
        m.id,
        m.version,
        appointment::ActiveModel {
            practitioner_id: Set(practitioner_id),
            appointment_type_id: Set(type_id),
            block_id: Set(block.as_ref().map(|b| b.id)),
            starts_at: Set(o.starts_at),
            ends_at: Set(o.ends_at),
            busy_from: Set(o.taken().start),
            busy_to: Set(o.taken().end),
            buffer_before_minutes: Set(before as i32),
            buffer_after_minutes: Set(after as i32),
            mode: Set(kind.mode.as_str().into()),
            // A new time deserves a new reminder.
            reminder_sent_at: Set(None),
            // A new time is not the time the patient confirmed.
            confirmed_at: Set(None),
            confirmed_via: Set(None),
            ..Default::default()
        },
    )
    .await?;
    record_change(
        &txn,
        principal,
        m.id,
        "rescheduled",
        Some(previous),
        Some((o.starts_at, practitioner_id)),
        None,
    )
    .await?;
    if previous.0 != o.starts_at || previous.1 != practitioner_id {
        notify::appointment_event(
            &txn,
            state,
            practice,
            notify::Event {
                kind: MessageEvent::Change,
                appointment: &updated,
                series_count: 1,
                patient: &patient,
                practitioner_name: &practitioner.name,
                type_name: &kind.name,
                previous_start: Some(previous.0),
                reason: None,
            },
        )
        .await?;
    }
    outside_calendars::changed(&txn, std::slice::from_ref(&updated)).await?;
    state.audit.commit(txn, entry).await?;
    Ok(updated)
}
