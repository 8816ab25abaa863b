//! Appointments on the wire: the encryption contexts of their protected fields, who is looking
//! (staff, the patient, a calendar outside the practice) and what each of them is shown.

use std::collections::{HashMap, HashSet};

use api_types::scheduling::{
    Appointment, AppointmentMode, AppointmentStatus, AppointmentType, BookingSource, Cancellation,
    Confirmation, ConfirmedVia, SeriesPosition,
};
use entity::scheduling::appointment;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::auth::Principal;
use crate::patients;
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::scheduling::{types, Practice};
use crate::users;

pub fn aad(id: Uuid, column: &str) -> String {
    format!("appointments.{column}:{id}")
}

pub fn status_of(m: &appointment::Model) -> AppointmentStatus {
    m.status
}

/// Who is looking: staff see booking notes; patients see their own appointments only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Staff,
    Patient {
        user_id: Option<Uuid>,
    },
    /// A calendar outside the practice (Google Calendar, an iCalendar feed): no booking notes,
    /// and no name of a patient whose data was erased.
    OutsideCalendar,
}

impl Viewer {
    pub fn of(principal: &Principal) -> Viewer {
        if principal.own_patient_id().is_some() {
            Viewer::Patient {
                user_id: principal.user_id(),
            }
        } else {
            Viewer::Staff
        }
    }
}

/// Appointments on the wire, with names looked up in a few queries whatever their number.
pub async fn to_wire_many(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    practice: &Practice,
    models: Vec<appointment::Model>,
    viewer: Viewer,
) -> ApiResult<Vec<Appointment>> {
    let patient_ids: Vec<Uuid> = unique(models.iter().map(|m| m.patient_id));
    let practitioner_ids: Vec<Uuid> = unique(models.iter().map(|m| m.practitioner_id));
    let type_ids: HashSet<Uuid> = models.iter().map(|m| m.appointment_type_id).collect();
    let patients = patients::find_many(db, crypto, &patient_ids).await?;
    let names = users::names(db, crypto, &practitioner_ids).await?;
    let types: HashMap<Uuid, AppointmentType> = types::all(db)
        .await?
        .into_iter()
        .filter(|t| type_ids.contains(&t.id))
        .map(|t| (t.id, t))
        .collect();
    models
        .into_iter()
        .map(|m| {
            let patient_name = match patients.get(&m.patient_id) {
                Some(p) if viewer == Viewer::OutsideCalendar && p.model.erased_at.is_some() => {
                    String::new()
                }
                Some(p) => p.display_name(),
                None => String::new(),
            };
            let practitioner_name = names.get(&m.practitioner_id).cloned().unwrap_or_default();
            let t = types.get(&m.appointment_type_id);
            to_wire(
                crypto,
                practice,
                m,
                patient_name,
                practitioner_name,
                t,
                viewer,
            )
        })
        .collect()
}

pub(super) fn unique(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let set: HashSet<Uuid> = ids.collect();
    set.into_iter().collect()
}

fn to_wire(
    crypto: &Crypto,
    practice: &Practice,
    m: appointment::Model,
    patient_name: String,
    practitioner_name: String,
    t: Option<&AppointmentType>,
    viewer: Viewer,
) -> ApiResult<Appointment> {
    let decrypt = |value: &Option<String>, column: &str| -> ApiResult<Option<String>> {
        match value {
            Some(v) => Ok(Some(crypto.decrypt_str(v, &aad(m.id, column))?)),
            None => Ok(None),
        }
    };
    let notes = match viewer {
        Viewer::Staff => decrypt(&m.notes_enc, "notes")?,
        Viewer::Patient { .. } | Viewer::OutsideCalendar => None,
    };
    let cancellation = match m.cancelled_at {
        Some(at) => {
            let mut reason = decrypt(&m.cancel_reason_enc, "cancel_reason")?.unwrap_or_default();
            if let Viewer::Patient { user_id } = viewer {
                if m.cancelled_by.is_none() || m.cancelled_by != user_id {
                    reason = "Cancelled by the practice".into();
                }
            }
            Some(Cancellation {
                reason,
                cancelled_at: at,
                cancelled_by: m.cancelled_by,
            })
        }
        None => None,
    };
    let series = match (m.series_id, m.series_index, m.series_count) {
        (Some(id), Some(i), Some(n)) => Some(SeriesPosition {
            series_id: id,
            index: u32::try_from(i).unwrap_or(1),
            count: u32::try_from(n).unwrap_or(1),
        }),
        _ => None,
    };
    Ok(Appointment {
        id: m.id,
        patient_id: m.patient_id,
        patient_name,
        practitioner_id: m.practitioner_id,
        practitioner_name,
        appointment_type_id: m.appointment_type_id,
        appointment_type_name: t.map(|t| t.name.clone()).unwrap_or_default(),
        colour: t
            .map(|t| t.colour.clone())
            .unwrap_or_else(|| "#64748b".into()),
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        local_start: practice.clock.local(m.starts_at),
        local_end: practice.clock.local(m.ends_at),
        buffer_before_minutes: u32::try_from(m.buffer_before_minutes).unwrap_or(0),
        buffer_after_minutes: u32::try_from(m.buffer_after_minutes).unwrap_or(0),
        mode: AppointmentMode::parse(&m.mode).unwrap_or_default(),
        status: status_of(&m),
        notes,
        cancellation,
        confirmation: match (
            m.confirmed_at,
            m.confirmed_via.as_deref().and_then(ConfirmedVia::parse),
        ) {
            (Some(at), Some(via)) => Some(Confirmation { at, via }),
            _ => None,
        },
        series,
        block_id: m.block_id,
        source: BookingSource::parse(&m.source),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
