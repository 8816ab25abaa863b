//! Appointments: their statuses, bookings (once or repeating), changes, list filters and the
//! history of every change.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::check_start;
use super::{AppointmentMode, DateOrInstant, Fold};
use crate::error::FieldError;
use crate::validation::Errors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum AppointmentStatus {
    Booked,
    Arrived,
    Completed,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 5] = [
        AppointmentStatus::Booked,
        AppointmentStatus::Arrived,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<AppointmentStatus> {
        AppointmentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "Booked",
            AppointmentStatus::Arrived => "Arrived",
            AppointmentStatus::Completed => "Completed",
            AppointmentStatus::Cancelled => "Cancelled",
            AppointmentStatus::NoShow => "Did not attend",
        }
    }

    /// Whether the appointment still holds its time.
    pub fn holds_time(self) -> bool {
        !matches!(self, AppointmentStatus::Cancelled)
    }

    /// The statuses an appointment may move to from this one.
    pub fn next(self) -> &'static [AppointmentStatus] {
        use AppointmentStatus::*;
        match self {
            Booked => &[Arrived, Completed, Cancelled, NoShow],
            Arrived => &[Booked, Completed, Cancelled],
            Completed => &[Arrived],
            NoShow => &[Booked],
            Cancelled => &[],
        }
    }
}

/// Who made a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingSource {
    Staff,
    Portal,
    Api,
}

impl BookingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingSource::Staff => "staff",
            BookingSource::Portal => "portal",
            BookingSource::Api => "api",
        }
    }

    pub fn parse(s: &str) -> BookingSource {
        match s {
            "portal" => BookingSource::Portal,
            "api" => BookingSource::Api,
            _ => BookingSource::Staff,
        }
    }
}

/// Where an appointment sits in a repeating series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesPosition {
    pub series_id: Uuid,
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancellation {
    pub reason: String,
    pub cancelled_at: DateTime<Utc>,
    pub cancelled_by: Option<Uuid>,
}

/// How a patient confirmed an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConfirmedVia {
    /// They told the practice (a call, at the desk), which marked it.
    Desk,
    /// They confirmed it in the portal.
    Portal,
    /// They answered the reminder text.
    Sms,
}

impl ConfirmedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmedVia::Desk => "desk",
            ConfirmedVia::Portal => "portal",
            ConfirmedVia::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<ConfirmedVia> {
        [ConfirmedVia::Desk, ConfirmedVia::Portal, ConfirmedVia::Sms]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The patient's word that they are coming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Confirmation {
    pub at: DateTime<Utc>,
    pub via: ConfirmedVia,
}

/// An appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appointment {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub practitioner_id: Uuid,
    pub practitioner_name: String,
    pub appointment_type_id: Uuid,
    pub appointment_type_name: String,
    pub colour: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `starts_at` in the practice's time zone.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub local_start: NaiveDateTime,
    /// `ends_at` in the practice's time zone.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub local_end: NaiveDateTime,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    pub mode: AppointmentMode,
    pub status: AppointmentStatus,
    /// A note for the practice about the booking (not a clinical note). Staff only.
    pub notes: Option<String>,
    pub cancellation: Option<Cancellation>,
    /// Whether the patient confirmed they are coming, and how; `None` until they do (and again
    /// once the appointment moves).
    #[serde(default)]
    pub confirmation: Option<Confirmation>,
    pub series: Option<SeriesPosition>,
    /// The calendar block the appointment was booked into, if any.
    pub block_id: Option<Uuid>,
    pub source: BookingSource,
    /// The `ETag`; send it as `If-Match` when changing the appointment.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Book the same time again every `every_weeks` weeks, `count` times in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// 1 to 12.
    pub every_weeks: u32,
    /// 2 to 52, this appointment included.
    pub count: u32,
}

/// A booking. Give the start as `starts_at` (an instant) or as `local_start` (wall-clock time
/// in the practice's time zone, with `fold` when that time occurs twice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    pub appointment_type_id: Uuid,
    pub practitioner_id: Uuid,
    pub patient_id: Uuid,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-12-07T09:30:00"))]
    pub local_start: Option<NaiveDateTime>,
    #[serde(default)]
    pub fold: Option<Fold>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// Book into this calendar block (walk-ins, a group session).
    #[serde(default)]
    pub block_id: Option<Uuid>,
    /// Staff may book outside the practitioner's availability (never over another booking).
    #[serde(default)]
    pub allow_outside_availability: bool,
}

