//! Slot arithmetic: intervals of time, their union and difference, and the bookable starts an
//! appointment of a given length has within free time.
//!
//! A start `s` is bookable when the appointment `[s, s + length)` lies inside one available
//! interval, the practitioner's time it takes, `[s − buffer before, s + length + buffer after)`,
//! overlaps nothing busy, `s` is not earlier than `not_before`, and `s` falls on the slot grid
//! (every `step` of the practice's wall clock: with a 15-minute step, :00, :15, :30 and :45).

use chrono::{DateTime, Duration, Utc};

/// A half-open interval `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Interval {
        Interval { start, end }
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Sorts intervals and merges those that overlap or touch; drops empty ones.
pub fn normalize(mut v: Vec<Interval>) -> Vec<Interval> {
    v.retain(|i| !i.is_empty());
    v.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// `a` less `b`; both normalised. The result is normalised.
pub fn subtract(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut j = 0;
    for &i in a {
        let mut start = i.start;
        while j < b.len() && b[j].end <= start {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].start < i.end {
            if b[k].start > start {
                out.push(Interval::new(start, b[k].start));
            }
            start = start.max(b[k].end);
            k += 1;
        }
        if start < i.end {
            out.push(Interval::new(start, i.end));
        }
    }
    out
}

/// What an appointment needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub length: Duration,
    pub before: Duration,
    pub after: Duration,
    /// The slot grid's spacing.
    pub step: Duration,
}

/// The first grid point at or after `t`. The grid is every `step` of the local wall clock, whose
/// offset from UTC at `t` is `offset` seconds.
pub fn grid_at_or_after(t: DateTime<Utc>, step: Duration, offset: i64) -> DateTime<Utc> {
    let step = step.num_seconds().max(1);
    // Sub-second parts round up to the next whole second.
    let base = t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0);
    let rem = (base + offset).rem_euclid(step);
    let next = if rem == 0 { base } else { base + step - rem };
    DateTime::from_timestamp(next, 0).unwrap_or(t)
}

