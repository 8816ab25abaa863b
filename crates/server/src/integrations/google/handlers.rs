//! A practitioner's Google Calendar connection over HTTP: its status, the consent link, Google's
//! redirect back, and disconnecting.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::integrations::JobKind;
use api_types::scheduling::{
    CalendarSyncState, ConnectGoogleCalendar, GoogleCalendarConnection, GoogleCalendarStatus,
    GoogleConsentLink,
};
use api_types::{ErrorCode, Permission};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::connection::{
    client, complete_connection, find_connection, remove_connection, sign_state, ACTIVE, PROVIDER,
};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::integrations::jobs;
use crate::integrations::oauth;
use crate::platform::http::Query;
use crate::platform::UserId;
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_google)
        .service(connect_google)
        .service(disconnect_google)
        .service(google_callback);
}

/// Connections are the practitioner's own; `schedule:manage` may see and end anyone's.
fn ensure_own_or_manage(auth: &Authorized<require::ScheduleWrite>, id: Uuid) -> ApiResult<()> {
    if auth.user_id() == Some(id) || auth.has(Permission::ScheduleManage) {
        Ok(())
    } else {
        Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "A Google Calendar connection belongs to the practitioner whose calendar it is.",
        ))
    }
}

async fn status_of(state: &AppState, user_id: Uuid) -> ApiResult<GoogleCalendarStatus> {
    let connection = match find_connection(&state.db, user_id).await? {
        Some(c) => {
            let pending = jobs::count_pending(
                &state.db,
                JobKind::GoogleCalendarEvent,
                crate::scheduling::appointments_of_practitioner(user_id),
            )
            .await?;
            Some(GoogleCalendarConnection {
                account: c.account,
                state: if c.status == ACTIVE {
                    CalendarSyncState::Active
                } else {
                    CalendarSyncState::Reconnect
                },
                include_patient_names: c.include_patient_names,
                connected_at: c.created_at,
                last_sync_at: c.last_sync_at,
                last_error: c.last_error,
                pending,
            })
        }
        None => None,
    };
    Ok(GoogleCalendarStatus {
        available: crate::integrations::google_client(state).await?.is_some(),
        connection,
    })
}

/// The practitioner's Google Calendar sync, and whether the practice offers it.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id")),
    security(("bearer" = ["schedule:write"])),
    responses((status = 200, body = GoogleCalendarStatus), (status = 403, body = api_types::Problem))
)]
#[get("/practitioners/{id}/google-calendar")]
async fn get_google(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<GoogleCalendarStatus>> {
    ensure_own_or_manage(&auth, *id)?;
    Ok(web::Json(status_of(&state, *id).await?))
}

/// Start connecting your own Google Calendar: the link to Google's consent page. After consent,
/// Google returns you to Carebase, which writes your upcoming appointments into the calendar.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id: your own")),
    request_body = ConnectGoogleCalendar,
    security(("bearer" = ["schedule:write"])),
    responses(
        (status = 200, body = GoogleConsentLink),
        (status = 403, body = api_types::Problem),
        (status = 409, body = api_types::Problem)
    )
)]
#[post("/practitioners/{id}/google-calendar/connect")]
async fn connect_google(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<ConnectGoogleCalendar>,
) -> ApiResult<HttpResponse> {
    if auth.user_id() != Some(*id) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Each practitioner connects their own Google account.",
        ));
    }
    let client = client(&state).await?;
    let email = crate::users::find(&state.db, &state.crypto, UserId(*id))
        .await?
        .map(|u| u.email);
    let (signed, cookie) = sign_state(&state, *id, body.include_patient_names);
    let link = client.authorize_url(&signed, email.as_deref());
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::GoogleCalendarConnectStart)
                .resource("practitioner", *id),
        )
        .await?;
    Ok(HttpResponse::Ok().cookie(cookie).json(GoogleConsentLink {
        authorize_url: link,
    }))
}

/// Stop syncing: the events Carebase wrote for upcoming appointments are removed from the
/// calendar, Google's grant is revoked and the tokens deleted.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id")),
    security(("bearer" = ["schedule:write"])),
    responses((status = 204, description = "Disconnected"), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[delete("/practitioners/{id}/google-calendar")]
async fn disconnect_google(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    ensure_own_or_manage(&auth, *id)?;
    let c = find_connection(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let removed = remove_connection(&state, c).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::GoogleCalendarDisconnect)
                .resource("practitioner", *id)
                .detail(format!("events_removed={removed}")),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GoogleCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// `access_denied` when the person declined.
    pub error: Option<String>,
}

/// Where Google sends the practitioner back after consent. Not called by API clients: it stores
/// the tokens, queues the practitioner's appointments, and redirects to the app.
#[utoipa::path(
    tag = "integrations",
    params(GoogleCallback),
    responses((status = 302, description = "Back to the app, with `google=connected`, `google=declined` or `google=error`"))
)]
#[get("/integrations/google/callback")]
async fn google_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    client_info: ClientInfo,
    query: Query<GoogleCallback>,
) -> HttpResponse {
    let result = if query.error.is_some() {
        "declined"
    } else {
        match complete_connection(&state, &req, &client_info, &query).await {
            Ok(()) => "connected",
            Err(e) => {
                tracing::warn!(error = %e, "google calendar connection failed");
                "error"
            }
        }
    };
    HttpResponse::Found()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/schedule/availability?google={result}"),
        ))
        .cookie(oauth::clear(&state, PROVIDER))
        .finish()
}
