//! The practice's clock: wall-clock times in its time zone to instants and back. Everything that
//! turns a person's date or time into an instant, or an instant into what the practice's wall
//! clock shows, goes through [`Clock`].
//!
//! Where daylight saving makes a local time special, the rule is explicit:
//! - a time that does not exist (the clocks jump from 02:00 to 03:00) is refused when a person
//!   asks for it, and read as the first instant after the gap when it is the edge of a working
//!   window;
//! - a time that occurs twice (the clocks go back from 03:00 to 02:00) must be chosen with a
//!   [`Fold`] when a person asks for it; as the edge of a window, a start means the earlier
//!   instant and an end the later one, so the window covers the whole repeated hour.

use api_types::scheduling::{ClockTime, Fold};
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::platform::{ApiError, ApiResult};

/// The practice's wall clock: its time zone, with the rules for times that daylight saving makes
/// special.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock(Tz);

impl Clock {
    pub fn new(tz: Tz) -> Clock {
        Clock(tz)
    }

    /// The clock of a zone named in the settings, Sydney's if the name is somehow unreadable.
    pub fn of(name: &str) -> Clock {
        Clock(name.parse().unwrap_or(chrono_tz::Australia::Sydney))
    }

    pub fn zone(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The instant a person means by `local`. `fold` chooses between the two instants of a time
    /// that occurs twice; it is ignored for every other time.
    pub fn resolve(
        self,
        local: NaiveDateTime,
        fold: Option<Fold>,
    ) -> Result<DateTime<Utc>, LocalTimeError> {
        resolve(self.0, local, fold)
    }

    /// A person's local time as an instant, or a validation error on `field` that says what to
    /// do instead.
    pub fn resolve_for(
        self,
        local: NaiveDateTime,
        fold: Option<Fold>,
        field: &str,
    ) -> ApiResult<DateTime<Utc>> {
        resolve_for(self.0, local, fold, field)
    }

    /// The instant of `minute` minutes after local midnight on `date` (1440 is the next
    /// midnight), as the edge of a window.
    pub fn edge(self, date: NaiveDate, minute: u16, which: Edge) -> DateTime<Utc> {
        edge(self.0, date, minute, which)
    }

    /// The first instant of a local day.
    pub fn day_start(self, date: NaiveDate) -> DateTime<Utc> {
        edge(self.0, date, 0, Edge::Start)
    }

    /// The instant a local time of day on a date means, as a window edge.
    pub fn at(self, date: NaiveDate, time: ClockTime, which: Edge) -> DateTime<Utc> {
        edge(self.0, date, time.minutes(), which)
    }

    /// `t` on the practice's wall clock.
    pub fn local(self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.0).naive_local()
    }

    /// The practice's date at instant `t`.
    pub fn local_date(self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date()
    }

    /// The practice's date now.
    pub fn today(self) -> NaiveDate {
        self.local_date(Utc::now())
    }

    /// The offset from UTC at `t`, in seconds.
    pub fn offset_seconds(self, t: DateTime<Utc>) -> i64 {
        use chrono::Offset;
        i64::from(t.with_timezone(&self.0).offset().fix().local_minus_utc())
    }
}

/// Why a local time cannot be turned into one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Inside a daylight-saving gap; `next` is the first local time after it.
    Nonexistent { next: NaiveDateTime },
    /// It occurs twice.
    Ambiguous {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
}

/// The instant a person means by `local`. `fold` chooses between the two instants of a time that
/// occurs twice; it is ignored for every other time.
fn resolve(
    tz: Tz,
    local: NaiveDateTime,
    fold: Option<Fold>,
) -> Result<DateTime<Utc>, LocalTimeError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (earlier, later) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            let (earlier, later) = (earlier.min(later), earlier.max(later));
            match fold {
                Some(Fold::Earlier) => Ok(earlier),
                Some(Fold::Later) => Ok(later),
                None => Err(LocalTimeError::Ambiguous { earlier, later }),
            }
        }
        LocalResult::None => Err(LocalTimeError::Nonexistent {
            next: after_gap(tz, local),
        }),
    }
}

/// The first local time at or after `local` that exists.
fn after_gap(tz: Tz, local: NaiveDateTime) -> NaiveDateTime {
    let mut t = local;
    // Gaps are at most a few hours; a minute at a time finds the end of any real one.
    for _ in 0..(4 * 60) {
        if !matches!(tz.from_local_datetime(&t), LocalResult::None) {
            return t;
        }
        t += Duration::minutes(1);
    }
    t
}

/// Which edge of a window a local time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Start,
    End,
}

