//! Reading observations back: chart series downsampled on the server, the latest reading of each
//! metric, trends, and CSV export.
//!
//! A chart asks for at most `max_points`. When a range holds more readings than that, they are
//! summarised into equal time buckets (mean, minimum, maximum, count). Long ranges are answered
//! from the hourly or daily roll-ups written at ingest, so a year of minute-level heart rate
//! reads a few hundred roll-up rows rather than half a million readings.
//!
//! Every bucket holds exactly the readings whose time falls in it, whatever the range. With
//! roll-ups the buckets' edges fall on the roll-ups' own edges, so each whole roll-up lies in one
//! bucket; the partial days at the ends of the range are made of whole hours, and only the
//! partial hours at the very ends are read as readings.

use std::ops::Range;

use api_types::health::{
    Judgement, LatestObservation, Metric, ObservationQuery, Series, SeriesPoint, TargetRange,
    Trend, DEFAULT_MAX_POINTS, MAX_MAX_POINTS,
};
use chrono::{DateTime, Duration, TimeDelta, Utc};
use entity::health::{observation, observation_rollup, observation_source};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ingest::{Granularity, DAILY, DAY, HOURLY};
use crate::platform::{ApiError, ApiResult};

/// Default range when a chart gives none: the last 30 days.
const DEFAULT_DAYS: i64 = 30;

/// The range, metric and point budget of a query, checked.
pub struct Window {
    pub metric: &'static Metric,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub max_points: u32,
}

pub fn window(q: &ObservationQuery) -> ApiResult<Window> {
    let metric = Metric::by_code(&q.metric).ok_or_else(|| {
        ApiError::field(
            "metric",
            "unknown_metric",
            "Choose a metric from the catalogue.",
        )
    })?;
    let to = q.to.unwrap_or_else(Utc::now);
    let from = q.from.unwrap_or(to - Duration::days(DEFAULT_DAYS));
    if from >= to {
        return Err(ApiError::field(
            "from",
            "out_of_range",
            "`from` must be before `to`.",
        ));
    }
    let max_points = q.max_points.unwrap_or(DEFAULT_MAX_POINTS);
    if max_points == 0 || max_points > MAX_MAX_POINTS {
        return Err(ApiError::field(
            "max_points",
            "out_of_range",
            format!("Ask for between 1 and {MAX_MAX_POINTS} points."),
        ));
    }
    Ok(Window {
        metric,
        from,
        to,
        max_points,
    })
}

/// The ids of a patient's sources that match a filter: `manual`, `device`, or a vendor.
async fn sources_matching(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    filter: &str,
) -> ApiResult<Vec<Uuid>> {
    let mut find = observation_source::Entity::find()
        .filter(observation_source::Column::PatientId.eq(patient_id));
    find = match filter.trim().to_lowercase().as_str() {
        "manual" => find.filter(observation_source::Column::Kind.eq(0)),
        "device" => find.filter(observation_source::Column::Kind.eq(1)),
        vendor => find.filter(observation_source::Column::Vendor.eq(vendor)),
    };
    Ok(find.all(db).await?.into_iter().map(|s| s.id).collect())
}

/// A metric's readings in `span`, oldest first, at most `limit` of them.
async fn readings(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    metric: i16,
    span: &Range<DateTime<Utc>>,
    sources: Option<&[Uuid]>,
    limit: Option<u64>,
) -> ApiResult<Vec<(DateTime<Utc>, f64)>> {
    let mut find = observation::Entity::find()
        .select_only()
        .column(observation::Column::EffectiveAt)
        .column(observation::Column::Value)
        .filter(observation::Column::PatientId.eq(patient_id))
        .filter(observation::Column::Metric.eq(metric))
        .filter(observation::Column::EffectiveAt.gte(span.start))
        .filter(observation::Column::EffectiveAt.lt(span.end));
    if let Some(ids) = sources {
        find = find.filter(observation::Column::SourceId.is_in(ids.iter().copied()));
    }
    find = find.order_by_asc(observation::Column::EffectiveAt);
    if let Some(n) = limit {
        find = find.limit(n);
    }
    Ok(find.into_tuple::<(DateTime<Utc>, f64)>().all(db).await?)
}