impl NewAppointment {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        check_start(&mut e, self.starts_at, self.local_start, true);
        e.optional_text("notes", self.notes.as_deref(), 2000);
        if let Some(r) = self.repeat {
            if !(1..=12).contains(&r.every_weeks) {
                e.push(
                    "repeat.every_weeks",
                    "out_of_range",
                    "Repeat every 1 to 12 weeks.",
                );
            }
            if !(2..=52).contains(&r.count) {
                e.push(
                    "repeat.count",
                    "out_of_range",
                    "Book 2 to 52 appointments in a series.",
                );
            }
        }
        e.finish()
    }
}

/// Which appointments of a series a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SeriesScope {
    #[default]
    This,
    /// This one and every later one of its series.
    Following,
}

/// A change to an appointment: reschedule (a new start, practitioner or type), a status change
/// (`cancelled` needs a `cancellation_reason`), or a new note. With `If-Match`, a change made
/// meanwhile by someone else is refused with 412.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentPatch {
    pub starts_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-12-07T09:30:00"))]
    pub local_start: Option<NaiveDateTime>,
    pub fold: Option<Fold>,
    pub practitioner_id: Option<Uuid>,
    pub appointment_type_id: Option<Uuid>,
    pub status: Option<AppointmentStatus>,
    pub cancellation_reason: Option<String>,
    #[serde(
        default,
        with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub notes: Option<Option<String>>,
    #[serde(default)]
    pub allow_outside_availability: bool,
    /// `true`: the patient confirmed they are coming (staff mark it when told; a patient
    /// confirms their own in the portal); `false`: take the confirmation back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
    /// For an appointment in a series: cancel this one, or this and every later one.
    #[serde(default)]
    pub apply_to: SeriesScope,
}

impl AppointmentPatch {
    pub fn moves(&self) -> bool {
        self.starts_at.is_some()
            || self.local_start.is_some()
            || self.practitioner_id.is_some()
            || self.appointment_type_id.is_some()
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        check_start(&mut e, self.starts_at, self.local_start, false);
        if let Some(Some(n)) = &self.notes {
            e.check(crate::validation::text(n, 2000), "notes");
        }
        if self.status == Some(AppointmentStatus::Cancelled) {
            match &self.cancellation_reason {
                Some(r) => e.required_text("cancellation_reason", r, 500),
                None => e.push(
                    "cancellation_reason",
                    "required",
                    "Say why the appointment is cancelled.",
                ),
            }
        } else if self.cancellation_reason.is_some() {
            e.push(
                "cancellation_reason",
                "not_cancelling",
                "A reason is only given when cancelling.",
            );
        }
        if self.status.is_some() && self.moves() {
            e.push(
                "status",
                "one_change",
                "Change the status and the time in separate requests.",
            );
        }
        if self.confirmed.is_some()
            && (self.status.is_some() || self.moves() || self.notes.is_some())
        {
            e.push(
                "confirmed",
                "one_change",
                "Confirm an appointment in a request of its own.",
            );
        }
        if self.apply_to == SeriesScope::Following
            && self.status != Some(AppointmentStatus::Cancelled)
        {
            e.push(
                "apply_to",
                "cancel_only",
                "Only cancellations apply to the rest of a series.",
            );
        }
        e.finish()
    }
}

/// Filters for the appointment list. Patients see only their own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AppointmentQuery {
    /// Appointments ending after this (a date means the start of that day, practice time).
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub from: Option<DateOrInstant>,
    /// Appointments starting before this (a date means the end of that day).
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub to: Option<DateOrInstant>,
    pub practitioner_id: Option<Uuid>,
    pub patient_id: Option<Uuid>,
    pub status: Option<AppointmentStatus>,
    /// Newest first instead of soonest first.
    pub descending: Option<bool>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// One change in an appointment's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentChange {
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// `created`, `rescheduled`, `status_changed`, `cancelled`, `notes_changed`, `confirmed`,
    /// `unconfirmed`.
    pub action: String,
    pub from_starts_at: Option<DateTime<Utc>>,
    pub to_starts_at: Option<DateTime<Utc>>,
    pub from_practitioner_id: Option<Uuid>,
    pub to_practitioner_id: Option<Uuid>,
    pub status: Option<AppointmentStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_transitions() {
        assert!(AppointmentStatus::Booked
            .next()
            .contains(&AppointmentStatus::Cancelled));
        assert!(AppointmentStatus::Cancelled.next().is_empty());
    }
}
