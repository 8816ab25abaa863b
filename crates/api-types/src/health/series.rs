//! Reading back: a chart's question and its series (readings, or summaries of equal time
//! buckets), the newest reading of each metric, trends, and what to export.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::targets::{Judgement, TargetRange};

/// A chart's question: one metric over a time range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ObservationQuery {
    /// A metric code.
    pub metric: String,
    /// From this time (default: 30 days before `to`).
    pub from: Option<DateTime<Utc>>,
    /// Up to this time (default: now).
    pub to: Option<DateTime<Utc>>,
    /// At most this many points (default 500, at most 5000): longer ranges are downsampled
    /// into equal time buckets, each with its mean, minimum and maximum.
    pub max_points: Option<u32>,
    /// Only readings from this source: `manual`, `device`, or a device vendor such as
    /// `withings`.
    pub source: Option<String>,
}

pub const DEFAULT_MAX_POINTS: u32 = 500;
pub const MAX_MAX_POINTS: u32 = 5000;

/// A point of a chart: one reading, or the summary of a time bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesPoint {
    /// The reading's time, or the bucket's start.
    pub t: DateTime<Utc>,
    /// The reading, or the bucket's mean.
    pub value: f64,
    /// For buckets: the lowest and highest readings and how many there were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The worst judgement of the readings in the point.
    pub judgement: Judgement,
}

/// A metric's readings over a time range, ready to chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Series {
    pub metric: String,
    pub unit: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Whether points are bucket summaries rather than single readings.
    pub downsampled: bool,
    /// For downsampled series, each bucket's width. The first and last buckets may be cut short
    /// by the range: long ranges are bucketed on whole UTC hours or days.
    pub bucket_seconds: Option<u32>,
    pub points: Vec<SeriesPoint>,
    /// The patient's target range for the metric, to shade behind the line.
    pub target: Option<TargetRange>,
}

/// The newest reading of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatestObservation {
    pub metric: String,
    pub value: f64,
    pub effective_at: DateTime<Utc>,
    pub judgement: Judgement,
}

/// How a metric is moving for a patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    pub metric: String,
    /// Mean of the last 7 days' readings.
    pub average_7d: Option<f64>,
    /// Mean of the last 30 days' readings.
    pub average_30d: Option<f64>,
    /// The patient's baseline: the mean of the 90 days before the last 30.
    pub baseline: Option<f64>,
    /// `average_7d` minus `baseline`.
    pub change_from_baseline: Option<f64>,
    /// Least-squares slope over the last 28 days, in units per week.
    pub weekly_slope: Option<f64>,
    pub readings_30d: u64,
}

/// Which metric's trend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TrendQuery {
    /// A metric code.
    pub metric: String,
}

/// What to export: one metric or all, over a range or all time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ExportQuery {
    pub metric: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}
