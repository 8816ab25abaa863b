//! When practitioners take bookings: weekly windows and their exceptions, practice closures,
//! and the public holidays of the practice's state or territory.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ClockTime, Weekday};
use crate::error::FieldError;
use crate::validation::Errors;

/// Someone patients can book: a practitioner or a nurse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Practitioner {
    pub id: Uuid,
    pub name: String,
    pub role: crate::Role,
    /// The appointment types they offer.
    pub appointment_type_ids: Vec<Uuid>,
    /// They take bookings on public holidays.
    pub works_public_holidays: bool,
}

/// A recurring weekly window of working time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeeklyWindow {
    pub weekday: Weekday,
    pub start: ClockTime,
    pub end: ClockTime,
    /// First date the window applies (inclusive); always, when absent.
    #[serde(default)]
    pub effective_from: Option<NaiveDate>,
    /// Last date the window applies (inclusive); for good, when absent.
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
}

impl WeeklyWindow {
    pub fn applies_on(&self, date: NaiveDate) -> bool {
        Weekday::of(date) == self.weekday
            && self.effective_from.is_none_or(|f| date >= f)
            && self.effective_until.is_none_or(|u| date <= u)
    }
}

/// Whether an exception takes time away or adds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// Leave, a course, a meeting: no bookings.
    Unavailable,
    /// One-off extra hours.
    Available,
}

impl ExceptionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::Unavailable => "unavailable",
            ExceptionKind::Available => "available",
        }
    }

    pub fn parse(s: &str) -> Option<ExceptionKind> {
        match s {
            "unavailable" => Some(ExceptionKind::Unavailable),
            "available" => Some(ExceptionKind::Available),
            _ => None,
        }
    }
}

/// A change to the weekly pattern over some dates: whole days, or the same hours on each day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AvailabilityException {
    pub kind: ExceptionKind,
    pub start_date: NaiveDate,
    /// Inclusive; the same as `start_date` for one day.
    pub end_date: NaiveDate,
    /// With `end_time`, the hours on each day; whole days when both are absent.
    #[serde(default)]
    pub start_time: Option<ClockTime>,
    #[serde(default)]
    pub end_time: Option<ClockTime>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A practitioner's availability, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub practitioner_id: Uuid,
    /// The time zone every time here is in: the practice's.
    pub time_zone: String,
    pub works_public_holidays: bool,
    pub weekly: Vec<WeeklyWindow>,
    pub exceptions: Vec<AvailabilityException>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A practitioner's availability, replaced as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AvailabilityInput {
    #[serde(default)]
    pub works_public_holidays: bool,
    #[serde(default)]
    pub weekly: Vec<WeeklyWindow>,
    #[serde(default)]
    pub exceptions: Vec<AvailabilityException>,
}

fn check_times(
    e: &mut Errors,
    field: &str,
    start: Option<ClockTime>,
    end: Option<ClockTime>,
    required: bool,
) {
    match (start, end) {
        (Some(s), Some(t)) if s >= t => e.push(
            &format!("{field}end"),
            "end_before_start",
            "The end must be after the start.",
        ),
        (Some(s), _) if s == ClockTime::END_OF_DAY => e.push(
            &format!("{field}start"),
            "invalid_time",
            "A window cannot start at 24:00.",
        ),
        (Some(_), None) | (None, Some(_)) => e.push(
            &format!("{field}{}", if start.is_none() { "start" } else { "end" }),
            "required",
            "Give both a start and an end time, or neither for whole days.",
        ),
        (None, None) if required => e.push(
            &format!("{field}start"),
            "required",
            "Give a start and an end time.",
        ),
        _ => {}
    }
}

