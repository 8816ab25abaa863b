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

mod buckets;
mod queries;
#[cfg(test)]
mod tests;
mod trend;

pub use trend::trend;

use api_types::health::{
    Judgement, LatestObservation, Metric, ObservationQuery, Series, SeriesPoint, TargetRange,
    DEFAULT_MAX_POINTS, MAX_MAX_POINTS,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::platform::{ApiError, ApiResult};
use buckets::{compose, plan, Bucket};

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

/// A chart series for one patient.
pub async fn series(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    q: &ObservationQuery,
    target: Option<TargetRange>,
) -> ApiResult<Series> {
    let w = window(q)?;
    let sources = match q.source.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(filter) => Some(queries::sources_matching(db, patient_id, filter).await?),
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
    let first = queries::readings(
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
        rows.extend(queries::rollups(db, patient_id, w.metric.id, *g, span).await?);
    }
    for span in &plan.raw {
        let raw =
            queries::readings(db, patient_id, w.metric.id, span, sources.as_deref(), None).await?;
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
    let metrics = queries::metrics_recorded(db, patient_id).await?;
    let mut out = Vec::new();
    for id in metrics {
        let Some(metric) = Metric::by_id(id) else {
            continue;
        };
        if let Some((effective_at, value)) = queries::newest_reading(db, patient_id, id).await? {
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
