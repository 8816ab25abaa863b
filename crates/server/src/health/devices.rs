//! Connected devices: a patient links their Withings account (OAuth2 authorization code), the
//! tokens are stored encrypted and refreshed before they expire, and readings are synced on
//! connection (a 90-day backfill), when Withings notifies us, every six hours, and on request.
//! Syncs other than on request run as jobs on the shared queue.

use std::sync::Arc;

use actix_web::{delete, get, head, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditOutcome;
use api_types::health::{
    ConnectLink, ConnectionStatus, DeviceConnection, DeviceInfo, Devices, OAuthCallback,
    ObservationInput, SyncSummary,
};
use api_types::integrations::JobKind;
use api_types::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use connectors::withings::{Tokens, WithingsClient, WithingsError, APPLIS};
use entity::health::device_connection;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::alerts::Notify;
use super::ingest;
use super::routes::ranges_for;
use crate::audit::AuditEntry;
use crate::auth::oauth;
use crate::auth::{require, Authorized};
use crate::integrations::jobs::{self, Outcome};
use crate::patients::access::open_record;
use crate::platform::http::Query;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

const VENDOR: &str = "withings";
/// How far back the first sync reaches.
const BACKFILL_DAYS: i64 = 90;
/// Minute-level heart rate is fetched for at most this long back.
const INTRADAY_DAYS: i64 = 7;
/// Consent links work this long.
const STATE_MINUTES: i64 = 15;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_devices)
        .service(connect_withings)
        .service(sync_withings)
        .service(disconnect_withings)
        .service(withings_callback)
        .service(withings_notify)
        .service(withings_notify_check);
}

async fn client(state: &AppState) -> ApiResult<Arc<WithingsClient>> {
    crate::integrations::withings(state).await?.ok_or_else(|| {
        ApiError::with_detail(
            ErrorCode::Conflict,
            "Withings is not set up for this practice. An administrator enters its credentials under Settings → Integrations.",
        )
    })
}

fn aad(id: Uuid, column: &str) -> String {
    format!("device_connections.{column}:{id}")
}

/// The OAuth `state`: who asked, for which patient, until when, signed so that nobody can forge
/// a callback for another patient, and bound to the browser by a cookie.
fn sign_state(
    state: &AppState,
    patient_id: Uuid,
    user_id: Uuid,
) -> (String, actix_web::cookie::Cookie<'static>) {
    oauth::start(
        state,
        VENDOR,
        &[&patient_id.to_string(), &user_id.to_string()],
        STATE_MINUTES,
    )
}

async fn verify_state(
    state: &AppState,
    req: &HttpRequest,
    value: &str,
) -> ApiResult<Option<(Uuid, Uuid)>> {
    let Some(fields) = oauth::finish(state, req, VENDOR, value, 2).await? else {
        return Ok(None);
    };
    Ok(Uuid::parse_str(&fields[0])
        .ok()
        .zip(Uuid::parse_str(&fields[1]).ok()))
}

fn to_wire(c: &device_connection::Model) -> DeviceConnection {
    DeviceConnection {
        vendor: c.vendor.clone(),
        status: if c.status == "active" {
            ConnectionStatus::Active
        } else {
            ConnectionStatus::Error
        },
        connected_at: c.created_at,
        last_sync_at: c.last_sync_at,
        last_error: c.last_error.clone(),
    }
}

