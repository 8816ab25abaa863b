//! Slot search: the times an appointment type can be booked, and who is free then.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DateOrInstant;

/// A slot search: when can this appointment type be booked?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SlotQuery {
    pub appointment_type_id: Uuid,
    /// One practitioner; any practitioner who offers the type when absent.
    pub practitioner_id: Option<Uuid>,
    /// A date (from the start of that day in the practice's time zone) or an RFC 3339 time.
    /// Default: now.
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, example = "2026-12-07"))]
    pub from: Option<DateOrInstant>,
    /// A date (to the end of that day) or an RFC 3339 time; at most 62 days after `from`.
    /// Default: 14 days after `from`.
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, example = "2026-12-20"))]
    pub to: Option<DateOrInstant>,
    /// Leave out times when this patient already has an appointment.
    pub patient_id: Option<Uuid>,
}

/// A time the appointment type can be booked, and who is free then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `starts_at` in the practice's time zone.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub local_start: NaiveDateTime,
    /// The practitioners free at this time, most available first.
    pub practitioner_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotList {
    pub appointment_type_id: Uuid,
    pub duration_minutes: u32,
    pub time_zone: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub slots: Vec<Slot>,
}
