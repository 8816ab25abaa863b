//! Recording observations: validation, sources, an idempotent insert, roll-ups for charts,
//! judgement against targets, and alerts for critical readings.
//!
//! Observations are keyed by patient, metric, time (to the second) and source, so a device that
//! re-sends a reading, or a sync that runs twice, records it once. Only rows actually inserted
//! feed the roll-ups and raise alerts.

use std::collections::{BTreeMap, HashMap};

use api_types::health::{
    DeviceInfo, IngestSummary, Judgement, Metric, ObservationInput, RejectedObservation,
    SourceKind, TargetRange,
};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use entity::health::{observation, observation_rollup, observation_source};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement,
};
use uuid::Uuid;

use super::alerts;
use crate::platform::{ApiError, ApiResult};

/// Rows per INSERT statement: five parameters each, well under every backend's limit.
const CHUNK: usize = 4000;

/// Roll-up granularities, as stored.
pub const HOUR: i16 = 1;
pub const DAY: i16 = 2;

/// A roll-up granularity: its stored code and the length of its buckets. Buckets start on
/// multiples of that length since the Unix epoch, that is on UTC hours and days, so an hour never
/// straddles two days and readers can compose a span from whole buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granularity {
    pub code: i16,
    pub seconds: i64,
}

pub const HOURLY: Granularity = Granularity {
    code: HOUR,
    seconds: 3_600,
};
pub const DAILY: Granularity = Granularity {
    code: DAY,
    seconds: 86_400,
};

impl Granularity {
    /// The start of the bucket that holds `t`.
    pub fn floor(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let s = t.timestamp();
        DateTime::from_timestamp(s - s.rem_euclid(self.seconds), 0).unwrap_or(t)
    }

    /// The first bucket start at or after `t`.
    pub fn ceil(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let floor = self.floor(t);
        if floor >= t {
            return floor;
        }
        TimeDelta::try_seconds(self.seconds)
            .and_then(|d| floor.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A valid observation, ready to store.
#[derive(Debug, Clone)]
pub struct Reading {
    pub metric: &'static Metric,
    pub value: f64,
    pub effective_at: DateTime<Utc>,
    pub source_key: String,
    pub device: Option<DeviceInfo>,
}

/// The outcome of validation: what can be stored, and what was refused with why.
pub struct Checked {
    pub readings: Vec<Reading>,
    pub rejected: Vec<RejectedObservation>,
}

/// Where a reading came from, as one key per patient.
pub fn source_key(device: Option<&DeviceInfo>, recorded_by: Uuid) -> String {
    match device {
        None => format!("manual:{recorded_by}"),
        Some(d) => format!(
            "device:{}:{}:{}",
            d.vendor.trim().to_lowercase(),
            d.device_id.as_deref().unwrap_or_default(),
            d.model.as_deref().unwrap_or_default()
        ),
    }
}

/// Validates each input; times are kept to the second.
pub fn check(inputs: Vec<ObservationInput>, recorded_by: Uuid, now: DateTime<Utc>) -> Checked {
    let mut readings = Vec::with_capacity(inputs.len());
    let mut rejected = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        match input.validate(now) {
            Ok(metric) => {
                let effective_at = input
                    .effective_at
                    .duration_trunc(TimeDelta::seconds(1))
                    .unwrap_or(input.effective_at);
                let device = input.device.map(|mut d| {
                    d.vendor = d.vendor.trim().to_lowercase();
                    d
                });
                readings.push(Reading {
                    metric,
                    value: input.value,
                    effective_at,
                    source_key: source_key(device.as_ref(), recorded_by),
                    device,
                });
            }
            Err(errors) => rejected.push(RejectedObservation { index, errors }),
        }
    }
    Checked { readings, rejected }
}

/// The ids of the sources of `readings`, creating those seen for the first time.
async fn resolve_sources(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    recorded_by: Uuid,
    readings: &[Reading],
) -> ApiResult<HashMap<String, Uuid>> {
    let mut wanted: BTreeMap<&str, Option<&DeviceInfo>> = BTreeMap::new();
    for r in readings {
        wanted.entry(&r.source_key).or_insert(r.device.as_ref());
    }
    let find = || {
        observation_source::Entity::find()
            .filter(observation_source::Column::PatientId.eq(patient_id))
            .filter(observation_source::Column::SourceKey.is_in(wanted.keys().copied()))
    };
    let mut ids: HashMap<String, Uuid> = find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.source_key, s.id))
        .collect();
    let missing: Vec<observation_source::ActiveModel> = wanted
        .iter()
        .filter(|(key, _)| !ids.contains_key(**key))
        .map(|(key, device)| observation_source::ActiveModel {
            id: Set(Uuid::now_v7()),
            patient_id: Set(patient_id),
            source_key: Set((*key).to_owned()),
            kind: Set(if device.is_some() { 1 } else { 0 }),
            vendor: Set(device.map(|d| d.vendor.clone())),
            device_id: Set(device.and_then(|d| d.device_id.clone())),
            model: Set(device.and_then(|d| d.model.clone())),
            recorded_by: Set(Some(recorded_by)),
            created_at: Set(Utc::now()),
        })
        .collect();
    if !missing.is_empty() {
        observation_source::Entity::insert_many(missing)
            .on_conflict_do_nothing_on([
                observation_source::Column::PatientId,
                observation_source::Column::SourceKey,
            ])
            .exec(db)
            .await?;
        ids = find()
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.source_key, s.id))
            .collect();
    }
    Ok(ids)
}