/// A metric's roll-ups of granularity `g` that start in `span`.
async fn rollups(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    metric: i16,
    g: Granularity,
    span: &Range<DateTime<Utc>>,
) -> ApiResult<Vec<(DateTime<Utc>, Bucket)>> {
    use observation_rollup::Column as C;
    let rows: Vec<(DateTime<Utc>, i64, f64, f64, f64)> = observation_rollup::Entity::find()
        .select_only()
        .column(C::BucketStart)
        .column(C::Count)
        .column(C::Sum)
        .column(C::Min)
        .column(C::Max)
        .filter(C::PatientId.eq(patient_id))
        .filter(C::Metric.eq(metric))
        .filter(C::Granularity.eq(g.code))
        .filter(C::BucketStart.gte(span.start))
        .filter(C::BucketStart.lt(span.end))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(t, count, sum, min, max)| {
            (
                t,
                Bucket {
                    count,
                    sum,
                    min,
                    max,
                },
            )
        })
        .collect())
}

/// One bucket's summary while it is being built.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    count: i64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Bucket {
    fn reading(value: f64) -> Bucket {
        Bucket {
            count: 1,
            sum: value,
            min: value,
            max: value,
        }
    }

    fn add(&mut self, other: Bucket) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// The worst judgement of a bucket, from its extremes.
fn judge_extremes(target: Option<&TargetRange>, min: f64, max: f64) -> Judgement {
    match target {
        None => Judgement::NoTarget,
        Some(t) => {
            let (a, b) = (t.judge(min), t.judge(max));
            if a == Judgement::Critical || b == Judgement::Critical {
                Judgement::Critical
            } else if a == Judgement::OutOfRange || b == Judgement::OutOfRange {
                Judgement::OutOfRange
            } else {
                Judgement::InRange
            }
        }
    }
}

/// Roll-up granularities, coarsest first.
const ROLLUPS: [Granularity; 2] = [DAILY, HOURLY];

/// How a downsampled series is laid out and read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    /// Bucket `i` holds the readings in `[edges[i], edges[i + 1])`: the first edge is the start of
    /// the range and the last its end.
    edges: Vec<DateTime<Utc>>,
    /// The width of every bucket but the first and the last, which the range may cut short.
    width: i64,
    /// Read from roll-ups: for each granularity, the whole buckets that start in its span.
    rolled: Vec<(Granularity, Range<DateTime<Utc>>)>,
    /// Read from the readings themselves: what no whole roll-up covers.
    raw: Vec<Range<DateTime<Utc>>>,
}

/// Lays out at most `max_points` buckets over `[from, to)`, and says where each part of the range
/// is read from. Roll-ups are used when `rollups` allows (they do not know sources) and the
/// buckets are wide enough.
fn plan(from: DateTime<Utc>, to: DateTime<Utc>, max_points: u32, rollups: bool) -> Plan {
    let points = i64::from(max_points.max(1));
    let width = div_ceil(seconds_up(to - from), points);
    // The coarsest roll-up that still gives at least half the points asked for: a year in 500
    // points reads 365 daily rows rather than 8,760 hourly ones.
    let levels = ROLLUPS
        .iter()
        .position(|g| rollups && width * 2 >= g.seconds)
        .map_or(&[][..], |i| &ROLLUPS[i..]);
    let Some(&coarsest) = levels.first() else {
        return Plan {
            edges: edges(from, to, from, width),
            width,
            rolled: Vec::new(),
            raw: vec![from..to],
        };
    };
    // Edges on the roll-up's own grid: no roll-up then straddles two buckets, and only the first
    // and last buckets can be partial.
    let anchor = coarsest.floor(from);
    let width = coarsest.seconds * div_ceil(seconds_up(to - anchor), points * coarsest.seconds);
    let mut plan = Plan {
        edges: edges(from, to, anchor, width),
        width,
        rolled: Vec::new(),
        raw: Vec::new(),
    };
    plan.cover(from..to, levels);
    plan
}

impl Plan {
    /// Covers `span` with the whole roll-ups of the first level that fit, and the pieces left at
    /// either end with the finer levels, down to single readings.
    fn cover(&mut self, span: Range<DateTime<Utc>>, levels: &[Granularity]) {
        if span.is_empty() {
            return;
        }
        let Some((&g, finer)) = levels.split_first() else {
            self.raw.push(span);
            return;
        };
        let (start, end) = (g.ceil(span.start), g.floor(span.end));
        if start < end {
            self.cover(span.start..start, finer);
            self.rolled.push((g, start..end));
            self.cover(end..span.end, finer);
        } else {
            self.cover(span, finer);
        }
    }
}

