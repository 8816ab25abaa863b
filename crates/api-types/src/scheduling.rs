//! Scheduling: appointment types, practitioners' availability, practice closures and public
//! holidays, bookable slots, appointments, calendar blocks, the calendar view, and the messages
//! sent when appointments change.
//!
//! Instants are UTC on the wire (`starts_at`). Availability is wall-clock time in the practice's
//! time zone (`"09:00"` on Mondays means 09:00 in Sydney whatever the season), and every instant
//! also comes with its practice-local form (`local_start`) so that a client needs no time-zone
//! database to lay out a calendar. A client may book by local time; a local time that does not
//! exist (inside a daylight-saving gap) is refused, and one that occurs twice must say which.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::error::FieldError;
use crate::validation::Errors;

/// The longest range a slot search or calendar may cover, in days.
pub const MAX_RANGE_DAYS: i64 = 62;
/// The most appointments one calendar answer carries; `truncated` says when there were more.
pub const MAX_CALENDAR_APPOINTMENTS: u64 = 5000;

// ---------------------------------------------------------------------------------------------
// Wall-clock times
// ---------------------------------------------------------------------------------------------

/// A time of day as minutes after midnight, written `"HH:MM"` (`"24:00"` is the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub u16);

impl ClockTime {
    pub const MIDNIGHT: ClockTime = ClockTime(0);
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn parse(s: &str) -> Option<ClockTime> {
        let (h, m) = s.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        if m >= 60 || h > 24 || (h == 24 && m != 0) {
            return None;
        }
        Some(ClockTime(h * 60 + m))
    }

    pub fn from_hm(h: u16, m: u16) -> ClockTime {
        ClockTime(h * 60 + m)
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ClockTime::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(crate::validation::unreadable::TIME_OF_DAY))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ClockTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"))
            .description(Some("A time of day, HH:MM, in the practice's time zone"))
            .examples([serde_json::json!("09:00")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ClockTime {}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// 1 for Monday to 7 for Sunday (ISO 8601).
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    pub fn from_number(n: u8) -> Option<Weekday> {
        Weekday::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    pub fn of(date: NaiveDate) -> Weekday {
        use chrono::Datelike;
        Weekday::ALL[date.weekday().num_days_from_monday() as usize]
    }

    pub fn label(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }
}

/// Which of two instants a local time that occurs twice (when clocks go back) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Fold {
    /// The first occurrence, still on daylight-saving time.
    Earlier,
    /// The second occurrence, after the clocks went back.
    Later,
}

/// A query bound: a date (the whole day in the practice's time zone) or an RFC 3339 instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrInstant {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

impl Serialize for DateOrInstant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            DateOrInstant::Date(d) => s.collect_str(&d.format("%Y-%m-%d")),
            DateOrInstant::Instant(t) => s.collect_str(&t.to_rfc3339()),
        }
    }
}

impl<'de> Deserialize<'de> for DateOrInstant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if let Ok(date) = NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            return Ok(DateOrInstant::Date(date));
        }
        DateTime::parse_from_rfc3339(&s)
            .map(|t| DateOrInstant::Instant(t.with_timezone(&Utc)))
            .map_err(|_| serde::de::Error::custom(crate::validation::unreadable::DATE_OR_INSTANT))
    }
}

// ---------------------------------------------------------------------------------------------
// Appointment types
// ---------------------------------------------------------------------------------------------

/// How an appointment is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentMode {
    #[default]
    InPerson,
    Telehealth,
}

impl AppointmentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentMode::InPerson => "in_person",
            AppointmentMode::Telehealth => "telehealth",
        }
    }

    pub fn parse(s: &str) -> Option<AppointmentMode> {
        match s {
            "in_person" => Some(AppointmentMode::InPerson),
            "telehealth" => Some(AppointmentMode::Telehealth),
            _ => None,
        }
    }
}

