//! The series layout checked: composed buckets keep counts, means and extremes; long ranges are
//! read mostly from roll-ups; and, against a brute-force oracle, every bucket holds exactly the
//! readings whose time falls in it. And a trend's slope.

use std::collections::BTreeMap;
use std::ops::Range;

use api_types::health::{Judgement, Metric, SeriesPoint, MAX_MAX_POINTS};
use chrono::{DateTime, Duration, TimeDelta, Utc};
use proptest::prelude::*;

use super::super::ingest::{self, DAILY, HOURLY};
use super::buckets::{compose, plan, seconds_up, Bucket};
use super::trend::compute_trend;

fn metric() -> &'static Metric {
    Metric::by_code("weight").unwrap_or(&api_types::health::METRICS[0])
}

fn time(iso: &str) -> DateTime<Utc> {
    iso.parse().unwrap()
}

#[test]
fn composing_keeps_counts_means_and_extremes() {
    let from = DateTime::<Utc>::from_timestamp(0, 0).unwrap();
    let edges = [0, 300, 600].map(|s| from + Duration::seconds(s));
    let rows = (0..10).map(|i| {
        (
            from + Duration::seconds(i64::from(i) * 60),
            Bucket::reading(f64::from(i)),
        )
    });
    let points = compose(&edges, rows, None);
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].count, Some(5));
    assert_eq!(points[0].value, 2.0);
    assert_eq!((points[1].min, points[1].max), (Some(5.0), Some(9.0)));
}

#[test]
fn a_year_from_mid_hour_reads_days_then_hours_and_only_the_minutes_at_its_ends() {
    let (from, to) = (time("2024-03-04T10:17:23Z"), time("2025-03-04T19:42:51Z"));
    let p = plan(from, to, 500, true);
    assert_eq!(p.width, 86_400);
    // A partial first day, 364 whole ones, and a partial last day.
    assert_eq!(p.edges.len(), 367);
    assert_eq!(
        &p.edges[..3],
        &[
            from,
            time("2024-03-05T00:00:00Z"),
            time("2024-03-06T00:00:00Z")
        ]
    );
    assert_eq!(&p.edges[365..], &[time("2025-03-04T00:00:00Z"), to]);
    assert_eq!(
        p.rolled,
        vec![
            (
                HOURLY,
                time("2024-03-04T11:00:00Z")..time("2024-03-05T00:00:00Z")
            ),
            (
                DAILY,
                time("2024-03-05T00:00:00Z")..time("2025-03-04T00:00:00Z")
            ),
            (
                HOURLY,
                time("2025-03-04T00:00:00Z")..time("2025-03-04T19:00:00Z")
            ),
        ]
    );
    assert_eq!(
        p.raw,
        vec![
            from..time("2024-03-04T11:00:00Z"),
            time("2025-03-04T19:00:00Z")..to
        ]
    );
}

#[test]
fn a_source_filter_reads_readings_in_equal_buckets_from_the_start() {
    let (from, to) = (time("2024-03-04T10:17:23Z"), time("2024-03-05T10:17:23Z"));
    let p = plan(from, to, 10, false);
    assert_eq!(p.width, 8_640);
    assert_eq!(p.edges.len(), 11);
    assert_eq!(p.edges[1], from + Duration::seconds(8_640));
    assert!(p.rolled.is_empty());
    assert_eq!(p.raw, vec![from..to]);
}

/// 2024-01-01T00:00:00Z.
const BASE: i64 = 1_704_067_200;

/// Ranges from a second to over a year, starting at any second of a month, sometimes with a
/// fraction of a second at either end.
fn ranges() -> impl Strategy<Value = (DateTime<Utc>, DateTime<Utc>)> {
    let nanos = || prop_oneof![3 => Just(0u32), 1 => 1u32..1_000_000_000];
    (
        0i64..31 * 86_400,
        prop_oneof![
            1i64..7_200,
            7_200i64..14 * 86_400,
            14 * 86_400i64..400 * 86_400
        ],
        nanos(),
        nanos(),
    )
        .prop_map(|(start, span, a, b)| {
            let from = DateTime::from_timestamp(BASE + start, a).unwrap();
            let to = DateTime::from_timestamp(BASE + start + span, b).unwrap();
            (from, to)
        })
}

fn point_budgets() -> impl Strategy<Value = u32> {
    prop_oneof![1u32..=12, 1u32..=MAX_MAX_POINTS]
}

/// Readings anywhere around the range, and many close to its ends, where partial hours and
/// days are.
fn readings_around(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    picks: &[(u8, u32, u8)],
) -> Vec<(DateTime<Utc>, f64)> {
    let (from, to) = (from.timestamp(), to.timestamp());
    let (day, hour) = (DAILY.seconds, HOURLY.seconds);
    picks
        .iter()
        .map(|&(kind, x, value)| {
            let x = i64::from(x);
            let t = match kind {
                0 => from - 2 * day + x % (to - from + 4 * day),
                1 => from - 2 * day + x % (4 * day),
                2 => to - 2 * day + x % (4 * day),
                3 => from - 2 * hour + x % (4 * hour),
                _ => to - 2 * hour + x % (4 * hour),
            };
            (DateTime::from_timestamp(t, 0).unwrap(), f64::from(value))
        })
        .collect()
}

