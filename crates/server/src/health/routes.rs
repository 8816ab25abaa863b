use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use api_types::health::{
    AcknowledgeAlert, Alert, AlertQuery, ExportQuery, IngestResponse, LatestObservation, Metric,
    MetricDefinition, Observation, ObservationBatch, ObservationInput, ObservationQuery,
    ObservationSource, PatientTargets, PutTargets, Series, TargetCondition, Trend, TrendQuery,
    MAX_BATCH, METRICS,
};
use api_types::sharing::RecordCategory;
use api_types::{FieldError, Page};
use chrono::Utc;
use entity::health::{observation, observation_source};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::alerts::{self, Notify};
use super::ingest::{self, Checked};
use super::series;
use super::targets::{self, Profile};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::patients::access::authorize_clinical;
use crate::patients::access::{open_record, open_record_for_change};
use crate::patients::queries::{self as patients, PatientRecord};
use crate::platform::http::{read_json_body, Query};
use crate::platform::unreadable::from_json_bytes;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The largest body the observations endpoint reads: room for `MAX_BATCH` readings.
const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(metric_definitions)
        .service(record_observations)
        .service(list_observations)
        .service(latest_observations)
        .service(observation_trend)
        .service(export_observations)
        .service(get_target_ranges)
        .service(put_target_ranges)
        .service(list_alerts)
        .service(acknowledge_alert);
}

/// The patient's target ranges, as they apply now.
pub(crate) async fn ranges_for(
    state: &AppState,
    record: &PatientRecord,
) -> ApiResult<(Vec<TargetCondition>, Vec<api_types::health::TargetRange>)> {
    let id = record.model.id;
    let conditions = targets::conditions(&state.db, id).await?;
    let profile = Profile::new(
        record.details.date_of_birth,
        record.details.sex,
        conditions.clone(),
    );
    let ranges = targets::effective(&state.db, &state.crypto, id, &profile).await?;
    Ok((conditions, ranges))
}

/// The metric catalogue: codes, names, LOINC codes, UCUM units, precision and plausible bounds.
#[utoipa::path(
    tag = "health",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<MetricDefinition>))
)]
#[get("/metric-definitions")]
async fn metric_definitions(
    _principal: Authorized<require::SignedIn>,
) -> web::Json<Vec<MetricDefinition>> {
    web::Json(METRICS.iter().map(Metric::to_wire).collect())
}

/// A request body: an array of observations, or one.
enum Batch {
    Many(Vec<ObservationInput>),
    One(ObservationInput),
}

/// Reads the body. Entries that are not observations at all (wrong types, unknown fields)
/// make the whole request malformed, naming the first such entry's field (`[5].value`); entries
/// that are well-formed but implausible are refused one by one later, while the others are
/// recorded.
fn parse_batch(bytes: &[u8]) -> ApiResult<Batch> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
        return from_json_bytes(bytes)
            .map(Batch::One)
            .map_err(ApiError::Unreadable);
    }
    from_json_bytes(bytes)
        .map(Batch::Many)
        .map_err(ApiError::Unreadable)
}

/// Record observations: a JSON object records one, an array records up to 50,000 in bulk.
/// Readings are idempotent by patient, metric, source and time (to the second): sending one
/// again changes nothing. Implausible values are refused with the reason (for an array, per
/// entry, while the others are recorded). A critical reading raises an alert for the care team.
/// Without `device`, a reading is a manual entry by the caller.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    request_body = ObservationBatch,
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses(
        (status = 201, body = Observation, description = "One new observation"),
        (status = 200, body = IngestResponse, description = "One observation that was already recorded, or the summary of an array"),
        (status = 404, body = api_types::Problem),
        (status = 413, body = api_types::Problem),
        (status = 422, body = api_types::Problem),
    )
)]
#[post("/patients/{id}/observations")]
async fn record_observations(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    // Who may add to this record is settled before a byte of a large body is read.
    let record = open_record_for_change(&state, &auth, *id, RecordCategory::Health).await?;
    let bytes = read_json_body(&req, payload, MAX_BATCH_BYTES).await?;
    let body = parse_batch(&bytes)?;
    let (_, ranges) = ranges_for(&state, &record).await?;
    let by = auth.id();
    let now = Utc::now();
    let (single, checked) = match body {
        Batch::Many(inputs) => {
            if inputs.len() > MAX_BATCH {
                return Err(ApiError::field(
                    "",
                    "too_many",
                    format!("Send at most {MAX_BATCH} observations per request."),
                ));
            }
            (false, ingest::check(inputs, by, now))
        }
        Batch::One(input) => {
            let checked = ingest::check(vec![input], by, now);
            if let Some(r) = checked.rejected.into_iter().next() {
                return Err(ApiError::Validation(r.errors));
            }
            (
                true,
                Checked {
                    readings: checked.readings,
                    rejected: Vec::new(),
                },
            )
        }
    };
    let first = checked.readings.first().cloned();
    let notify = Notify {
        crypto: &state.crypto,
        public_url: &state.settings.public_url,
    };
    let txn = state.db.begin().await?;
    let stored = ingest::store(&txn, &notify, *id, by, checked, &ranges).await?;
    let summary = stored.summary;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "observation.create")
                .patient(*id)
                .resource("observations", summary.accepted)
                .detail(format!(
                    "accepted {}, duplicates {}, rejected {}, critical {}",
                    summary.accepted,
                    summary.duplicates,
                    summary.rejected.len(),
                    summary.critical
                )),
        )
        .await?;
    if !single {
        return Ok(HttpResponse::Ok().json(IngestResponse::Many(summary)));
    }
    let Some(reading) = first else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a checked reading went missing"
        )));
    };
    let observation = stored_observation(&state, *id, &reading, &ranges).await?;
    Ok(if summary.accepted == 1 {
        HttpResponse::Created().json(observation)
    } else {
        HttpResponse::Ok().json(IngestResponse::One(observation))
    })
}

