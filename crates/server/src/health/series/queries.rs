//! Database access for reading observations back: readings and roll-ups over a span, the
//! patient's sources, which metrics they have, and each metric's newest reading.

use std::ops::Range;

use chrono::{DateTime, Utc};
use entity::health::{observation, observation_rollup, observation_source};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::super::ingest::{Granularity, DAY};
use super::buckets::Bucket;
use crate::platform::ApiResult;

/// The ids of a patient's sources that match a filter: `manual`, `device`, or a vendor.
pub(super) async fn sources_matching(
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
pub(super) async fn readings(
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
pub(super) async fn rollups(
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

/// The metrics the patient has readings of, from the daily roll-ups.
pub(super) async fn metrics_recorded(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Vec<i16>> {
    Ok(observation_rollup::Entity::find()
        .select_only()
        .column(observation_rollup::Column::Metric)
        .filter(observation_rollup::Column::PatientId.eq(patient_id))
        .filter(observation_rollup::Column::Granularity.eq(DAY))
        .distinct()
        .into_tuple()
        .all(db)
        .await?)
}

/// A metric's newest reading: its time and value.
pub(super) async fn newest_reading(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    metric: i16,
) -> ApiResult<Option<(DateTime<Utc>, f64)>> {
    Ok(observation::Entity::find()
        .select_only()
        .column(observation::Column::EffectiveAt)
        .column(observation::Column::Value)
        .filter(observation::Column::PatientId.eq(patient_id))
        .filter(observation::Column::Metric.eq(metric))
        .order_by_desc(observation::Column::EffectiveAt)
        .into_tuple()
        .one(db)
        .await?)
}

/// A metric's daily roll-ups (start, count, sum) from `since` on.
pub(super) async fn daily_since(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    metric: i16,
    since: DateTime<Utc>,
) -> ApiResult<Vec<(DateTime<Utc>, i64, f64)>> {
    Ok(observation_rollup::Entity::find()
        .select_only()
        .column(observation_rollup::Column::BucketStart)
        .column(observation_rollup::Column::Count)
        .column(observation_rollup::Column::Sum)
        .filter(observation_rollup::Column::PatientId.eq(patient_id))
        .filter(observation_rollup::Column::Metric.eq(metric))
        .filter(observation_rollup::Column::Granularity.eq(DAY))
        .filter(observation_rollup::Column::BucketStart.gte(since))
        .into_tuple()
        .all(db)
        .await?)
}
