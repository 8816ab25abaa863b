//! A patient's Withings connection over HTTP: their devices, the consent link, Withings' redirect
//! back, a sync on request, disconnecting, and Withings' notifications.

use actix_web::{delete, get, head, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::health::{ConnectLink, Devices, OAuthCallback, SyncSummary};
use api_types::integrations::JobKind;
use api_types::ErrorCode;
use sea_orm::TransactionTrait;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::connection::{
    by_notify_token, client, complete_connection, delete, find_connection, revoke, sign_state,
    to_wire, VENDOR,
};
use super::sync::sync;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::integrations::jobs;
use crate::integrations::oauth;
use crate::patients::open_record;
use crate::platform::http::Query;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_devices)
        .service(connect_withings)
        .service(sync_withings)
        .service(disconnect_withings)
        .service(withings_callback)
        .service(withings_notify)
        .service(withings_notify_check);
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
        PatientId(*id),
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
            AuditEntry::by(&auth, AuditAction::DeviceList)
                .patient(*id)
                .resource("device", VENDOR),
        )
        .await?;
    Ok(web::Json(Devices {
        withings_available: crate::integrations::withings_client(&state)
            .await?
            .is_some(),
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
        PatientId(*id),
        api_types::sharing::RecordCategory::Health,
    )
    .await?;
    crate::patients::ensure_not_erased(&record)?;
    let client = client(&state).await?;
    let (signed, cookie) = sign_state(&state, *id, auth.require_user()?);
    let link = client.authorize_url(&signed);
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::DeviceConnectStart)
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
    crate::patients::open_record_for_change(
        &state,
        &auth,
        PatientId(*id),
        api_types::sharing::RecordCategory::Health,
    )
    .await?;
    client(&state).await?;
    let c = find_connection(&state, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let summary = sync(&state, c, AuditEntry::by(&auth, AuditAction::DeviceSync)).await?;
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
        PatientId(*id),
        api_types::sharing::RecordCategory::Health,
    )
    .await?;
    let c = find_connection(&state, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let id_of_connection = c.id;
    revoke(&state, c).await;
    let txn = state.db.begin().await?;
    delete(&txn, id_of_connection).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::DeviceDisconnect)
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
        let found = by_notify_token(&state.db, token.as_str(), n.user_id).await?;
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
