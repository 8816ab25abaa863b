//! The arithmetic of availability, checked on known weeks: daylight saving, public holidays,
//! leave and extra hours.

use api_types::scheduling::{
    AvailabilityException, ClockTime, ExceptionKind, TimeOffKind, Weekday, WeeklyWindow,
};
use chrono::NaiveDate;
use chrono_tz::Australia::Sydney;

use super::compute::{compute, Days, Rules};
use crate::scheduling::holidays;
use crate::settings::Clock;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn window(weekday: Weekday, start: &str, end: &str) -> WeeklyWindow {
    WeeklyWindow {
        weekday,
        start: ClockTime::parse(start).unwrap(),
        end: ClockTime::parse(end).unwrap(),
        effective_from: None,
        effective_until: None,
    }
}

fn days(from: NaiveDate, to: NaiveDate) -> Days {
    Days {
        tz: Clock::new(Sydney),
        from,
        to,
        holidays: holidays::between(api_types::scheduling::HolidayRegion::Nsw, from, to),
        closures: Vec::new(),
    }
}

#[test]
fn local_hours_stay_local_across_daylight_saving() {
    // Sunday windows either side of the October 2026 change: 09:00 Sydney is 23:00 UTC
    // the day before in winter, 22:00 in summer.
    let rules = Rules {
        weekly: vec![window(Weekday::Sunday, "09:00", "12:00")],
        ..Rules::default()
    };
    let c = compute(&days(d(2026, 9, 27), d(2026, 10, 4)), &rules);
    let starts: Vec<String> = c
        .available
        .iter()
        .map(|i| i.start.format("%Y-%m-%d %H:%M").to_string())
        .collect();
    assert_eq!(starts, ["2026-09-26 23:00", "2026-10-03 22:00"]);
}

#[test]
fn holidays_close_unless_the_practitioner_works_them() {
    // Monday 28 December 2026 is a public holiday in NSW (Boxing Day falls on Saturday).
    let mut rules = Rules {
        weekly: vec![window(Weekday::Monday, "09:00", "17:00")],
        ..Rules::default()
    };
    let range = days(d(2026, 12, 28), d(2026, 12, 28));
    let c = compute(&range, &rules);
    assert!(c.available.is_empty());
    assert_eq!(c.time_off[0].0, TimeOffKind::Holiday);
    rules.works_public_holidays = true;
    assert_eq!(compute(&range, &rules).available.len(), 1);
}

#[test]
fn leave_and_extra_hours_change_the_week() {
    let rules = Rules {
        weekly: vec![window(Weekday::Tuesday, "09:00", "17:00")],
        exceptions: vec![
            AvailabilityException {
                kind: ExceptionKind::Unavailable,
                start_date: d(2026, 12, 8),
                end_date: d(2026, 12, 8),
                start_time: ClockTime::parse("12:00"),
                end_time: ClockTime::parse("14:00"),
                reason: Some("Training".into()),
            },
            AvailabilityException {
                kind: ExceptionKind::Available,
                start_date: d(2026, 12, 12),
                end_date: d(2026, 12, 12),
                start_time: ClockTime::parse("08:00"),
                end_time: ClockTime::parse("12:00"),
                reason: None,
            },
        ],
        ..Rules::default()
    };
    let c = compute(&days(d(2026, 12, 7), d(2026, 12, 13)), &rules);
    let local: Vec<String> = c
        .available
        .iter()
        .map(|i| {
            format!(
                "{}–{}",
                Clock::new(Sydney).local(i.start).format("%a %H:%M"),
                Clock::new(Sydney).local(i.end).format("%H:%M")
            )
        })
        .collect();
    assert_eq!(
        local,
        ["Tue 09:00–12:00", "Tue 14:00–17:00", "Sat 08:00–12:00"]
    );
}