/// Bookable starts, in order. `available` and `busy` must be normalised; `offset` gives the
/// practice's UTC offset (seconds) at an instant, for the grid.
pub fn starts(
    available: &[Interval],
    busy: &[Interval],
    need: Need,
    not_before: DateTime<Utc>,
    offset: impl Fn(DateTime<Utc>) -> i64,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut b = 0;
    for a in available {
        let from = a.start.max(not_before);
        let mut s = grid_at_or_after(from, need.step, offset(from));
        while s + need.length <= a.end {
            let taken = Interval::new(s - need.before, s + need.length + need.after);
            // Busy intervals that end before this one's time starts can never matter again:
            // later starts only take later time.
            while b < busy.len() && busy[b].end <= taken.start {
                b += 1;
            }
            match busy.get(b) {
                Some(x) if x.start < taken.end => {
                    // Jump to the first grid point whose time starts after this busy interval.
                    let resume = x.end + need.before;
                    s = grid_at_or_after(resume, need.step, offset(resume));
                }
                _ => {
                    out.push(s);
                    s += need.step;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 - 1_800_000_000 % 86_400 + minute * 60, 0).unwrap()
    }

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(t(a), t(b))
    }

    fn need(length: i64, before: i64, after: i64, step: i64) -> Need {
        Need {
            length: Duration::minutes(length),
            before: Duration::minutes(before),
            after: Duration::minutes(after),
            step: Duration::minutes(step),
        }
    }

    #[test]
    fn merging_and_subtracting() {
        let a = normalize(vec![
            iv(60, 120),
            iv(0, 30),
            iv(30, 45),
            iv(100, 130),
            iv(5, 5),
        ]);
        assert_eq!(a, vec![iv(0, 45), iv(60, 130)]);
        let b = normalize(vec![iv(10, 20), iv(40, 70), iv(125, 200)]);
        assert_eq!(subtract(&a, &b), vec![iv(0, 10), iv(20, 40), iv(70, 125)]);
        assert_eq!(subtract(&a, &[]), a);
        assert!(subtract(&a, &[iv(-10, 500)]).is_empty());
    }

    #[test]
    fn a_working_morning_with_one_booking() {
        // 09:00–12:00, a booking 10:00–10:30 with a 10-minute buffer after it already included
        // in its busy time (10:00–10:40). A 30-minute appointment, 15-minute grid, 5-minute
        // buffers either side.
        let avail = vec![iv(9 * 60, 12 * 60)];
        let busy = vec![iv(10 * 60, 10 * 60 + 40)];
        let s = starts(&avail, &busy, need(30, 5, 5, 15), t(0), |_| 0);
        let minutes: Vec<i64> = s.iter().map(|x| (*x - t(0)).num_minutes()).collect();
        // 09:00 (its time 08:55–09:35), 09:15 (…–09:50); 09:30 would end its buffer at 10:05.
        // After the booking: first start whose buffer begins at or after 10:40 is 10:45.
        assert_eq!(minutes, vec![540, 555, 645, 660, 675, 690]);
    }

    #[test]
    fn the_grid_follows_the_local_clock() {
        // Adelaide is UTC+10:30: 20-minute slots at local :00, :20, :40.
        let offset = 10 * 3600 + 1800;
        let g = grid_at_or_after(t(7), Duration::minutes(20), offset);
        assert_eq!(((g.timestamp() + offset) / 60) % 20, 0);
        assert!(g >= t(7) && g - t(7) < Duration::minutes(20));
    }

    proptest! {
        /// Every start returned is bookable, and every bookable grid point is returned.
        #[test]
        fn slots_are_exactly_the_bookable_grid_points(
            avail in prop::collection::vec((0i64..1440, 1i64..300), 0..5),
            busy in prop::collection::vec((0i64..1440, 1i64..120), 0..8),
            length in 1i64..=12,
            before in 0i64..=4,
            after in 0i64..=4,
            step in prop::sample::select(vec![5i64, 10, 15, 20, 30, 60]),
            not_before in 0i64..1440,
            offset_minutes in prop::sample::select(vec![0i64, 570, 600, 660, -300]),
        ) {
            let length = length * 5;
            let (before, after) = (before * 5, after * 5);
            let available = normalize(avail.iter().map(|&(s, d)| iv(s, s + d)).collect());
            let busy = normalize(busy.iter().map(|&(s, d)| iv(s, s + d)).collect());
            let offset = offset_minutes * 60;
            let n = need(length, before, after, step);
            let got = starts(&available, &busy, n, t(not_before), |_| offset);

            let bookable = |s: DateTime<Utc>| {
                let appointment = Interval::new(s, s + n.length);
                let taken = Interval::new(s - n.before, s + n.length + n.after);
                s >= t(not_before)
                    && available.iter().any(|a| a.contains(&appointment))
                    && !busy.iter().any(|b| b.overlaps(&taken))
            };
            for s in &got {
                prop_assert!(bookable(*s), "returned {s} is not bookable");
                prop_assert_eq!((s.timestamp() + offset).rem_euclid(step * 60), 0);
            }
            prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "starts are ordered");
            // The oracle: every grid point of the day and a bit, checked one by one.
            let mut expected = Vec::new();
            let mut s = grid_at_or_after(t(-300), n.step, offset);
            while s < t(2000) {
                if bookable(s) {
                    expected.push(s);
                }
                s += n.step;
            }
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn subtraction_leaves_no_overlap_and_loses_nothing_else(
            a in prop::collection::vec((0i64..500, 1i64..100), 0..6),
            b in prop::collection::vec((0i64..500, 1i64..100), 0..6),
        ) {
            let a = normalize(a.iter().map(|&(s, d)| iv(s, s + d)).collect());
            let b = normalize(b.iter().map(|&(s, d)| iv(s, s + d)).collect());
            let d = subtract(&a, &b);
            for m in 0..700 {
                let point = iv(m, m + 1);
                let in_a = a.iter().any(|x| x.contains(&point));
                let in_b = b.iter().any(|x| x.overlaps(&point));
                let in_d = d.iter().any(|x| x.contains(&point));
                prop_assert_eq!(in_d, in_a && !in_b, "minute {}", m);
            }
            prop_assert_eq!(normalize(d.clone()), d);
        }
    }
}