/// A reading as stored (the first one recorded wins when it is sent again).
async fn stored_observation(
    state: &AppState,
    patient_id: Uuid,
    reading: &ingest::Reading,
    ranges: &[api_types::health::TargetRange],
) -> ApiResult<Observation> {
    let source = observation_source::Entity::find()
        .filter(observation_source::Column::PatientId.eq(patient_id))
        .filter(observation_source::Column::SourceKey.eq(&reading.source_key))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let row = observation::Entity::find_by_id((
        patient_id,
        reading.metric.id,
        reading.effective_at,
        source.id,
    ))
    .one(&state.db)
    .await?
    .ok_or_else(ApiError::not_found)?;
    Ok(Observation {
        metric: reading.metric.code.to_owned(),
        value: row.value,
        effective_at: row.effective_at,
        judgement: ingest::judge(ranges, reading.metric, row.value),
        source: ObservationSource {
            kind: ingest::kind_of(source.kind),
            device: reading.device.clone(),
            recorded_by: source.recorded_by,
        },
    })
}

/// One metric's readings over a range, for a chart. When the range holds more than
/// `max_points` readings they are summarised into equal time buckets (mean, min, max, count).
/// Each point is judged against the patient's target range, which comes along to be shaded.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path), ObservationQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Series), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[get("/patients/{id}/observations")]
async fn list_observations(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<ObservationQuery>,
) -> ApiResult<web::Json<Series>> {
    series::window(&query)?;
    let record = open_record(&state, &auth, *id, RecordCategory::Health).await?;
    let (_, ranges) = ranges_for(&state, &record).await?;
    let target = ranges.into_iter().find(|r| r.metric == query.metric);
    let out = series::series(&state.db, *id, &query, target).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "observation.read")
                .patient(*id)
                .resource("observations", &query.metric)
                .detail(format!(
                    "{} points from {} to {}",
                    out.points.len(),
                    out.from,
                    out.to
                )),
        )
        .await?;
    Ok(web::Json(out))
}

/// The newest reading of every metric the patient has.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<LatestObservation>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/observations/latest")]
async fn latest_observations(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<LatestObservation>>> {
    let record = open_record(&state, &auth, *id, RecordCategory::Health).await?;
    let (_, ranges) = ranges_for(&state, &record).await?;
    let latest = series::latest(&state.db, *id, &ranges).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "observation.read")
                .patient(*id)
                .resource("observations", "latest"),
        )
        .await?;
    Ok(web::Json(latest))
}

/// How a metric is moving: 7- and 30-day averages, change from the patient's own baseline
/// (the 90 days before the last 30), and the weekly slope over the last 28 days.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path), TrendQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Trend), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[get("/patients/{id}/observations/trends")]
async fn observation_trend(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<TrendQuery>,
) -> ApiResult<web::Json<Trend>> {
    let metric = Metric::by_code(&query.metric).ok_or_else(|| {
        ApiError::field(
            "metric",
            "unknown_metric",
            "Choose a metric from the catalogue.",
        )
    })?;
    open_record(&state, &auth, *id, RecordCategory::Health).await?;
    let trend = series::trend(&state.db, *id, metric).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "observation.read")
                .patient(*id)
                .resource("trend", metric.code),
        )
        .await?;
    Ok(web::Json(trend))
}