/// A row the database accepted as new.
#[derive(Debug, Clone, Copy)]
pub struct Inserted {
    pub metric: i16,
    pub effective_at: DateTime<Utc>,
    pub value: f64,
}

/// Inserts readings, skipping those already stored; returns the ones that were new.
async fn insert_new(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    sources: &HashMap<String, Uuid>,
    readings: &[Reading],
) -> ApiResult<Vec<Inserted>> {
    use observation::Column as C;
    if db.get_database_backend() == DbBackend::Postgres {
        return insert_new_postgres(db, patient_id, sources, readings).await;
    }
    let mut inserted = Vec::with_capacity(readings.len());
    for chunk in readings.chunks(CHUNK) {
        let mut q = Query::insert();
        q.into_table(observation::Entity).columns([
            C::PatientId,
            C::Metric,
            C::EffectiveAt,
            C::SourceId,
            C::Value,
        ]);
        for r in chunk {
            let Some(source) = sources.get(&r.source_key) else {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "unresolved observation source"
                )));
            };
            q.values([
                patient_id.into(),
                r.metric.id.into(),
                r.effective_at.into(),
                (*source).into(),
                r.value.into(),
            ])
            .map_err(|e| ApiError::Internal(e.into()))?;
        }
        q.on_conflict(
            OnConflict::columns([C::PatientId, C::Metric, C::EffectiveAt, C::SourceId])
                .do_nothing()
                .to_owned(),
        )
        .returning(Query::returning().columns([C::Metric, C::EffectiveAt, C::Value]));
        for row in db.query_all(&q).await? {
            inserted.push(Inserted {
                metric: row.try_get("", "metric")?,
                effective_at: row.try_get("", "effective_at")?,
                value: row.try_get("", "value")?,
            });
        }
    }
    Ok(inserted)
}