proptest! {
    /// Composed from roll-ups and readings as planned, every bucket holds exactly the
    /// readings whose time falls in it: the same count, mean, minimum and maximum as
    /// summarising those readings one by one.
    #[test]
    fn every_bucket_holds_exactly_the_readings_in_its_time(
        (from, to) in ranges(),
        max_points in point_budgets(),
        rollups in any::<bool>(),
        picks in prop::collection::vec((0u8..5, any::<u32>(), 20u8..200), 0..400),
    ) {
        let readings = readings_around(from, to, &picks);
        let p = plan(from, to, max_points, rollups);

        // The roll-ups as ingest writes them, then what the two queries of a plan return.
        let mut stored: BTreeMap<(i16, DateTime<Utc>), Bucket> = BTreeMap::new();
        for &(t, v) in &readings {
            for key in ingest::buckets(t) {
                stored
                    .entry(key)
                    .and_modify(|b| b.add(Bucket::reading(v)))
                    .or_insert(Bucket::reading(v));
            }
        }
        let rolled = stored.iter().filter_map(|(&(code, start), &b)| {
            p.rolled
                .iter()
                .any(|(g, span)| g.code == code && span.contains(&start))
                .then_some((start, b))
        });
        let raw = readings
            .iter()
            .filter(|(t, _)| p.raw.iter().any(|span| span.contains(t)))
            .map(|&(t, v)| (t, Bucket::reading(v)));
        let got = compose(&p.edges, rolled.chain(raw), None);

        let expected: Vec<SeriesPoint> = p
            .edges
            .windows(2)
            .filter_map(|e| {
                let inside: Vec<f64> = readings
                    .iter()
                    .filter(|(t, _)| e[0] <= *t && *t < e[1])
                    .map(|(_, v)| *v)
                    .collect();
                (!inside.is_empty()).then(|| SeriesPoint {
                    t: e[0],
                    value: inside.iter().sum::<f64>() / inside.len() as f64,
                    min: inside.iter().copied().reduce(f64::min),
                    max: inside.iter().copied().reduce(f64::max),
                    count: u32::try_from(inside.len()).ok(),
                    judgement: Judgement::NoTarget,
                })
            })
            .collect();
        prop_assert_eq!(got, expected);
    }

    /// The buckets tile the range within the point budget; roll-ups and readings between
    /// them read each part of the range once; and with roll-ups, at most two hours of
    /// readings are read, whatever the range's length.
    #[test]
    fn buckets_tile_the_range_and_long_ranges_read_mostly_roll_ups(
        (from, to) in ranges(),
        max_points in point_budgets(),
        rollups in any::<bool>(),
    ) {
        let p = plan(from, to, max_points, rollups);
        let n = p.edges.len() - 1;
        prop_assert!(n >= 1 && n <= max_points as usize, "{} buckets", n);
        prop_assert_eq!(p.edges[0], from);
        prop_assert_eq!(p.edges[n], to);
        let width = Duration::seconds(p.width);
        for (i, e) in p.edges.windows(2).enumerate() {
            prop_assert!(e[0] < e[1]);
            if i == 0 || i == n - 1 {
                prop_assert!(e[1] - e[0] <= width);
            } else {
                prop_assert_eq!(e[1] - e[0], width);
            }
        }
        let span = seconds_up(to - from);
        if span >= i64::from(max_points) {
            prop_assert!(2 * (n + 1) >= max_points as usize, "{} buckets", n);
        }

        let mut pieces: Vec<Range<DateTime<Utc>>> = p
            .rolled
            .iter()
            .map(|(_, s)| s.clone())
            .chain(p.raw.iter().cloned())
            .collect();
        pieces.sort_by_key(|s| s.start);
        let mut covered = from;
        for piece in &pieces {
            prop_assert_eq!(piece.start, covered);
            prop_assert!(piece.start < piece.end);
            covered = piece.end;
        }
        prop_assert_eq!(covered, to);
        for (g, s) in &p.rolled {
            prop_assert_eq!(g.floor(s.start), s.start);
            prop_assert_eq!(g.floor(s.end), s.end);
        }

        match p.rolled.iter().map(|(g, _)| *g).max_by_key(|g| g.seconds) {
            None => prop_assert_eq!(&p.raw, &vec![from..to]),
            Some(coarsest) => {
                prop_assert!(rollups);
                prop_assert_eq!(p.width % coarsest.seconds, 0);
                let raw = p
                    .raw
                    .iter()
                    .fold(TimeDelta::zero(), |sum, s| sum + (s.end - s.start));
                prop_assert!(raw < Duration::hours(2), "{} of readings", raw);
                let units: i64 = p
                    .rolled
                    .iter()
                    .map(|(g, s)| (s.end - s.start).num_seconds() / g.seconds)
                    .sum();
                prop_assert!(units <= span / coarsest.seconds + 48, "{} roll-ups", units);
            }
        }
    }
}

#[test]
fn a_steady_rise_has_its_weekly_slope() {
    let now = Utc::now();
    let days: Vec<_> = (0..28)
        .map(|d| (now - Duration::days(27 - d), 1, 70.0 + 0.1 * d as f64))
        .collect();
    let t = compute_trend(metric(), now, &days);
    let slope = t.weekly_slope.unwrap_or_default();
    assert!((slope - 0.7).abs() < 1e-6, "{slope}");
    assert_eq!(t.readings_30d, 28);
    assert!(t.baseline.is_none());
}