impl AvailabilityInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.weekly.len() > 100 {
            e.push("weekly", "too_many", "At most 100 weekly windows.");
        }
        if self.exceptions.len() > 500 {
            e.push("exceptions", "too_many", "At most 500 exceptions.");
        }
        for (i, w) in self.weekly.iter().enumerate() {
            let f = format!("weekly[{i}].");
            check_times(&mut e, &f, Some(w.start), Some(w.end), true);
            if let (Some(from), Some(until)) = (w.effective_from, w.effective_until) {
                if until < from {
                    e.push(
                        &format!("{f}effective_until"),
                        "end_before_start",
                        "The last date must be on or after the first.",
                    );
                }
            }
        }
        // Overlapping windows on the same day would double count nothing but are almost
        // always a typing mistake.
        for (i, a) in self.weekly.iter().enumerate() {
            for b in &self.weekly[..i] {
                let same_dates =
                    a.effective_from == b.effective_from && a.effective_until == b.effective_until;
                if a.weekday == b.weekday && same_dates && a.start < b.end && b.start < a.end {
                    e.push(
                        &format!("weekly[{i}].start"),
                        "overlapping",
                        format!(
                            "This overlaps another {} window ({}–{}).",
                            a.weekday.label(),
                            b.start,
                            b.end
                        ),
                    );
                }
            }
        }
        for (i, x) in self.exceptions.iter().enumerate() {
            let f = format!("exceptions[{i}].");
            if x.end_date < x.start_date {
                e.push(
                    &format!("{f}end_date"),
                    "end_before_start",
                    "The last date must be on or after the first.",
                );
            } else if (x.end_date - x.start_date).num_days() > 366 {
                e.push(
                    &format!("{f}end_date"),
                    "out_of_range",
                    "An exception covers at most a year.",
                );
            }
            check_times(
                &mut e,
                &f,
                x.start_time,
                x.end_time,
                x.kind == ExceptionKind::Available,
            );
            e.optional_text(&format!("{f}reason"), x.reason.as_deref(), 200);
        }
        e.finish()
    }
}

/// A day the whole practice is closed (a Christmas shutdown, say).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Closure {
    pub id: Uuid,
    pub start_date: NaiveDate,
    /// Inclusive.
    pub end_date: NaiveDate,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClosureInput {
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reason: String,
}

impl ClosureInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if self.end_date < self.start_date {
            e.push(
                "end_date",
                "end_before_start",
                "The last day must be on or after the first.",
            );
        } else if (self.end_date - self.start_date).num_days() > 366 {
            e.push(
                "end_date",
                "out_of_range",
                "A closure covers at most a year.",
            );
        }
        e.required_text("reason", &self.reason, 200);
        e.finish()
    }
}

/// Dates in the practice's time zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DateRangeQuery {
    /// First day (default: today).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: a year after `from`).
    pub to: Option<NaiveDate>,
}

/// The state or territory whose public holidays the practice observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HolidayRegion {
    #[default]
    Nsw,
    Vic,
    Qld,
    Wa,
    Sa,
    Tas,
    Act,
    Nt,
    /// No public holidays are applied.
    None,
}

impl HolidayRegion {
    pub const ALL: [HolidayRegion; 9] = [
        HolidayRegion::Nsw,
        HolidayRegion::Vic,
        HolidayRegion::Qld,
        HolidayRegion::Wa,
        HolidayRegion::Sa,
        HolidayRegion::Tas,
        HolidayRegion::Act,
        HolidayRegion::Nt,
        HolidayRegion::None,
    ];

    pub fn label(self) -> &'static str {
        match self {
            HolidayRegion::Nsw => "New South Wales",
            HolidayRegion::Vic => "Victoria",
            HolidayRegion::Qld => "Queensland",
            HolidayRegion::Wa => "Western Australia",
            HolidayRegion::Sa => "South Australia",
            HolidayRegion::Tas => "Tasmania",
            HolidayRegion::Act => "Australian Capital Territory",
            HolidayRegion::Nt => "Northern Territory",
            HolidayRegion::None => "No public holidays",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            HolidayRegion::Nsw => "nsw",
            HolidayRegion::Vic => "vic",
            HolidayRegion::Qld => "qld",
            HolidayRegion::Wa => "wa",
            HolidayRegion::Sa => "sa",
            HolidayRegion::Tas => "tas",
            HolidayRegion::Act => "act",
            HolidayRegion::Nt => "nt",
            HolidayRegion::None => "none",
        }
    }
}

/// A public holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
    /// The day is observed in place of a holiday that fell on a weekend.
    pub substitute: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_refuses_backwards_and_overlapping_windows() {
        let w = |d, s: &str, e: &str| WeeklyWindow {
            weekday: d,
            start: ClockTime::parse(s).unwrap(),
            end: ClockTime::parse(e).unwrap(),
            effective_from: None,
            effective_until: None,
        };
        let input = AvailabilityInput {
            works_public_holidays: false,
            weekly: vec![
                w(Weekday::Monday, "09:00", "12:00"),
                w(Weekday::Monday, "11:00", "13:00"),
                w(Weekday::Tuesday, "17:00", "09:00"),
            ],
            exceptions: vec![],
        };
        let errors = input.validate().unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert!(codes.contains(&"overlapping"), "{codes:?}");
        assert!(codes.contains(&"end_before_start"), "{codes:?}");
    }
}