/// A kind of appointment the practice offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentType {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub duration_minutes: u32,
    /// `#rrggbb`, used on the calendar.
    pub colour: String,
    /// The fee in cents, GST included.
    pub price_cents: i64,
    /// Time the practitioner needs before the appointment; nothing else may be booked in it.
    pub buffer_before_minutes: u32,
    /// Time the practitioner needs after the appointment.
    pub buffer_after_minutes: u32,
    pub mode: AppointmentMode,
    /// Patients may book it themselves in the portal.
    pub online_bookable: bool,
    /// Only active types can be booked.
    pub active: bool,
    /// The practitioners who offer it.
    pub practitioner_ids: Vec<Uuid>,
    /// The `ETag`; send it as `If-Match` when changing the type.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn yes() -> bool {
    true
}

/// A new appointment type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentTypeInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// 5 to 480 minutes, in steps of 5.
    pub duration_minutes: u32,
    /// `#rrggbb`.
    pub colour: String,
    #[serde(default)]
    pub price_cents: i64,
    #[serde(default)]
    pub buffer_before_minutes: u32,
    #[serde(default)]
    pub buffer_after_minutes: u32,
    #[serde(default)]
    pub mode: AppointmentMode,
    #[serde(default)]
    pub online_bookable: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub practitioner_ids: Vec<Uuid>,
}

/// Changes to an appointment type; fields left out stay as they are. Appointments already booked
/// keep the duration and buffers they were booked with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentTypePatch {
    pub name: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    pub duration_minutes: Option<u32>,
    pub colour: Option<String>,
    pub price_cents: Option<i64>,
    pub buffer_before_minutes: Option<u32>,
    pub buffer_after_minutes: Option<u32>,
    pub mode: Option<AppointmentMode>,
    pub online_bookable: Option<bool>,
    pub active: Option<bool>,
    pub practitioner_ids: Option<Vec<Uuid>>,
}

impl AppointmentTypePatch {
    pub fn apply(self, to: &mut AppointmentTypeInput) {
        if let Some(v) = self.name {
            to.name = v;
        }
        if let Some(v) = self.description {
            to.description = v;
        }
        if let Some(v) = self.duration_minutes {
            to.duration_minutes = v;
        }
        if let Some(v) = self.colour {
            to.colour = v;
        }
        if let Some(v) = self.price_cents {
            to.price_cents = v;
        }
        if let Some(v) = self.buffer_before_minutes {
            to.buffer_before_minutes = v;
        }
        if let Some(v) = self.buffer_after_minutes {
            to.buffer_after_minutes = v;
        }
        if let Some(v) = self.mode {
            to.mode = v;
        }
        if let Some(v) = self.online_bookable {
            to.online_bookable = v;
        }
        if let Some(v) = self.active {
            to.active = v;
        }
        if let Some(v) = self.practitioner_ids {
            to.practitioner_ids = v;
        }
    }
}

/// `#rrggbb`.
pub fn colour(value: &str) -> Result<(), crate::validation::RuleError> {
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err((
            "invalid_colour",
            "Choose a colour written as #rrggbb, such as #2563eb.".into(),
        ))
    }
}

impl AppointmentTypeInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("name", &self.name, 120);
        e.optional_text("description", self.description.as_deref(), 2000);
        if !(5..=480).contains(&self.duration_minutes) || !self.duration_minutes.is_multiple_of(5) {
            e.push(
                "duration_minutes",
                "out_of_range",
                "Choose a duration from 5 to 480 minutes, in steps of 5.",
            );
        }
        e.check(colour(&self.colour), "colour");
        if !(0..=10_000_000).contains(&self.price_cents) {
            e.push(
                "price_cents",
                "out_of_range",
                "Enter a price from $0 to $100,000.",
            );
        }
        for (field, value) in [
            ("buffer_before_minutes", self.buffer_before_minutes),
            ("buffer_after_minutes", self.buffer_after_minutes),
        ] {
            if value > 120 {
                e.push(field, "out_of_range", "Use at most 120 minutes.");
            }
        }
        if self.practitioner_ids.len() > 500 {
            e.push("practitioner_ids", "too_many", "At most 500 practitioners.");
        }
        e.finish()
    }
}

/// Filters for appointment types.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AppointmentTypeQuery {
    /// Include inactive types (staff only).
    pub include_inactive: Option<bool>,
    /// Only types this practitioner offers.
    pub practitioner_id: Option<Uuid>,
}

// ---------------------------------------------------------------------------------------------
// Practitioners and availability
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Practice scheduling settings and message templates
// ---------------------------------------------------------------------------------------------

