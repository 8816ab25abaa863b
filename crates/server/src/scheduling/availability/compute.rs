//! The arithmetic of a practitioner's time: their rules and the days they apply to (public
//! holidays and closures included) added up into the time they take bookings and their time off.

use std::collections::HashMap;

use api_types::scheduling::{
    AvailabilityException, ExceptionKind, Holiday, LocalSpan, TimeOff, TimeOffKind, WeeklyWindow,
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::scheduling::practice_closure as closure;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::queries::load_rules;
use crate::platform::ApiResult;
use crate::scheduling::slots::{normalize, subtract, Interval};
use crate::scheduling::{closures, holidays, Practice};
use crate::settings::{Clock, Edge};

/// One practitioner's rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub works_public_holidays: bool,
    pub weekly: Vec<WeeklyWindow>,
    pub exceptions: Vec<AvailabilityException>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What applies to everyone over a range of days: the time zone, public holidays and closures.
pub struct Days {
    pub tz: Clock,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub holidays: Vec<Holiday>,
    pub closures: Vec<closure::Model>,
}

impl Days {
    pub async fn load(
        db: &impl ConnectionTrait,
        practice: &Practice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ApiResult<Days> {
        let closures = closures::between(db, from, to).await?;
        Ok(Days {
            tz: practice.clock,
            from,
            to,
            holidays: holidays::between(practice.rules.holiday_region, from, to),
            closures,
        })
    }

    fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    fn whole_days(&self, first: NaiveDate, last: NaiveDate) -> Interval {
        let last = last.min(self.to);
        let first = first.max(self.from);
        Interval::new(
            self.tz.day_start(first),
            self.tz.day_start(last.succ_opt().unwrap_or(last)),
        )
    }
}

/// One practitioner's time over the days: when they take bookings, and the time off inside
/// their usual hours (or whole days) with why.
pub struct Computed {
    pub available: Vec<Interval>,
    pub time_off: Vec<(TimeOffKind, Interval, String)>,
}

/// Adds up a practitioner's time over `days`.
pub fn compute(days: &Days, rules: &Rules) -> Computed {
    let tz = days.tz;
    let holiday_dates: HashMap<NaiveDate, &str> = days
        .holidays
        .iter()
        .map(|h| (h.date, h.name.as_str()))
        .collect();
    let mut working = Vec::new();
    let mut extra = Vec::new();
    let mut leave = Vec::new();
    let mut time_off = Vec::new();
    for date in days.dates() {
        let holiday = holiday_dates.get(&date).copied();
        let off_for_holiday = holiday.is_some() && !rules.works_public_holidays;
        for w in rules.weekly.iter().filter(|w| w.applies_on(date)) {
            let span = Interval::new(
                tz.at(date, w.start, Edge::Start),
                tz.at(date, w.end, Edge::End),
            );
            if !off_for_holiday {
                working.push(span);
            }
        }
        if let (true, Some(name)) = (off_for_holiday, holiday) {
            time_off.push((
                TimeOffKind::Holiday,
                days.whole_days(date, date),
                name.to_owned(),
            ));
        }
        for x in rules
            .exceptions
            .iter()
            .filter(|x| x.start_date <= date && date <= x.end_date)
        {
            let span = match (x.start_time, x.end_time) {
                (Some(s), Some(e)) => {
                    Interval::new(tz.at(date, s, Edge::Start), tz.at(date, e, Edge::End))
                }
                _ => days.whole_days(date, date),
            };
            match x.kind {
                ExceptionKind::Available => extra.push(span),
                ExceptionKind::Unavailable => {
                    leave.push(span);
                    time_off.push((
                        TimeOffKind::Leave,
                        span,
                        x.reason.clone().unwrap_or_else(|| "Unavailable".into()),
                    ));
                }
            }
        }
    }
    for c in &days.closures {
        let span = days.whole_days(c.start_date, c.end_date);
        leave.push(span);
        time_off.push((TimeOffKind::Closure, span, c.reason.clone()));
    }
    working.extend(extra);
    let available = subtract(&normalize(working), &normalize(leave));
    Computed {
        available,
        time_off,
    }
}

/// Dates whose local days cover `from`..`to` (instants).
pub fn dates_covering(tz: Clock, from: DateTime<Utc>, to: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    // A day either side: a window edge on a DST day can reach into its neighbour.
    let first = tz.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
    let last = tz.local_date(to).succ_opt().unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// Whether the practitioner takes bookings for the whole of `span`.
pub async fn is_available(
    db: &impl ConnectionTrait,
    practice: &Practice,
    practitioner_id: Uuid,
    span: Interval,
) -> ApiResult<bool> {
    let (from, to) = dates_covering(practice.clock, span.start, span.end);
    let days = Days::load(db, practice, from, to).await?;
    let rules = load_rules(db, &[practitioner_id], Some((from, to)))
        .await?
        .remove(&practitioner_id)
        .unwrap_or_default();
    Ok(compute(&days, &rules)
        .available
        .iter()
        .any(|a| a.contains(&span)))
}

pub fn local_span(tz: Clock, i: &Interval) -> LocalSpan {
    LocalSpan {
        start: tz.local(i.start),
        end: tz.local(i.end),
    }
}

pub fn to_time_off(tz: Clock, (kind, i, label): &(TimeOffKind, Interval, String)) -> TimeOff {
    TimeOff {
        kind: *kind,
        start: tz.local(i.start),
        end: tz.local(i.end),
        label: label.clone(),
    }
}
