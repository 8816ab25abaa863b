//! Readings: the metric catalogue, recording observations, and reading them as lists, latest
//! values, trends and CSV.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::health::{
    ExportQuery, IngestResponse, LatestObservation, Metric, MetricDefinition, Observation,
    ObservationBatch, ObservationInput, ObservationQuery, ObservationSource, Series, Trend,
    TrendQuery, MAX_BATCH, METRICS,
};
use api_types::sharing::RecordCategory;
use chrono::Utc;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::target_ranges::ranges_for;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::health::alerts::Notify;
use crate::health::ingest::{self, Checked};
use crate::health::series;
use crate::patients::{open_record, open_record_for_change};
use crate::platform::http::{read_json_body, Query};
use crate::platform::unreadable::from_json_bytes;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The largest body the observations endpoint reads: room for `MAX_BATCH` readings.
const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

/// The metric catalogue: codes, names, LOINC codes, UCUM units, precision and plausible bounds.
#[utoipa::path(
    tag = "health",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<MetricDefinition>))
)]
#[get("/metric-definitions")]
pub(super) async fn metric_definitions(
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
pub(super) async fn record_observations(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    // Who may add to this record is settled before a byte of a large body is read.
    let record =
        open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Health).await?;
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
            AuditEntry::by(&auth, AuditAction::ObservationCreate)
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
    let (source, row) = ingest::find_stored(&state.db, patient_id, reading).await?;
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
pub(super) async fn list_observations(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<ObservationQuery>,
) -> ApiResult<web::Json<Series>> {
    series::window(&query)?;
    let record = open_record(&state, &auth, PatientId(*id), RecordCategory::Health).await?;
    let (_, ranges) = ranges_for(&state, &record).await?;
    let target = ranges.into_iter().find(|r| r.metric == query.metric);
    let out = series::series(&state.db, *id, &query, target).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ObservationRead)
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
pub(super) async fn latest_observations(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<LatestObservation>>> {
    let record = open_record(&state, &auth, PatientId(*id), RecordCategory::Health).await?;
    let (_, ranges) = ranges_for(&state, &record).await?;
    let latest = series::latest(&state.db, *id, &ranges).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ObservationRead)
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
pub(super) async fn observation_trend(
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
    open_record(&state, &auth, PatientId(*id), RecordCategory::Health).await?;
    let trend = series::trend(&state.db, *id, metric).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ObservationRead)
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
pub(super) async fn export_observations(
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
    open_record(&state, &auth, PatientId(*id), RecordCategory::Health).await?;
    let mut pages =
        crate::health::export::CsvPages::new(&state.db, *id, metric, query.from, query.to).await?;
    // The first page is read before answering, so that a failure is an error, not a short file.
    let first = pages.next(&state.db).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ObservationExport)
                .patient(*id)
                .resource("observations", metric.map_or("all", |m| m.code)),
        )
        .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<crate::platform::export::Chunk>(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut next = Some(crate::health::export::HEADER.to_owned() + &first.unwrap_or_default());
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