/// Whether and how patients book for themselves in the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OnlineBooking {
    pub enabled: bool,
    /// How long before an appointment patients may still book it.
    pub min_notice_hours: u32,
    /// How far ahead patients may book.
    pub max_days_ahead: u32,
    /// How long before an appointment patients may still cancel it in the portal.
    pub cancellation_notice_hours: u32,
}

impl Default for OnlineBooking {
    fn default() -> Self {
        OnlineBooking {
            enabled: true,
            min_notice_hours: 2,
            max_days_ahead: 60,
            cancellation_notice_hours: 24,
        }
    }
}

/// The practice's scheduling rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SchedulingSettings {
    /// Whose public holidays apply.
    pub holiday_region: HolidayRegion,
    /// Slots start this many minutes apart (5 to 60).
    pub slot_interval_minutes: u32,
    pub online_booking: OnlineBooking,
    /// Send a reminder the day before each appointment.
    pub reminders_enabled: bool,
    /// The practice's time zone (read only here; set in practice settings).
    #[serde(default)]
    pub time_zone: String,
}

impl Default for SchedulingSettings {
    fn default() -> Self {
        SchedulingSettings {
            holiday_region: HolidayRegion::Nsw,
            slot_interval_minutes: 15,
            online_booking: OnlineBooking::default(),
            reminders_enabled: true,
            time_zone: "Australia/Sydney".into(),
        }
    }
}

impl SchedulingSettings {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if !(5..=60).contains(&self.slot_interval_minutes)
            || !60u32.is_multiple_of(self.slot_interval_minutes)
        {
            e.push(
                "slot_interval_minutes",
                "out_of_range",
                "Choose 5, 10, 15, 20, 30 or 60 minutes.",
            );
        }
        let o = &self.online_booking;
        if o.min_notice_hours > 24 * 30 {
            e.push(
                "online_booking.min_notice_hours",
                "out_of_range",
                "Use at most 720 hours (30 days).",
            );
        }
        if !(1..=365).contains(&o.max_days_ahead) {
            e.push(
                "online_booking.max_days_ahead",
                "out_of_range",
                "Choose from 1 to 365 days.",
            );
        }
        if o.cancellation_notice_hours > 24 * 30 {
            e.push(
                "online_booking.cancellation_notice_hours",
                "out_of_range",
                "Use at most 720 hours (30 days).",
            );
        }
        e.finish()
    }
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageEvent {
    Confirmation,
    Change,
    Cancellation,
    Reminder,
}

impl MessageEvent {
    pub const ALL: [MessageEvent; 4] = [
        MessageEvent::Confirmation,
        MessageEvent::Change,
        MessageEvent::Cancellation,
        MessageEvent::Reminder,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MessageEvent::Confirmation => "Booking confirmation",
            MessageEvent::Change => "Appointment changed",
            MessageEvent::Cancellation => "Cancellation",
            MessageEvent::Reminder => "Reminder (the day before)",
        }
    }
}

/// One message, by email and by SMS. `{{placeholders}}` are filled in when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageTemplate {
    pub event: MessageEvent,
    pub email_subject: String,
    pub email_body: String,
    /// At most 480 characters once filled in (three SMS segments).
    pub sms_body: String,
}

/// The placeholders a template may use.
pub const TEMPLATE_PLACEHOLDERS: [(&str, &str); 9] = [
    (
        "patient_first_name",
        "The patient's first (or preferred) name",
    ),
    ("practitioner_name", "The practitioner's name"),
    ("appointment_type", "The appointment type"),
    ("date", "The day, such as Monday 7 December 2026"),
    ("time", "The start time, such as 9:30 am"),
    ("duration", "The length, such as 30 minutes"),
    ("practice_name", "The practice's name"),
    (
        "previous_date_time",
        "Before a change: the old day and time",
    ),
    ("reason", "A cancellation's reason"),
];

