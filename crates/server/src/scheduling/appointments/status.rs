//! An appointment's status (arrived, completed, did not attend, back to booked, or cancelled
//! with a reason, for one appointment or the rest of its series) and its booking note.

use api_types::scheduling::{
    AppointmentPatch, AppointmentStatus, ConfirmedVia, MessageEvent, SeriesScope,
};
use chrono::Utc;
use entity::scheduling::appointment;
use sea_orm::{ActiveValue::Set, TransactionTrait};

use super::queries::{self, record_change, save_if_unchanged};
use super::wire::{aad, status_of};
use crate::audit::AuditEntry;
use crate::auth::Principal;
use crate::patients;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::{notify, outside_calendars, types, Practice};
use crate::users;
use crate::AppState;

/// Moves `m` to `status` (with the rest of its series when `patch` says so).
pub(super) async fn change_status(
    state: &AppState,
    principal: &Principal,
    practice: &Practice,
    m: appointment::Model,
    status: AppointmentStatus,
    patch: &AppointmentPatch,
    entry: AuditEntry,
) -> ApiResult<appointment::Model> {
    let current = status_of(&m);
    if current == status {
        state.audit.record(entry.detail("unchanged")).await?;
        return Ok(m);
    }
    if !current.next().contains(&status) {
        return Err(ApiError::field(
            "status",
            "invalid_transition",
            format!(
                "An appointment that is {} cannot become {}.",
                current.label().to_lowercase(),
                status.label().to_lowercase()
            ),
        ));
    }
    let txn = state.db.begin().await?;
    let mut targets = vec![m.clone()];
    if patch.apply_to == SeriesScope::Following {
        if let Some(series) = m.series_id {
            targets.extend(queries::booked_later_in_series(&txn, series, m.starts_at).await?);
        }
    }
    let mut first = None;
    for t in &targets {
        let mut changes = appointment::ActiveModel {
            status: Set(status),
            ..Default::default()
        };
        if status == AppointmentStatus::Cancelled {
            let reason = patch
                .cancellation_reason
                .as_deref()
                .unwrap_or_default()
                .trim();
            changes.cancel_reason_enc = Set(Some(
                state
                    .crypto
                    .encrypt_str(reason, &aad(t.id, "cancel_reason"))?,
            ));
            changes.cancelled_at = Set(Some(Utc::now()));
            changes.cancelled_by = Set(principal.user_id());
        }
        let saved = save_if_unchanged(&txn, t.id, t.version, changes).await?;
        record_change(
            &txn,
            principal,
            t.id,
            if status == AppointmentStatus::Cancelled {
                "cancelled"
            } else {
                "status_changed"
            },
            None,
            None,
            Some(status),
        )
        .await?;
        first.get_or_insert(saved);
    }
    let updated = first.ok_or_else(ApiError::not_found)?;
    if status == AppointmentStatus::Cancelled && updated.starts_at > Utc::now() {
        // Read through the transaction: on SQLite it holds the only connection.
        let patient = patients::get(&txn, &state.crypto, PatientId(m.patient_id)).await?;
        let names = users::names(&txn, &state.crypto, &[m.practitioner_id]).await?;
        let kind = types::get(&txn, m.appointment_type_id).await?;
        notify::appointment_event(
            &txn,
            state,
            practice,
            notify::Event {
                kind: MessageEvent::Cancellation,
                appointment: &updated,
                series_count: targets.len(),
                patient: &patient,
                practitioner_name: names.get(&m.practitioner_id).map_or("", String::as_str),
                type_name: &kind.name,
                previous_start: None,
                reason: patch.cancellation_reason.as_deref(),
            },
        )
        .await?;
    }
    outside_calendars::changed(&txn, &targets).await?;
    state.audit.commit(txn, entry).await?;
    Ok(updated)
}

/// Replaces the booking note of `m`; an empty note removes it.
pub(super) async fn change_notes(
    state: &AppState,
    principal: &Principal,
    m: appointment::Model,
    notes: Option<&str>,
    entry: AuditEntry,
) -> ApiResult<appointment::Model> {
    let notes_enc = match notes.filter(|n| !n.trim().is_empty()) {
        Some(n) => Some(state.crypto.encrypt_str(n, &aad(m.id, "notes"))?),
        None => None,
    };
    let txn = state.db.begin().await?;
    let saved = save_if_unchanged(
        &txn,
        m.id,
        m.version,
        appointment::ActiveModel {
            notes_enc: Set(notes_enc),
            ..Default::default()
        },
    )
    .await?;
    record_change(&txn, principal, m.id, "notes_changed", None, None, None).await?;
    state.audit.commit(txn, entry).await?;
    Ok(saved)
}

/// Records that the patient confirmed they are coming (`confirmed`), as `via` says, or takes
/// the confirmation back. Only an appointment still to come, and booked, is confirmed.
pub(super) async fn change_confirmation(
    state: &AppState,
    principal: &Principal,
    m: appointment::Model,
    confirmed: bool,
    via: ConfirmedVia,
    entry: AuditEntry,
) -> ApiResult<appointment::Model> {
    if confirmed == m.confirmed_at.is_some() {
        state.audit.record(entry.detail("unchanged")).await?;
        return Ok(m);
    }
    if confirmed && (status_of(&m) != AppointmentStatus::Booked || m.starts_at <= Utc::now()) {
        return Err(ApiError::field(
            "confirmed",
            "not_upcoming",
            "Only an appointment still to come, and booked, can be confirmed.",
        ));
    }
    let txn = state.db.begin().await?;
    let saved = save_if_unchanged(
        &txn,
        m.id,
        m.version,
        appointment::ActiveModel {
            confirmed_at: Set(confirmed.then(Utc::now)),
            confirmed_via: Set(confirmed.then(|| via.as_str().to_owned())),
            ..Default::default()
        },
    )
    .await?;
    let change = if confirmed {
        "confirmed"
    } else {
        "unconfirmed"
    };
    record_change(&txn, principal, m.id, change, None, None, None).await?;
    let entry = if confirmed {
        entry.detail(via.as_str())
    } else {
        entry.detail("withdrawn")
    };
    state.audit.commit(txn, entry).await?;
    Ok(saved)
}

/// A patient's text answering a reminder with "C": confirms their next appointment that is
/// still to come, booked, reminded and not yet confirmed, in the text's transaction. Returns the
/// appointment confirmed, if there was one to confirm.
pub async fn confirm_by_text(
    txn: &impl sea_orm::ConnectionTrait,
    patient: PatientId,
) -> ApiResult<Option<uuid::Uuid>> {
    let Some(m) = queries::next_to_confirm(txn, patient.0).await? else {
        return Ok(None);
    };
    save_if_unchanged(
        txn,
        m.id,
        m.version,
        appointment::ActiveModel {
            confirmed_at: Set(Some(Utc::now())),
            confirmed_via: Set(Some(ConfirmedVia::Sms.as_str().to_owned())),
            ..Default::default()
        },
    )
    .await?;
    queries::record_text_change(txn, m.id, "confirmed").await?;
    Ok(Some(m.id))
}