/// Every reading as CSV (one metric, or all), with its LOINC code, unit and source.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path), ExportQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, description = "CSV of readings", content_type = "text/csv", body = String), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[get("/patients/{id}/observations/export")]
async fn export_observations(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let metric = match query.metric.as_deref().filter(|m| !m.is_empty()) {
        Some(code) => Some(Metric::by_code(code).ok_or_else(|| {
            ApiError::field(
                "metric",
                "unknown_metric",
                "Choose a metric from the catalogue.",
            )
        })?),
        None => None,
    };
    open_record(&state, &auth, *id, RecordCategory::Health).await?;
    let mut pages =
        super::export::CsvPages::new(&state.db, *id, metric, query.from, query.to).await?;
    // The first page is read before answering, so that a failure is an error, not a short file.
    let first = pages.next(&state.db).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "observation.export")
                .patient(*id)
                .resource("observations", metric.map_or("all", |m| m.code)),
        )
        .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<crate::platform::export::Chunk>(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut next = Some(super::export::HEADER.to_owned() + &first.unwrap_or_default());
        while let Some(text) = next {
            if tx.send(Ok(web::Bytes::from(text))).await.is_err() {
                return;
            }
            next = match pages.next(&db).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, "observation export failed midway");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"observations.csv\"",
        ))
        .streaming(crate::platform::export::body(rx)))
}

/// The patient's target ranges: the conditions that shape the defaults, and for every metric
/// with a range, its bounds and where they come from (a guideline, or a practitioner).
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = PatientTargets), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/target-ranges")]
async fn get_target_ranges(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<PatientTargets>> {
    let record = open_record(&state, &auth, *id, RecordCategory::Health).await?;
    let (conditions, ranges) = ranges_for(&state, &record).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "targets.read")
                .patient(*id)
                .resource("target_ranges", *id),
        )
        .await?;
    Ok(web::Json(targets::to_wire(conditions, ranges)))
}

/// Set the patient's conditions and a practitioner's overrides. This replaces both: metrics
/// left out use the default for the patient's age, sex and conditions.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    request_body = PutTargets,
    security(("bearer" = ["health:targets"])),
    responses((status = 200, body = PatientTargets), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/patients/{id}/target-ranges")]
async fn put_target_ranges(
    auth: Authorized<require::TargetsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<PutTargets>,
) -> ApiResult<web::Json<PatientTargets>> {
    let record = open_record_for_change(&state, &auth, *id, RecordCategory::Health).await?;
    let mut put = body.into_inner();
    let mut errors: Vec<FieldError> = put
        .overrides
        .iter()
        .enumerate()
        .flat_map(|(i, o)| o.validate(i))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, o) in put.overrides.iter().enumerate() {
        if !seen.insert(o.metric.clone()) {
            errors.push(FieldError::new(
                format!("overrides[{i}].metric"),
                "duplicate",
                "Each metric may have one override.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    put.conditions
        .sort_by_key(|c| TargetCondition::ALL.iter().position(|x| x == c));
    put.conditions.dedup();
    let txn = state.db.begin().await?;
    targets::replace(
        &txn,
        &state.crypto,
        *id,
        auth.user_id(),
        &put.conditions,
        &put.overrides,
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "targets.update")
                .patient(*id)
                .resource("target_ranges", *id)
                .detail(format!(
                    "overrides={}",
                    put.overrides
                        .iter()
                        .map(|o| o.metric.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )),
        )
        .await?;
    let (conditions, ranges) = ranges_for(&state, &record).await?;
    Ok(web::Json(targets::to_wire(conditions, ranges)))
}

/// Alerts for critical readings, newest first: open ones by default. Clinicians see those of
/// patients whose care team they are on (or whose record they opened by breaking the glass);
/// admins and integrations see all.
#[utoipa::path(
    tag = "health",
    params(AlertQuery),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Page<Alert>), (status = 422, body = api_types::Problem))
)]
#[get("/alerts")]
async fn list_alerts(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    query: Query<AlertQuery>,
) -> ApiResult<web::Json<Page<Alert>>> {
    let page = alerts::list(&state.db, &state.crypto, &auth, &query).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "alert.list")
                .resource("alert_list", page.items.len())
                .patients(page.items.iter().map(|a| &a.patient_id)),
        )
        .await?;
    Ok(web::Json(page))
}

/// Acknowledge an open alert with a note of what was done. 409 if someone already has.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    request_body = AcknowledgeAlert,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Alert), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/alerts/{id}/acknowledge")]
async fn acknowledge_alert(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AcknowledgeAlert>,
) -> ApiResult<web::Json<Alert>> {
    let note = body.note.trim();
    let mut e = api_types::validation::Errors::default();
    e.required_text("note", note, 1000);
    e.finish().map_err(ApiError::Validation)?;
    let alert = alerts::find(&state.db, *id).await?;
    let record = patients::get(&state.db, &state.crypto, alert.patient_id).await?;
    authorize_clinical(&state.db, &auth, alert.patient_id, RecordCategory::Health).await?;
    let txn = state.db.begin().await?;
    let updated = alerts::acknowledge(&txn, &state.crypto, *id, auth.user_id(), note).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "alert.acknowledge")
                .patient(alert.patient_id)
                .resource("alert", *id),
        )
        .await?;
    let name = format!("{} {}", record.details.first_name, record.details.last_name);
    Ok(web::Json(alerts::to_wire(&state.crypto, updated, name)?))
}