/// The edges of `width`-second buckets counted from `anchor`, cut to `[from, to)`. `anchor` is at
/// most one width before `from`.
fn edges(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    anchor: DateTime<Utc>,
    width: i64,
) -> Vec<DateTime<Utc>> {
    let mut edges = vec![from];
    if let Some(step) = TimeDelta::try_seconds(width) {
        let mut next = anchor.checked_add_signed(step);
        while let Some(edge) = next.filter(|e| *e < to) {
            edges.push(edge);
            next = edge.checked_add_signed(step);
        }
    }
    edges.push(to);
    edges
}

/// A duration in seconds, a part second counting as one.
fn seconds_up(d: TimeDelta) -> i64 {
    d.num_seconds() + i64::from(d.subsec_nanos() > 0)
}

/// `n / d` rounded up, for positive `d`; at least 1.
fn div_ceil(n: i64, d: i64) -> i64 {
    (n.max(1) + d - 1) / d
}

/// Adds rows (single readings or whole roll-ups, by their start) into the buckets of `edges`.
fn compose(
    edges: &[DateTime<Utc>],
    rows: impl IntoIterator<Item = (DateTime<Utc>, Bucket)>,
    target: Option<&TargetRange>,
) -> Vec<SeriesPoint> {
    let mut buckets: Vec<Option<Bucket>> = vec![None; edges.len().saturating_sub(1)];
    for (t, b) in rows {
        let Some(slot) = edges
            .partition_point(|e| *e <= t)
            .checked_sub(1)
            .and_then(|i| buckets.get_mut(i))
        else {
            continue;
        };
        match slot {
            Some(x) => x.add(b),
            None => *slot = Some(b),
        }
    }
    edges
        .iter()
        .zip(buckets)
        .filter_map(|(start, b)| b.filter(|b| b.count > 0).map(|b| (*start, b)))
        .map(|(t, b)| SeriesPoint {
            t,
            value: b.sum / b.count as f64,
            min: Some(b.min),
            max: Some(b.max),
            count: Some(u32::try_from(b.count).unwrap_or(u32::MAX)),
            judgement: judge_extremes(target, b.min, b.max),
        })
        .collect()
}

/// A chart series for one patient.
pub async fn series(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    q: &ObservationQuery,
    target: Option<TargetRange>,
) -> ApiResult<Series> {
    let w = window(q)?;
    let sources = match q.source.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(filter) => Some(sources_matching(db, patient_id, filter).await?),
        None => None,
    };
    let mut out = Series {
        metric: w.metric.code.to_owned(),
        unit: w.metric.unit.to_owned(),
        from: w.from,
        to: w.to,
        downsampled: false,
        bucket_seconds: None,
        points: Vec::new(),
        target,
    };
    if sources.as_ref().is_some_and(Vec::is_empty) {
        return Ok(out);
    }
    let budget = u64::from(w.max_points);
    let first = readings(
        db,
        patient_id,
        w.metric.id,
        &(w.from..w.to),
        sources.as_deref(),
        Some(budget + 1),
    )
    .await?;
    if first.len() as u64 <= budget {
        out.points = first
            .into_iter()
            .map(|(t, value)| SeriesPoint {
                t,
                value,
                min: None,
                max: None,
                count: None,
                judgement: out
                    .target
                    .as_ref()
                    .map_or(Judgement::NoTarget, |r| r.judge(value)),
            })
            .collect();
        return Ok(out);
    }
    let plan = plan(w.from, w.to, w.max_points, sources.is_none());
    // One query per span: given their union in one query, SQLite scans every reading of the
    // metric rather than the spans.
    let mut rows = Vec::new();
    for (g, span) in &plan.rolled {
        rows.extend(rollups(db, patient_id, w.metric.id, *g, span).await?);
    }
    for span in &plan.raw {
        let raw = readings(db, patient_id, w.metric.id, span, sources.as_deref(), None).await?;
        rows.extend(raw.into_iter().map(|(t, v)| (t, Bucket::reading(v))));
    }
    out.points = compose(&plan.edges, rows, out.target.as_ref());
    out.downsampled = true;
    out.bucket_seconds = u32::try_from(plan.width).ok();
    Ok(out)
}

