//! Wall-clock time in the practice's time zone: times of day, weekdays, which of two instants a
//! repeated local time means, query bounds given as a date or an instant, and the longest range
//! one answer covers.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validation::Errors;

/// The longest range a slot search or calendar may cover, in days.
pub const MAX_RANGE_DAYS: i64 = 62;

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

/// A start given either as an instant or as local time, never both.
pub(super) fn check_start(
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
    fn query_bounds_accept_dates_and_instants() {
        let d: DateOrInstant = serde_json::from_str("\"2026-12-07\"").unwrap();
        assert!(matches!(d, DateOrInstant::Date(_)));
        let t: Result<DateOrInstant, _> = serde_json::from_str("\"2026-12-07T09:00:00+11:00\"");
        assert!(matches!(t, Ok(DateOrInstant::Instant(_))));
        let bad: Result<DateOrInstant, _> = serde_json::from_str("\"tomorrow\"");
        assert!(bad.is_err());
    }
}