/// The instant of `minute` minutes after local midnight on `date` (1440 is the next midnight),
/// as the edge of a window.
fn edge(tz: Tz, date: NaiveDate, minute: u16, which: Edge) -> DateTime<Utc> {
    let local = date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(i64::from(minute));
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            match which {
                Edge::Start => a.min(b),
                Edge::End => a.max(b),
            }
        }
        LocalResult::None => {
            let next = after_gap(tz, local);
            match tz.from_local_datetime(&next) {
                LocalResult::Single(t) => t.with_timezone(&Utc),
                LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
                LocalResult::None => next.and_utc(),
            }
        }
    }
}

/// A person's local start time as an instant, or a validation error on `field` that says what
/// to do instead.
fn resolve_for(
    tz: Tz,
    local: NaiveDateTime,
    fold: Option<Fold>,
    field: &str,
) -> ApiResult<DateTime<Utc>> {
    resolve(tz, local, fold).map_err(|e| match e {
        LocalTimeError::Nonexistent { next } => ApiError::field(
            field,
            "nonexistent_local_time",
            format!(
                "{} does not exist in {}: the clocks go forward then. Choose {} or later.",
                local.format("%H:%M on %-d %B %Y"),
                tz.name(),
                next.format("%H:%M"),
            ),
        ),
        LocalTimeError::Ambiguous { earlier, later } => ApiError::field(
            field,
            "ambiguous_local_time",
            format!(
                "{} happens twice in {}: the clocks go back then. Send fold \"earlier\" for the \
                 first ({} UTC) or \"later\" for the second ({} UTC).",
                local.format("%H:%M on %-d %B %Y"),
                tz.name(),
                earlier.format("%H:%M"),
                later.format("%H:%M"),
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Australia::Sydney;

    fn day_start(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
        Clock::new(tz).day_start(d)
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn spring_forward_gap_is_refused_and_names_the_next_valid_time() {
        // Sydney, Sunday 4 October 2026: 02:00 becomes 03:00.
        let err = resolve(Sydney, local("2026-10-04 02:30"), None).unwrap_err();
        assert_eq!(
            err,
            LocalTimeError::Nonexistent {
                next: local("2026-10-04 03:00")
            }
        );
        // A fold does not make a missing time exist.
        assert!(resolve(Sydney, local("2026-10-04 02:30"), Some(Fold::Later)).is_err());
        assert_eq!(
            resolve(Sydney, local("2026-10-04 03:00"), None).unwrap(),
            utc("2026-10-03T16:00:00Z")
        );
    }

    #[test]
    fn fall_back_overlap_needs_a_fold() {
        // Sydney, Sunday 5 April 2026: 03:00 becomes 02:00, so 02:30 happens twice.
        let t = local("2026-04-05 02:30");
        let Err(LocalTimeError::Ambiguous { earlier, later }) = resolve(Sydney, t, None) else {
            panic!("expected an ambiguous time");
        };
        assert_eq!(earlier, utc("2026-04-04T15:30:00Z"));
        assert_eq!(later, utc("2026-04-04T16:30:00Z"));
        assert_eq!(resolve(Sydney, t, Some(Fold::Earlier)).unwrap(), earlier);
        assert_eq!(resolve(Sydney, t, Some(Fold::Later)).unwrap(), later);
    }

    #[test]
    fn window_edges_cover_the_repeated_hour_and_skip_the_missing_one() {
        let fall_back = NaiveDate::from_ymd_opt(2026, 4, 5).unwrap();
        let start = edge(Sydney, fall_back, 2 * 60 + 30, Edge::Start);
        let end = edge(Sydney, fall_back, 2 * 60 + 30, Edge::End);
        assert_eq!(end - start, Duration::hours(1));
        let spring = NaiveDate::from_ymd_opt(2026, 10, 4).unwrap();
        assert_eq!(
            edge(Sydney, spring, 2 * 60 + 15, Edge::Start),
            utc("2026-10-03T16:00:00Z")
        );
        // That day is 23 hours long; the autumn one 25.
        let next = |d: NaiveDate| d.succ_opt().unwrap();
        assert_eq!(
            day_start(Sydney, next(spring)) - day_start(Sydney, spring),
            Duration::hours(23)
        );
        assert_eq!(
            day_start(Sydney, next(fall_back)) - day_start(Sydney, fall_back),
            Duration::hours(25)
        );
    }

    #[test]
    fn local_times_round_trip_outside_transitions() {
        let t = utc("2026-12-07T22:00:00Z");
        assert_eq!(Clock::new(Sydney).local(t), local("2026-12-08 09:00"));
        assert_eq!(resolve(Sydney, local("2026-12-08 09:00"), None).unwrap(), t);
        assert_eq!(Clock::new(Sydney).offset_seconds(t), 11 * 3600);
    }
}
