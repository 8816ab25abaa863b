//! Public holidays of each Australian state and territory, computed for any year: fixed dates,
//! Easter (the Gregorian computus), "the nth Monday of" rules, and the substitute or additional
//! days given when a holiday falls on a weekend.
//!
//! The rules follow each jurisdiction's public holidays legislation as in force in 2026. Regional
//! or part-day holidays (the Royal Hobart Regatta, the Royal Queensland Show, Christmas Eve and
//! New Year's Eve evenings in South Australia and the Northern Territory) and holidays proclaimed
//! year by year without a fixed rule (Victoria's AFL Grand Final Friday) are not included.

use api_types::scheduling::{Holiday, HolidayRegion};
use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Easter Sunday (anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as u32, day as u32)
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The `n`th (1-based) `weekday` of a month.
fn nth(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n).unwrap_or(NaiveDate::MIN)
}

/// The last `weekday` of a month.
fn last(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let next_month = if month == 12 {
        date(year + 1, 1, 1)
    } else {
        date(year, month + 1, 1)
    };
    let mut d = next_month - Duration::days(1);
    while d.weekday() != weekday {
        d -= Duration::days(1);
    }
    d
}

fn next_monday(d: NaiveDate) -> NaiveDate {
    let mut d = d;
    while d.weekday() != Weekday::Mon {
        d += Duration::days(1);
    }
    d
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[derive(Default)]
struct List(Vec<Holiday>);

impl List {
    fn add(&mut self, d: NaiveDate, name: &str) {
        self.0.push(Holiday {
            date: d,
            name: name.to_owned(),
            substitute: false,
        });
    }

    fn substitute(&mut self, d: NaiveDate, name: &str) {
        self.0.push(Holiday {
            date: d,
            name: format!("{name} (additional day)"),
            substitute: true,
        });
    }

    /// The day itself, and the next Monday when it falls on a weekend.
    fn with_monday(&mut self, d: NaiveDate, name: &str) {
        self.add(d, name);
        if is_weekend(d) {
            self.substitute(next_monday(d), name);
        }
    }

    /// The day itself, and the next Monday when it falls on a Sunday.
    fn with_monday_if_sunday(&mut self, d: NaiveDate, name: &str) {
        self.add(d, name);
        if d.weekday() == Weekday::Sun {
            self.substitute(d + Duration::days(1), name);
        }
    }
}

/// Christmas and Boxing Day (Proclamation Day in South Australia), with the additional days
/// every jurisdiction gives when they fall on a weekend: the next weekdays after the pair.
fn christmas(l: &mut List, year: i32, boxing_name: &str) {
    let christmas = date(year, 12, 25);
    let boxing = date(year, 12, 26);
    l.add(christmas, "Christmas Day");
    l.add(boxing, boxing_name);
    match christmas.weekday() {
        // Sat + Sun: Monday for Christmas, Tuesday for Boxing Day.
        Weekday::Sat => {
            l.substitute(date(year, 12, 27), "Christmas Day");
            l.substitute(date(year, 12, 28), boxing_name);
        }
        // Sun + Mon: Tuesday for Christmas.
        Weekday::Sun => l.substitute(date(year, 12, 27), "Christmas Day"),
        // Fri + Sat: Monday for Boxing Day.
        Weekday::Fri => l.substitute(date(year, 12, 28), boxing_name),
        _ => {}
    }
}

/// The public holidays of `region` in `year`, in date order.
pub fn for_year(region: HolidayRegion, year: i32) -> Vec<Holiday> {
    use HolidayRegion as R;
    let mut l = List::default();
    if region == R::None {
        return Vec::new();
    }
    let easter = easter_sunday(year);
    let good_friday = easter - Duration::days(2);
    let easter_saturday = easter - Duration::days(1);
    let easter_monday = easter + Duration::days(1);

    l.with_monday(date(year, 1, 1), "New Year's Day");
    l.with_monday(date(year, 1, 26), "Australia Day");
    l.add(good_friday, "Good Friday");
    if matches!(region, R::Nsw | R::Vic | R::Qld | R::Sa | R::Act | R::Nt) {
        l.add(easter_saturday, "Easter Saturday");
    }
    let easter_sunday_observed = match region {
        R::Nsw | R::Vic | R::Qld | R::Act => true,
        R::Wa => year >= 2022,
        R::Sa => year >= 2024,
        _ => false,
    };
    if easter_sunday_observed {
        l.add(easter, "Easter Sunday");
    }
    l.add(easter_monday, "Easter Monday");

    let anzac = date(year, 4, 25);
    match region {
        // No substitute day.
        R::Nsw | R::Vic | R::Tas => l.add(anzac, "Anzac Day"),
        R::Wa | R::Act => l.with_monday(anzac, "Anzac Day"),
        R::Qld | R::Sa | R::Nt => l.with_monday_if_sunday(anzac, "Anzac Day"),
        R::None => {}
    }

    match region {
        R::Qld => l.add(nth(year, 10, Weekday::Mon, 1), "King's Birthday"),
        R::Wa => l.add(last(year, 9, Weekday::Mon), "King's Birthday"),
        _ => l.add(nth(year, 6, Weekday::Mon, 2), "King's Birthday"),
    }

    match region {
        R::Nsw | R::Act | R::Sa => l.add(nth(year, 10, Weekday::Mon, 1), "Labour Day"),
        R::Vic => l.add(nth(year, 3, Weekday::Mon, 2), "Labour Day"),
        R::Qld => l.add(nth(year, 5, Weekday::Mon, 1), "Labour Day"),
        R::Wa => l.add(nth(year, 3, Weekday::Mon, 1), "Labour Day"),
        R::Tas => l.add(nth(year, 3, Weekday::Mon, 2), "Eight Hours Day"),
        R::Nt => l.add(nth(year, 5, Weekday::Mon, 1), "May Day"),
        R::None => {}
    }

    match region {
        R::Vic => l.add(nth(year, 11, Weekday::Tue, 1), "Melbourne Cup"),
        R::Act => {
            l.add(nth(year, 3, Weekday::Mon, 2), "Canberra Day");
            if year >= 2018 {
                l.add(next_monday(date(year, 5, 27)), "Reconciliation Day");
            }
        }
        R::Sa => l.add(nth(year, 3, Weekday::Mon, 2), "Adelaide Cup Day"),
        R::Wa => l.add(nth(year, 6, Weekday::Mon, 1), "Western Australia Day"),
        R::Nt => l.add(nth(year, 8, Weekday::Mon, 1), "Picnic Day"),
        R::Tas | R::Nsw | R::Qld | R::None => {}
    }
    christmas(
        &mut l,
        year,
        if region == R::Sa {
            "Proclamation Day"
        } else {
            "Boxing Day"
        },
    );
    let mut list = l.0;
    list.sort_by(|a, b| a.date.cmp(&b.date).then(a.substitute.cmp(&b.substitute)));
    list
}

/// The holidays of `region` from `from` to `to`, inclusive.
pub fn between(region: HolidayRegion, from: NaiveDate, to: NaiveDate) -> Vec<Holiday> {
    (from.year()..=to.year())
        .flat_map(|y| for_year(region, y))
        .filter(|h| h.date >= from && h.date <= to)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(region: HolidayRegion, year: i32) -> Vec<String> {
        for_year(region, year)
            .into_iter()
            .map(|h| h.date.format("%m-%d").to_string())
            .collect()
    }

    #[test]
    fn easter_matches_known_dates() {
        for (year, month, day) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), date(year, month, day), "{year}");
        }
    }

    #[test]
    fn new_south_wales_2026_as_published() {
        // NSW Government: 1 Jan, 26 Jan, 3–6 Apr, 25 Apr (a Saturday, no substitute), 8 Jun,
        // 5 Oct, 25 Dec, 26 Dec (a Saturday) and Monday 28 Dec.
        assert_eq!(
            dates(HolidayRegion::Nsw, 2026),
            [
                "01-01", "01-26", "04-03", "04-04", "04-05", "04-06", "04-25", "06-08", "10-05",
                "12-25", "12-26", "12-28"
            ]
        );
    }

    #[test]
    fn christmas_on_a_saturday_gives_monday_and_tuesday() {
        // 2027: Christmas Saturday, Boxing Day Sunday.
        let nsw = dates(HolidayRegion::Nsw, 2027);
        for d in ["12-25", "12-26", "12-27", "12-28"] {
            assert!(nsw.contains(&d.to_owned()), "{d} in {nsw:?}");
        }
        // 2022: Christmas Sunday, Boxing Day Monday, Christmas observed Tuesday.
        let vic = dates(HolidayRegion::Vic, 2022);
        assert!(vic.contains(&"12-27".to_owned()));
        assert!(!vic.contains(&"12-28".to_owned()));
    }

    #[test]
    fn weekend_new_year_and_australia_day_move_to_monday() {
        // 2028: 1 January is a Saturday; 26 January 2025 was a Sunday.
        assert!(dates(HolidayRegion::Qld, 2028).contains(&"01-03".to_owned()));
        assert!(dates(HolidayRegion::Wa, 2025).contains(&"01-27".to_owned()));
    }

    #[test]
    fn anzac_day_substitutes_differ_by_state() {
        // 2027: Anzac Day is a Sunday.
        assert!(!dates(HolidayRegion::Nsw, 2027).contains(&"04-26".to_owned()));
        assert!(dates(HolidayRegion::Wa, 2027).contains(&"04-26".to_owned()));
        assert!(dates(HolidayRegion::Qld, 2027).contains(&"04-26".to_owned()));
        // 2026: a Saturday; only WA and the ACT add the Monday.
        assert!(dates(HolidayRegion::Act, 2026).contains(&"04-27".to_owned()));
        assert!(!dates(HolidayRegion::Qld, 2026).contains(&"04-27".to_owned()));
    }

    #[test]
    fn state_holidays() {
        assert!(dates(HolidayRegion::Vic, 2026).contains(&"11-03".to_owned())); // Melbourne Cup
        assert!(dates(HolidayRegion::Vic, 2026).contains(&"03-09".to_owned())); // Labour Day
        assert!(dates(HolidayRegion::Qld, 2026).contains(&"10-05".to_owned())); // King's Birthday
        assert!(dates(HolidayRegion::Qld, 2026).contains(&"05-04".to_owned())); // Labour Day
        assert!(dates(HolidayRegion::Wa, 2026).contains(&"09-28".to_owned())); // King's Birthday
        assert!(dates(HolidayRegion::Wa, 2026).contains(&"06-01".to_owned())); // WA Day
        assert!(dates(HolidayRegion::Act, 2026).contains(&"06-01".to_owned())); // Reconciliation
        assert!(dates(HolidayRegion::Act, 2026).contains(&"03-09".to_owned())); // Canberra Day
        assert!(dates(HolidayRegion::Nt, 2026).contains(&"08-03".to_owned())); // Picnic Day
        assert!(!dates(HolidayRegion::Tas, 2026).contains(&"04-04".to_owned())); // no Easter Sat
        assert!(for_year(HolidayRegion::None, 2026).is_empty());
    }

    #[test]
    fn between_spans_years() {
        let h = between(HolidayRegion::Nsw, date(2026, 12, 20), date(2027, 1, 31));
        let names: Vec<_> = h.iter().map(|h| h.date.to_string()).collect();
        assert_eq!(
            names,
            [
                "2026-12-25",
                "2026-12-26",
                "2026-12-28",
                "2027-01-01",
                "2027-01-26"
            ]
        );
    }
}
