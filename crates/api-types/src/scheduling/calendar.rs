//! The calendar view: everything a calendar screen draws for a range of days.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::{Appointment, CalendarBlock, Closure, Holiday, Practitioner};

/// The most appointments one calendar answer carries; `truncated` says when there were more.
pub const MAX_CALENDAR_APPOINTMENTS: u64 = 5000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CalendarQuery {
    /// First day shown (practice time).
    pub from: NaiveDate,
    /// Last day shown, inclusive; at most 62 days after `from`.
    pub to: NaiveDate,
    /// Comma-separated practitioner ids; every bookable practitioner when absent.
    pub practitioner_ids: Option<String>,
}

/// A stretch of wall-clock time in the practice's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalSpan {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub start: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub end: NaiveDateTime,
}

/// Why time is unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimeOffKind {
    Leave,
    Closure,
    Holiday,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeOff {
    pub kind: TimeOffKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub start: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub end: NaiveDateTime,
    pub label: String,
}

/// One practitioner's column of the calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarColumn {
    pub practitioner: Practitioner,
    /// When they take bookings (weekly pattern and extra hours, less time off).
    pub available: Vec<LocalSpan>,
    /// Time off within their usual hours, and whole days off.
    pub time_off: Vec<TimeOff>,
}

/// Everything a calendar screen shows for a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarView {
    pub time_zone: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The practice's current local time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub now_local: NaiveDateTime,
    pub holidays: Vec<Holiday>,
    pub closures: Vec<Closure>,
    pub columns: Vec<CalendarColumn>,
    pub appointments: Vec<Appointment>,
    pub blocks: Vec<CalendarBlock>,
    /// There were more appointments than one answer carries: narrow the range.
    pub truncated: bool,
}