impl MessageTemplate {
    /// The placeholders used that are not known.
    pub fn unknown_placeholders(text: &str) -> Vec<String> {
        let mut unknown = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                break;
            };
            let name = after[..end].trim();
            if !TEMPLATE_PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
                unknown.push(name.to_owned());
            }
            rest = &after[end + 2..];
        }
        unknown
    }

    pub fn validate(&self, field: &str, e: &mut Errors) {
        e.required_text(&format!("{field}.email_subject"), &self.email_subject, 200);
        e.required_text(&format!("{field}.email_body"), &self.email_body, 5000);
        e.required_text(&format!("{field}.sms_body"), &self.sms_body, 400);
        for (name, text) in [
            ("email_subject", &self.email_subject),
            ("email_body", &self.email_body),
            ("sms_body", &self.sms_body),
        ] {
            let unknown = MessageTemplate::unknown_placeholders(text);
            if !unknown.is_empty() {
                e.push(
                    &format!("{field}.{name}"),
                    "unknown_placeholder",
                    format!("Unknown placeholder: {{{{{}}}}}", unknown.join("}}, {{")),
                );
            }
        }
    }
}

/// Every appointment message, one per event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageTemplates {
    pub templates: Vec<MessageTemplate>,
}

impl MessageTemplates {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        for (i, t) in self.templates.iter().enumerate() {
            t.validate(&format!("templates[{i}]"), &mut e);
        }
        for event in MessageEvent::ALL {
            let n = self.templates.iter().filter(|t| t.event == event).count();
            if n != 1 {
                e.push(
                    "templates",
                    "one_per_event",
                    format!("Give exactly one template for {}.", event.label()),
                );
            }
        }
        e.finish()
    }

    pub fn get(&self, event: MessageEvent) -> Option<&MessageTemplate> {
        self.templates.iter().find(|t| t.event == event)
    }
}

// ---------------------------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Appointments
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

fn check_start(
    e: &mut Errors,
    starts_at: Option<DateTime<Utc>>,
    local_start: Option<NaiveDateTime>,
    required: bool,
) {
    match (starts_at, local_start) {
        (Some(_), Some(_)) => e.push(
            "local_start",
            "one_of",
            "Give the start as starts_at or as local_start, not both.",
        ),
        (None, None) if required => e.push("starts_at", "required", "Choose a start time."),
        _ => {}
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
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub notes: Option<Option<String>>,
    #[serde(default)]
    pub allow_outside_availability: bool,
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
    /// `created`, `rescheduled`, `status_changed`, `cancelled`, `notes_changed`.
    pub action: String,
    pub from_starts_at: Option<DateTime<Utc>>,
    pub to_starts_at: Option<DateTime<Utc>>,
    pub from_practitioner_id: Option<Uuid>,
    pub to_practitioner_id: Option<Uuid>,
    pub status: Option<AppointmentStatus>,
}

// ---------------------------------------------------------------------------------------------
// Calendar blocks
// ---------------------------------------------------------------------------------------------

/// What a block of a practitioner's time is held for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// Paperwork, meetings: nothing is booked in it.
    Admin,
    /// Held for walk-ins: staff book patients into it one after another.
    WalkIn,
    /// A group session: up to `capacity` patients booked for the whole block.
    Group,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Admin => "admin",
            BlockKind::WalkIn => "walk_in",
            BlockKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<BlockKind> {
        match s {
            "admin" => Some(BlockKind::Admin),
            "walk_in" => Some(BlockKind::WalkIn),
            "group" => Some(BlockKind::Group),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockKind::Admin => "Admin time",
            BlockKind::WalkIn => "Walk-ins",
            BlockKind::Group => "Group session",
        }
    }
}

/// Time held on a practitioner's calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarBlock {
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub kind: BlockKind,
    pub label: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub local_start: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub local_end: NaiveDateTime,
    /// For group sessions: how many patients it takes.
    pub capacity: u32,
    /// Appointments booked into it.
    pub booked: u32,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCalendarBlock {
    pub practitioner_id: Uuid,
    pub kind: BlockKind,
    pub label: String,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-12-07T09:30:00"))]
    pub local_start: Option<NaiveDateTime>,
    #[serde(default)]
    pub fold: Option<Fold>,
    /// 5 minutes to 12 hours.
    pub duration_minutes: u32,
    /// Group sessions: 2 to 100. Ignored for other kinds.
    #[serde(default)]
    pub capacity: u32,
}