/// The PostgreSQL way: the whole batch as four arrays unnested into one INSERT, so that the
/// server parses five parameters instead of five per row.
async fn insert_new_postgres(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    sources: &HashMap<String, Uuid>,
    readings: &[Reading],
) -> ApiResult<Vec<Inserted>> {
    let mut metrics = Vec::with_capacity(readings.len());
    let mut times = Vec::with_capacity(readings.len());
    let mut source_ids = Vec::with_capacity(readings.len());
    let mut values = Vec::with_capacity(readings.len());
    for r in readings {
        let Some(source) = sources.get(&r.source_key) else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "unresolved observation source"
            )));
        };
        metrics.push(r.metric.id);
        times.push(r.effective_at);
        source_ids.push(*source);
        values.push(r.value);
    }
    let sql = r#"INSERT INTO "observations" ("patient_id", "metric", "effective_at", "source_id", "value")
        SELECT $1, u.m, u.t, u.s, u.v
        FROM UNNEST($2::int2[], $3::timestamptz[], $4::uuid[], $5::float8[]) AS u(m, t, s, v)
        ON CONFLICT DO NOTHING
        RETURNING "metric", "effective_at", "value""#;
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [
            patient_id.into(),
            metrics.into(),
            times.into(),
            source_ids.into(),
            values.into(),
        ],
    );
    let rows = db.query_all_raw(statement).await?;
    rows.into_iter()
        .map(|row| {
            Ok(Inserted {
                metric: row.try_get("", "metric")?,
                effective_at: row.try_get("", "effective_at")?,
                value: row.try_get("", "value")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
struct Agg {
    count: i64,
    sum: f64,
    min: f64,
    max: f64,
}

/// Hour and day buckets (UTC) of a reading.
pub(super) fn buckets(t: DateTime<Utc>) -> [(i16, DateTime<Utc>); 2] {
    [HOURLY, DAILY].map(|g| (g.code, g.floor(t)))
}

/// Adds new rows to the hourly and daily roll-ups.
async fn roll_up(db: &impl ConnectionTrait, patient_id: Uuid, rows: &[Inserted]) -> ApiResult<()> {
    use observation_rollup::Column as C;
    let mut aggs: BTreeMap<(i16, i16, DateTime<Utc>), Agg> = BTreeMap::new();
    for r in rows {
        for (granularity, start) in buckets(r.effective_at) {
            aggs.entry((r.metric, granularity, start))
                .and_modify(|a| {
                    a.count += 1;
                    a.sum += r.value;
                    a.min = a.min.min(r.value);
                    a.max = a.max.max(r.value);
                })
                .or_insert(Agg {
                    count: 1,
                    sum: r.value,
                    min: r.value,
                    max: r.value,
                });
        }
    }
    let (least, greatest) = match db.get_database_backend() {
        DbBackend::Postgres => ("LEAST", "GREATEST"),
        _ => ("MIN", "MAX"),
    };
    let aggs: Vec<_> = aggs.into_iter().collect();
    for chunk in aggs.chunks(CHUNK / 2) {
        let mut q = Query::insert();
        q.into_table(observation_rollup::Entity).columns([
            C::PatientId,
            C::Metric,
            C::Granularity,
            C::BucketStart,
            C::Count,
            C::Sum,
            C::Min,
            C::Max,
        ]);
        for ((metric, granularity, start), a) in chunk {
            q.values([
                patient_id.into(),
                (*metric).into(),
                (*granularity).into(),
                (*start).into(),
                a.count.into(),
                a.sum.into(),
                a.min.into(),
                a.max.into(),
            ])
            .map_err(|e| ApiError::Internal(e.into()))?;
        }
        let t = "\"observation_rollups\"";
        q.on_conflict(
            OnConflict::columns([C::PatientId, C::Metric, C::Granularity, C::BucketStart])
                .values([
                    (
                        C::Count,
                        Expr::cust(format!("{t}.\"count\" + excluded.\"count\"")),
                    ),
                    (
                        C::Sum,
                        Expr::cust(format!("{t}.\"sum\" + excluded.\"sum\"")),
                    ),
                    (
                        C::Min,
                        Expr::cust(format!("{least}({t}.\"min\", excluded.\"min\")")),
                    ),
                    (
                        C::Max,
                        Expr::cust(format!("{greatest}({t}.\"max\", excluded.\"max\")")),
                    ),
                ])
                .to_owned(),
        );
        db.execute(&q).await?;
    }
    Ok(())
}

/// The judgement of a reading against the patient's ranges.
pub fn judge(ranges: &[TargetRange], metric: &Metric, value: f64) -> Judgement {
    ranges
        .iter()
        .find(|r| r.metric == metric.code)
        .map_or(Judgement::NoTarget, |r| r.judge(value))
}

/// What storing a batch did.
pub struct Stored {
    pub summary: IngestSummary,
}

/// Stores checked readings for one patient: sources, observations, roll-ups and alerts, in the
/// caller's transaction.
pub async fn store(
    db: &impl ConnectionTrait,
    notify: &alerts::Notify<'_>,
    patient_id: Uuid,
    recorded_by: Uuid,
    checked: Checked,
    ranges: &[TargetRange],
) -> ApiResult<Stored> {
    let Checked { readings, rejected } = checked;
    let mut summary = IngestSummary {
        accepted: 0,
        duplicates: 0,
        rejected,
        critical: 0,
    };
    if readings.is_empty() {
        return Ok(Stored { summary });
    }
    let sources = resolve_sources(db, patient_id, recorded_by, &readings).await?;
    let inserted = insert_new(db, patient_id, &sources, &readings).await?;
    roll_up(db, patient_id, &inserted).await?;
    let critical: Vec<&Inserted> = inserted
        .iter()
        .filter(|r| {
            Metric::by_id(r.metric)
                .is_some_and(|m| judge(ranges, m, r.value) == Judgement::Critical)
        })
        .collect();
    alerts::raise(db, notify, patient_id, &critical).await?;
    summary.accepted = inserted.len() as u64;
    summary.duplicates = (readings.len() - inserted.len()) as u64;
    summary.critical = critical.len() as u64;
    Ok(Stored { summary })
}

/// The kind of a source as stored.
/// A reading as stored, with its source: the first one recorded wins when it is sent again.
pub async fn find_stored(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    reading: &Reading,
) -> ApiResult<(observation_source::Model, observation::Model)> {
    let source = observation_source::Entity::find()
        .filter(observation_source::Column::PatientId.eq(patient_id))
        .filter(observation_source::Column::SourceKey.eq(&reading.source_key))
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let row = observation::Entity::find_by_id((
        patient_id,
        reading.metric.id,
        reading.effective_at,
        source.id,
    ))
    .one(db)
    .await?
    .ok_or_else(ApiError::not_found)?;
    Ok((source, row))
}

pub fn kind_of(kind: i16) -> SourceKind {
    if kind == 0 {
        SourceKind::Manual
    } else {
        SourceKind::Device
    }
}