/// Health's part of an erasure: the patient's device connections and their tokens go, so no
/// further readings are collected. Readings already recorded are part of the kept record.
pub async fn erase_patient(db: &impl sea_orm::ConnectionTrait, patient_id: Uuid) -> ApiResult<()> {
    device_connection::Entity::delete_many()
        .filter(device_connection::Column::PatientId.eq(patient_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn find_connection(
    state: &AppState,
    patient_id: Uuid,
) -> ApiResult<Option<device_connection::Model>> {
    Ok(device_connection::Entity::find()
        .filter(device_connection::Column::PatientId.eq(patient_id))
        .filter(device_connection::Column::Vendor.eq(VENDOR))
        .one(&state.db)
        .await?)
}

fn notify_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/api/v1/integrations/withings/notify/{token}",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// Stores tokens (new or refreshed), encrypted.
async fn save_tokens(
    state: &AppState,
    c: &device_connection::Model,
    t: &Tokens,
) -> ApiResult<device_connection::Model> {
    let mut active: device_connection::ActiveModel = c.clone().into();
    active.access_token_enc = Set(state
        .crypto
        .encrypt_str(&t.access_token, &aad(c.id, "access_token"))?);
    active.refresh_token_enc = Set(state
        .crypto
        .encrypt_str(&t.refresh_token, &aad(c.id, "refresh_token"))?);
    active.expires_at = Set(t.expires_at);
    active.scope = Set(t.scope.clone());
    active.updated_at = Set(Utc::now());
    Ok(active.update(&state.db).await?)
}

/// A valid access token, refreshed first when it expires within five minutes (or `force`).
async fn access_token(
    state: &AppState,
    client: &WithingsClient,
    c: &mut device_connection::Model,
    force: bool,
) -> ApiResult<String> {
    if !force && c.expires_at > Utc::now() + Duration::minutes(5) {
        return Ok(state
            .crypto
            .decrypt_str(&c.access_token_enc, &aad(c.id, "access_token"))?);
    }
    let refresh = state
        .crypto
        .decrypt_str(&c.refresh_token_enc, &aad(c.id, "refresh_token"))?;
    let tokens = client.refresh(&refresh).await.map_err(sync_error)?;
    *c = save_tokens(state, c, &tokens).await?;
    Ok(tokens.access_token)
}

fn sync_error(e: WithingsError) -> ApiError {
    ApiError::with_detail(ErrorCode::ServiceUnavailable, format!("Withings: {e}"))
}

/// Every reading since the last sync (or the backfill window).
async fn fetch(
    client: &WithingsClient,
    token: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<connectors::withings::Reading>, WithingsError> {
    let mut readings = client.measures(token, since).await?;
    readings.extend(client.activity(token, since).await?);
    readings.extend(client.sleep_summaries(token, since).await?);
    let intraday_from = since.max(now - Duration::days(INTRADAY_DAYS));
    readings.extend(
        client
            .intraday_heart_rate(token, intraday_from, now)
            .await?,
    );
    Ok(readings)
}

/// Syncs one connection: refreshes the token when due (and once more if Withings refuses it),
/// fetches what is new, records it as device readings, and notes the outcome. `entry` says who
/// or what asked for the sync; it is recorded with the readings, or with the failure.
pub async fn sync(
    state: &AppState,
    mut c: device_connection::Model,
    entry: AuditEntry,
) -> ApiResult<SyncSummary> {
    let entry = entry.patient(c.patient_id).resource("device", VENDOR);
    let client = client(state).await?;
    let now = Utc::now();
    let since = c
        .synced_until
        .unwrap_or(now - Duration::days(BACKFILL_DAYS))
        - Duration::hours(1);
    let outcome = async {
        let token = access_token(state, &client, &mut c, false).await?;
        match fetch(&client, &token, since, now).await {
            Err(WithingsError::AuthExpired(_)) => {
                let token = access_token(state, &client, &mut c, true).await?;
                fetch(&client, &token, since, now).await.map_err(sync_error)
            }
            other => other.map_err(sync_error),
        }
    }
    .await;
    let readings = match outcome {
        Ok(r) => r,
        Err(e) => {
            // What the person sees beside the connection: Withings' reason, never internals.
            let reason = match &e {
                ApiError::Coded {
                    detail: Some(d), ..
                } => d.clone(),
                _ => "The sync failed; it will be retried.".to_owned(),
            };
            let mut active: device_connection::ActiveModel = c.clone().into();
            active.status = Set("error".into());
            active.last_error = Set(Some(reason));
            active.updated_at = Set(Utc::now());
            let txn = state.db.begin().await?;
            active.update(&txn).await?;
            state
                .audit
                .commit(txn, entry.outcome(AuditOutcome::Failure))
                .await?;
            return Err(e);
        }
    };
    let fetched = readings.len() as u64;
    let prefix = entry
        .detail
        .as_deref()
        .map(|d| format!("{d} "))
        .unwrap_or_default();
    let inputs: Vec<ObservationInput> = readings
        .into_iter()
        .map(|r| ObservationInput {
            metric: r.metric.to_owned(),
            value: r.value,
            effective_at: r.at,
            device: Some(DeviceInfo {
                vendor: VENDOR.to_owned(),
                device_id: r.device_id,
                model: r.model,
            }),
        })
        .collect();
    let recorded_by = c.connected_by.unwrap_or(c.patient_id);
    let checked = ingest::check(inputs, recorded_by, Utc::now());
    let record = crate::patients::queries::get(&state.db, &state.crypto, c.patient_id).await?;
    let (_, ranges) = ranges_for(state, &record).await?;
    let notify = Notify {
        crypto: &state.crypto,
        public_url: &state.settings.public_url,
    };
    let txn = state.db.begin().await?;
    let stored = ingest::store(&txn, &notify, c.patient_id, recorded_by, checked, &ranges).await?;
    let mut active: device_connection::ActiveModel = c.clone().into();
    active.status = Set("active".into());
    active.last_error = Set(None);
    active.last_sync_at = Set(Some(Utc::now()));
    active.synced_until = Set(Some(now));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let s = stored.summary;
    state
        .audit
        .commit(
            txn,
            entry.detail(format!(
                "{prefix}fetched={fetched} accepted={} critical={}",
                s.accepted, s.critical
            )),
        )
        .await?;
    Ok(SyncSummary {
        fetched,
        accepted: s.accepted,
        duplicates: s.duplicates,
        rejected: s.rejected.len() as u64,
        critical: s.critical,
    })
}

/// How long jobs wait while the practice has no Withings credentials.
const NOT_SET_UP_WAIT: Duration = Duration::minutes(5);
/// Every connection is synced at least this often, whether or not Withings notifies us.
const SYNC_EVERY: Duration = Duration::hours(6);

/// The job that syncs one connection, audited as the system's, naming what asked for it.
pub async fn run_sync_job(state: &AppState, connection_id: Uuid, reason: Option<&str>) -> Outcome {
    match crate::integrations::withings(state).await {
        Ok(Some(_)) => {}
        Ok(None) => return Outcome::Wait(NOT_SET_UP_WAIT, "Withings is not set up.".into()),
        Err(e) => return Outcome::Retry(e.to_string()),
    }
    let c = match device_connection::Entity::find_by_id(connection_id)
        .one(&state.db)
        .await
    {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::Done,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let entry = AuditEntry::anonymous(&crate::platform::ClientInfo::default(), "device.sync")
        .detail(format!("trigger={}", reason.unwrap_or("queue")));
    match sync(state, c, entry).await {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// Queues a sync for every connection not synced for a while.
pub async fn schedule_syncs(state: &AppState, now: DateTime<Utc>) -> ApiResult<()> {
    let due: Vec<Uuid> = device_connection::Entity::find()
        .select_only()
        .column(device_connection::Column::Id)
        .filter(device_connection::Column::Vendor.eq(VENDOR))
        .filter(
            sea_orm::Condition::any()
                .add(device_connection::Column::LastSyncAt.is_null())
                .add(device_connection::Column::LastSyncAt.lt(now - SYNC_EVERY)),
        )
        .into_tuple()
        .all(&state.db)
        .await?;
    jobs::ensure_queued(&state.db, JobKind::WithingsSync, &due, "periodic").await
}

/// The patient's connected devices, and whether Withings can be connected.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Devices), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/devices")]
async fn list_devices(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Devices>> {
    open_record(
        &state,
        &auth,
        *id,
        api_types::sharing::RecordCategory::Health,
    )
    .await?;
    let connections = find_connection(&state, *id)
        .await?
        .iter()
        .map(to_wire)
        .collect();
    state
        .audit
        .record(
            AuditEntry::by(&auth, "device.list")
                .patient(*id)
                .resource("device", VENDOR),
        )
        .await?;
    Ok(web::Json(Devices {
        withings_available: crate::integrations::withings(&state).await?.is_some(),
        connections,
    }))
}

/// Start connecting the patient's Withings account: the link to Withings' consent page. After
/// consent, Withings returns the person to Carebase, which stores the tokens and fetches the
/// last 90 days.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = ConnectLink), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[post("/patients/{id}/devices/withings/connect")]
async fn connect_withings(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let record = open_record(
        &state,
        &auth,
        *id,
        api_types::sharing::RecordCategory::Health,
    )
    .await?;
    crate::patients::queries::ensure_not_erased(&record)?;
    let client = client(&state).await?;
    let (signed, cookie) = sign_state(&state, *id, auth.require_user()?);
    let link = client.authorize_url(&signed);
    state
        .audit
        .record(
            AuditEntry::by(&auth, "device.connect_start")
                .patient(*id)
                .resource("device", VENDOR),
        )
        .await?;
    Ok(HttpResponse::Ok().cookie(cookie).json(ConnectLink {
        authorize_url: link,
    }))
}

/// Fetch new readings from Withings now.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = SyncSummary), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 503, body = api_types::Problem))
)]
#[post("/patients/{id}/devices/withings/sync")]
async fn sync_withings(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SyncSummary>> {
    open_record(
        &state,
        &auth,
        *id,
        api_types::sharing::RecordCategory::Health,
    )
    .await?;
    client(&state).await?;
    let c = find_connection(&state, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let summary = sync(&state, c, AuditEntry::by(&auth, "device.sync")).await?;
    Ok(web::Json(summary))
}

/// Disconnect Withings: notifications are revoked and the tokens deleted. Readings already
/// recorded stay in the record.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 204, description = "Disconnected"), (status = 404, body = api_types::Problem))
)]
#[delete("/patients/{id}/devices/withings")]
async fn disconnect_withings(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    open_record(
        &state,
        &auth,
        *id,
        api_types::sharing::RecordCategory::Health,
    )
    .await?;
    let mut c = find_connection(&state, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if let Some(client) = crate::integrations::withings(&state).await.ok().flatten() {
        // Best effort: the tokens are deleted whatever Withings says.
        if let Ok(token) = access_token(&state, &client, &mut c, false).await {
            let url = notify_url(&state, &c.notify_token);
            for appli in APPLIS {
                let _ = client.revoke_subscription(&token, &url, appli).await;
            }
        }
    }
    let txn = state.db.begin().await?;
    device_connection::Entity::delete_by_id(c.id)
        .exec(&txn)
        .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "device.disconnect")
                .patient(*id)
                .resource("device", VENDOR),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Where Withings sends the person back after consent. Not called by API clients: it stores
/// the tokens, subscribes to notifications, starts the backfill, and redirects to the app.
#[utoipa::path(
    tag = "integrations",
    params(OAuthCallback),
    responses((status = 302, description = "Back to the app, with `withings=connected` or `withings=error`"))
)]
#[get("/integrations/withings/callback")]
async fn withings_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_info: crate::platform::ClientInfo,
    query: Query<OAuthCallback>,
) -> HttpResponse {
    let outcome = complete_connection(&state, &req, &client_info, &query).await;
    let (path, result) = match outcome {
        Ok((patient, by_patient)) => (
            if by_patient {
                "/portal/health".to_owned()
            } else {
                format!("/patients/{patient}/health")
            },
            "connected",
        ),
        Err(e) => {
            tracing::warn!(error = %e, "withings connection failed");
            ("/".to_owned(), "error")
        }
    };
    HttpResponse::Found()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{path}?withings={result}"),
        ))
        .cookie(oauth::clear(&state, VENDOR))
        .finish()
}

async fn complete_connection(
    state: &AppState,
    req: &HttpRequest,
    client_info: &crate::platform::ClientInfo,
    q: &OAuthCallback,
) -> ApiResult<(Uuid, bool)> {
    let invalid = || {
        ApiError::with_detail(
            ErrorCode::InvalidToken,
            "The connection link is invalid or has expired.",
        )
    };
    let value = q.state.as_deref().ok_or_else(invalid)?;
    let (patient_id, user_id) = verify_state(state, req, value).await?.ok_or_else(invalid)?;
    // Nothing connects to an erased patient's record, nor for an account deactivated since.
    crate::patients::queries::get_for_change(&state.db, &state.crypto, patient_id).await?;
    let requester = crate::users::queries::find(&state.db, &state.crypto, user_id)
        .await?
        .filter(|u| u.is_active())
        .ok_or_else(invalid)?;
    let code = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid)?;
    let client = client(state).await?;
    let tokens = client.exchange_code(code).await.map_err(sync_error)?;
    let now = Utc::now();
    let existing = find_connection(state, patient_id).await?;
    let id = existing.as_ref().map_or_else(Uuid::now_v7, |c| c.id);
    let notify_token = existing.as_ref().map_or_else(
        || crate::platform::crypto::random_token(24),
        |c| c.notify_token.clone(),
    );
    let txn = state.db.begin().await?;
    if let Some(c) = &existing {
        device_connection::Entity::delete_by_id(c.id)
            .exec(&txn)
            .await?;
    }
    let model = device_connection::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        vendor: Set(VENDOR.into()),
        external_user_id: Set(tokens.user_id.clone()),
        access_token_enc: Set(state
            .crypto
            .encrypt_str(&tokens.access_token, &aad(id, "access_token"))?),
        refresh_token_enc: Set(state
            .crypto
            .encrypt_str(&tokens.refresh_token, &aad(id, "refresh_token"))?),
        expires_at: Set(tokens.expires_at),
        scope: Set(tokens.scope.clone()),
        notify_token: Set(notify_token.clone()),
        status: Set("active".into()),
        last_sync_at: Set(None),
        last_error: Set(None),
        synced_until: Set(None),
        connected_by: Set(Some(user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::anonymous(client_info, "device.connect")
                .actor(user_id, requester.role)
                .patient(patient_id)
                .resource("device", VENDOR),
        )
        .await?;
    let url = notify_url(state, &notify_token);
    for appli in APPLIS {
        if let Err(e) = client.subscribe(&tokens.access_token, &url, appli).await {
            // Withings refuses callbacks it cannot reach (plain HTTP, localhost); syncing on
            // request and on each visit still works.
            tracing::info!(error = %e, appli, "withings notifications not subscribed");
        }
    }
    let by_patient = requester.role == api_types::Role::Patient;
    jobs::enqueue(&state.db, JobKind::WithingsSync, &[model.id], "connected").await?;
    Ok((patient_id, by_patient))
}

/// Withings' notification that new data is ready. Answers at once; the sync runs after. The
/// secret in the path identifies the connection (Withings signs nothing).
#[utoipa::path(
    tag = "integrations",
    params(("token" = String, Path)),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`userid`, `appli`, `startdate`, `enddate`"),
    responses(
        (status = 200, description = "Received", content_type = "text/plain", body = String),
        (status = 400, description = "Not a Withings notification", body = api_types::Problem),
        (status = 415, description = "Not a form", body = api_types::Problem),
    )
)]
#[post("/integrations/withings/notify/{token}")]
async fn withings_notify(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    token: web::Path<String>,
    body: String,
) -> ApiResult<HttpResponse> {
    let form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(ApiError::with_detail(
            ErrorCode::UnsupportedMediaType,
            "Send the notification as application/x-www-form-urlencoded.",
        ));
    }
    let n = connectors::withings::parse_notification(&body)
        .ok_or_else(|| ApiError::bad_request("Expected `userid` and `appli`."))?;
    {
        let found = device_connection::Entity::find()
            .filter(device_connection::Column::Vendor.eq(VENDOR))
            .filter(device_connection::Column::NotifyToken.eq(token.as_str()))
            .filter(device_connection::Column::ExternalUserId.eq(n.user_id))
            .one(&state.db)
            .await?;
        if let Some(c) = found {
            jobs::enqueue(
                &state.db,
                JobKind::WithingsSync,
                &[c.id],
                "withings_notification",
            )
            .await?;
        }
    }
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}

/// Withings checks the callback answers before subscribing.
#[utoipa::path(
    tag = "integrations",
    params(("token" = String, Path)),
    responses((status = 200, description = "Reachable"))
)]
#[head("/integrations/withings/notify/{token}")]
async fn withings_notify_check(_token: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().finish()
}