impl NewCalendarBlock {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        check_start(&mut e, self.starts_at, self.local_start, true);
        e.required_text("label", &self.label, 120);
        if !(5..=720).contains(&self.duration_minutes) {
            e.push(
                "duration_minutes",
                "out_of_range",
                "Choose 5 minutes to 12 hours.",
            );
        }
        if self.kind == BlockKind::Group && !(2..=100).contains(&self.capacity) {
            e.push(
                "capacity",
                "out_of_range",
                "A group session takes 2 to 100 patients.",
            );
        }
        e.finish()
    }
}

/// Moves or relabels a block. Appointments booked into it move with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarBlockPatch {
    pub label: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-12-07T09:30:00"))]
    pub local_start: Option<NaiveDateTime>,
    pub fold: Option<Fold>,
    pub duration_minutes: Option<u32>,
    pub capacity: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// The calendar view
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Calendar feeds
// ---------------------------------------------------------------------------------------------

/// A private iCalendar feed of a practitioner's appointments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    pub practitioner_id: Uuid,
    /// The feed's address. Shown only when the feed is created: keep it private.
    pub url: Option<String>,
    /// Events show the patient's name (otherwise only the appointment type).
    pub include_patient_names: bool,
    pub created_at: DateTime<Utc>,
    pub last_fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCalendarFeed {
    #[serde(default)]
    pub include_patient_names: bool,
}

// ---------------------------------------------------------------------------------------------
// Google Calendar
// ---------------------------------------------------------------------------------------------

/// A practitioner's Google Calendar sync, and whether the practice offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoogleCalendarStatus {
    /// The practice has a Google OAuth client configured.
    pub available: bool,
    pub connection: Option<GoogleCalendarConnection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CalendarSyncState {
    /// Events follow appointments.
    Active,
    /// Google no longer accepts the grant: connect again.
    Reconnect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoogleCalendarConnection {
    /// The Google account whose primary calendar receives the events.
    pub account: String,
    pub state: CalendarSyncState,
    /// Events show the patient's name (otherwise only the appointment type).
    pub include_patient_names: bool,
    pub connected_at: DateTime<Utc>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, in words for the practitioner.
    pub last_error: Option<String>,
    /// Appointments whose events are waiting to be written.
    pub pending: u64,
}

/// Start connecting a Google Calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectGoogleCalendar {
    #[serde(default)]
    pub include_patient_names: bool,
}

/// Where to send the practitioner to give consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoogleConsentLink {
    pub authorize_url: String,
}

// ---------------------------------------------------------------------------------------------

/// `Option<Option<T>>` from a field that may be absent (no change), `null` (clear) or a value.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_parse_and_print() {
        assert_eq!(ClockTime::parse("09:30"), Some(ClockTime(570)));
        assert_eq!(ClockTime::parse("24:00"), Some(ClockTime::END_OF_DAY));
        for bad in ["9:30", "24:01", "12:60", "ab:cd", "", "09:3"] {
            assert_eq!(ClockTime::parse(bad), None, "{bad}");
        }
        assert_eq!(ClockTime(570).to_string(), "09:30");
    }

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

    #[test]
    fn templates_name_unknown_placeholders() {
        assert_eq!(
            MessageTemplate::unknown_placeholders(
                "Hi {{patient_first_name}}, {{nope}} at {{time}}"
            ),
            vec!["nope".to_owned()]
        );
    }

    #[test]
    fn status_transitions() {
        assert!(AppointmentStatus::Booked
            .next()
            .contains(&AppointmentStatus::Cancelled));
        assert!(AppointmentStatus::Cancelled.next().is_empty());
    }

    #[test]
    fn query_bounds_accept_dates_and_instants() {
        let d: DateOrInstant = serde_json::from_str("\"2026-12-07\"").unwrap();
        assert!(matches!(d, DateOrInstant::Date(_)));
        let t: Result<DateOrInstant, _> = serde_json::from_str("\"2026-12-07T09:00:00+11:00\"");
        assert!(matches!(t, Ok(DateOrInstant::Instant(_))));
        let bad: Result<DateOrInstant, _> = serde_json::from_str("\"tomorrow\"");
        assert!(bad.is_err());
    }
}