/// The newest reading of every metric the patient has, judged against their ranges.
pub async fn latest(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    ranges: &[TargetRange],
) -> ApiResult<Vec<LatestObservation>> {
    // The daily roll-ups say which metrics have data, without scanning every reading.
    let metrics: Vec<i16> = observation_rollup::Entity::find()
        .select_only()
        .column(observation_rollup::Column::Metric)
        .filter(observation_rollup::Column::PatientId.eq(patient_id))
        .filter(observation_rollup::Column::Granularity.eq(DAY))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut out = Vec::new();
    for id in metrics {
        let Some(metric) = Metric::by_id(id) else {
            continue;
        };
        let row: Option<(DateTime<Utc>, f64)> = observation::Entity::find()
            .select_only()
            .column(observation::Column::EffectiveAt)
            .column(observation::Column::Value)
            .filter(observation::Column::PatientId.eq(patient_id))
            .filter(observation::Column::Metric.eq(id))
            .order_by_desc(observation::Column::EffectiveAt)
            .into_tuple()
            .one(db)
            .await?;
        if let Some((effective_at, value)) = row {
            out.push(LatestObservation {
                metric: metric.code.to_owned(),
                value,
                effective_at,
                judgement: super::ingest::judge(ranges, metric, value),
            });
        }
    }
    out.sort_by_key(|l| Metric::by_code(&l.metric).map_or(i16::MAX, |m| m.id));
    Ok(out)
}

/// Averages and slope from the daily roll-ups.
pub async fn trend(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    metric: &Metric,
) -> ApiResult<Trend> {
    let now = Utc::now();
    let days: Vec<(DateTime<Utc>, i64, f64)> = observation_rollup::Entity::find()
        .select_only()
        .column(observation_rollup::Column::BucketStart)
        .column(observation_rollup::Column::Count)
        .column(observation_rollup::Column::Sum)
        .filter(observation_rollup::Column::PatientId.eq(patient_id))
        .filter(observation_rollup::Column::Metric.eq(metric.id))
        .filter(observation_rollup::Column::Granularity.eq(DAY))
        .filter(observation_rollup::Column::BucketStart.gte(now - Duration::days(120)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(compute_trend(metric, now, &days))
}

/// The arithmetic of a trend, over daily (start, count, sum) rows.
pub fn compute_trend(
    metric: &Metric,
    now: DateTime<Utc>,
    days: &[(DateTime<Utc>, i64, f64)],
) -> Trend {
    let mean_since = |from: DateTime<Utc>, to: DateTime<Utc>| {
        let (n, s) = days
            .iter()
            .filter(|(t, _, _)| *t >= from && *t < to)
            .fold((0_i64, 0.0), |(n, s), (_, c, sum)| (n + c, s + sum));
        (n > 0).then(|| s / n as f64)
    };
    let average_7d = mean_since(now - Duration::days(7), now + Duration::days(1));
    let average_30d = mean_since(now - Duration::days(30), now + Duration::days(1));
    let baseline = mean_since(now - Duration::days(120), now - Duration::days(30));
    let readings_30d = days
        .iter()
        .filter(|(t, _, _)| *t >= now - Duration::days(30))
        .map(|(_, c, _)| u64::try_from(*c).unwrap_or(0))
        .sum();
    // Least squares over the last 28 days' daily means, x in days.
    let points: Vec<(f64, f64)> = days
        .iter()
        .filter(|(t, c, _)| *t >= now - Duration::days(28) && *c > 0)
        .map(|(t, c, s)| ((*t - now).num_seconds() as f64 / 86_400.0, s / *c as f64))
        .collect();
    let weekly_slope = (points.len() >= 3).then(|| {
        let n = points.len() as f64;
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if sxx == 0.0 {
            0.0
        } else {
            sxy / sxx * 7.0
        }
    });
    Trend {
        metric: metric.code.to_owned(),
        average_7d,
        average_30d,
        baseline,
        change_from_baseline: average_7d.zip(baseline).map(|(a, b)| a - b),
        weekly_slope,
        readings_30d,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::super::ingest;
    use super::*;

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
}
