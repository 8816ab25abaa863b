//! Trends: the 7- and 30-day averages, the patient's baseline and the weekly slope of a metric,
//! from its daily roll-ups.

use api_types::health::{Metric, Trend};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::queries;
use crate::platform::ApiResult;

/// Averages and slope from the daily roll-ups.
pub async fn trend(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    metric: &Metric,
) -> ApiResult<Trend> {
    let now = Utc::now();
    let days = queries::daily_since(db, patient_id, metric.id, now - Duration::days(120)).await?;
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
