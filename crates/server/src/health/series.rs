//! Reading observations back: chart series downsampled on the server, the latest reading of each
//! metric, trends, and CSV export.
//!
//! A chart asks for at most `max_points`. When a range holds more readings than that, they are
//! summarised into equal time buckets (mean, minimum, maximum, count). Long ranges are answered
//! from the hourly or daily roll-ups written at ingest, so a year of minute-level heart rate
//! reads a few hundred roll-up rows rather than half a million readings.

use std::collections::HashMap;

use api_types::health::{
    Judgement, LatestObservation, Metric, ObservationQuery, Series, SeriesPoint, TargetRange,
    Trend, DEFAULT_MAX_POINTS, MAX_MAX_POINTS,
};
use chrono::{DateTime, Duration, Utc};
use entity::health::{observation, observation_rollup, observation_source};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ingest::{DAY, HOUR};
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

/// Readings in the window, oldest first, at most `limit` of them.
async fn readings(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    w: &Window,
    sources: Option<&[Uuid]>,
    limit: Option<u64>,
) -> ApiResult<Vec<(DateTime<Utc>, f64)>> {
    let mut find = observation::Entity::find()
        .select_only()
        .column(observation::Column::EffectiveAt)
        .column(observation::Column::Value)
        .filter(observation::Column::PatientId.eq(patient_id))
        .filter(observation::Column::Metric.eq(w.metric.id))
        .filter(observation::Column::EffectiveAt.gte(w.from))
        .filter(observation::Column::EffectiveAt.lt(w.to));
    if let Some(ids) = sources {
        find = find.filter(observation::Column::SourceId.is_in(ids.iter().copied()));
    }
    find = find.order_by_asc(observation::Column::EffectiveAt);
    if let Some(n) = limit {
        find = find.limit(n);
    }
    Ok(find.into_tuple::<(DateTime<Utc>, f64)>().all(db).await?)
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

/// Groups pre-summarised rows (single readings, or roll-ups) into `width`-second buckets from
/// `from`.
fn regroup(
    rows: impl Iterator<Item = (DateTime<Utc>, Bucket)>,
    from: DateTime<Utc>,
    width: i64,
    target: Option<&TargetRange>,
) -> Vec<SeriesPoint> {
    let mut buckets: std::collections::BTreeMap<i64, Bucket> = std::collections::BTreeMap::new();
    for (t, b) in rows {
        let index = (t - from).num_seconds().max(0) / width;
        buckets.entry(index).and_modify(|x| x.add(b)).or_insert(b);
    }
    buckets
        .into_iter()
        .filter(|(_, b)| b.count > 0)
        .map(|(index, b)| SeriesPoint {
            t: from + Duration::seconds(index * width),
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
    let first = readings(db, patient_id, &w, sources.as_deref(), Some(budget + 1)).await?;
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
    let span = (w.to - w.from).num_seconds();
    let width = (span + i64::from(w.max_points) - 1) / i64::from(w.max_points);
    let width = width.max(1);
    // The coarsest roll-up that still gives at least half the points asked for: a year in 500
    // points reads 365 daily rows rather than 8,760 hourly ones.
    let granularity = match (&sources, width) {
        (None, w) if w * 2 >= 86_400 => Some(DAY),
        (None, w) if w * 2 >= 3_600 => Some(HOUR),
        _ => None,
    };
    out.points = match granularity {
        Some(g) => {
            let rows: Vec<(DateTime<Utc>, i64, f64, f64, f64)> = observation_rollup::Entity::find()
                .select_only()
                .column(observation_rollup::Column::BucketStart)
                .column(observation_rollup::Column::Count)
                .column(observation_rollup::Column::Sum)
                .column(observation_rollup::Column::Min)
                .column(observation_rollup::Column::Max)
                .filter(observation_rollup::Column::PatientId.eq(patient_id))
                .filter(observation_rollup::Column::Metric.eq(w.metric.id))
                .filter(observation_rollup::Column::Granularity.eq(g))
                .filter(observation_rollup::Column::BucketStart.gte(w.from))
                .filter(observation_rollup::Column::BucketStart.lt(w.to))
                .order_by_asc(observation_rollup::Column::BucketStart)
                .into_tuple()
                .all(db)
                .await?;
            regroup(
                rows.into_iter().map(|(t, count, sum, min, max)| {
                    (
                        t,
                        Bucket {
                            count,
                            sum,
                            min,
                            max,
                        },
                    )
                }),
                w.from,
                width,
                out.target.as_ref(),
            )
        }
        None => {
            let all = readings(db, patient_id, &w, sources.as_deref(), None).await?;
            regroup(
                all.into_iter().map(|(t, v)| {
                    (
                        t,
                        Bucket {
                            count: 1,
                            sum: v,
                            min: v,
                            max: v,
                        },
                    )
                }),
                w.from,
                width,
                out.target.as_ref(),
            )
        }
    };
    out.downsampled = true;
    out.bucket_seconds = u32::try_from(width).ok();
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

/// Every reading in a range as CSV: one metric, or all of them.
pub async fn export_csv(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    metric: Option<&Metric>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> ApiResult<String> {
    let sources: HashMap<Uuid, observation_source::Model> = observation_source::Entity::find()
        .filter(observation_source::Column::PatientId.eq(patient_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut find =
        observation::Entity::find().filter(observation::Column::PatientId.eq(patient_id));
    if let Some(m) = metric {
        find = find.filter(observation::Column::Metric.eq(m.id));
    }
    if let Some(f) = from {
        find = find.filter(observation::Column::EffectiveAt.gte(f));
    }
    if let Some(t) = to {
        find = find.filter(observation::Column::EffectiveAt.lt(t));
    }
    let rows = find
        .order_by_asc(observation::Column::Metric)
        .order_by_asc(observation::Column::EffectiveAt)
        .all(db)
        .await?;
    let mut csv =
        String::from("metric,loinc,value,unit,effective_at,source,vendor,device_id,model\n");
    for r in rows {
        let Some(m) = Metric::by_id(r.metric) else {
            continue;
        };
        let s = sources.get(&r.source_id);
        let field = |v: Option<&String>| {
            v.map(|x| crate::platform::csv::field(x))
                .unwrap_or_default()
        };
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            m.code,
            m.loinc.unwrap_or_default(),
            r.value,
            crate::platform::csv::field(m.unit),
            r.effective_at.to_rfc3339(),
            if s.is_some_and(|s| s.kind == 0) {
                "manual"
            } else {
                "device"
            },
            field(s.and_then(|s| s.vendor.as_ref())),
            field(s.and_then(|s| s.device_id.as_ref())),
            field(s.and_then(|s| s.model.as_ref())),
        ));
    }
    Ok(csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric() -> &'static Metric {
        Metric::by_code("weight").unwrap_or(&api_types::health::METRICS[0])
    }

    #[test]
    fn regrouping_keeps_counts_means_and_extremes() {
        let from = DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default();
        let rows = (0..10).map(|i| {
            let v = f64::from(i);
            (
                from + Duration::seconds(i64::from(i) * 60),
                Bucket {
                    count: 1,
                    sum: v,
                    min: v,
                    max: v,
                },
            )
        });
        let points = regroup(rows, from, 300, None);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].count, Some(5));
        assert_eq!(points[0].value, 2.0);
        assert_eq!((points[1].min, points[1].max), (Some(5.0), Some(9.0)));
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
