//! Google Calendar sync. A practitioner connects their own Google account (OAuth2 with offline
//! access; tokens stored encrypted), and from then on their appointments appear in its primary
//! calendar as events that move and disappear as the appointments do.
//!
//! Every change to an appointment queues a job for it on the shared queue, in the transaction
//! that makes the change, so a crash loses nothing. The job then makes the events match the
//! appointment as it is now, whatever happened in between: the event id is derived from the
//! appointment's, so a retried insert finds the event instead of making a second one. Events
//! carry only the appointment type unless the practitioner chooses to include patients' names.

use std::sync::Arc;

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use api_types::integrations::JobKind;
use api_types::scheduling::{
    CalendarSyncState, ConnectGoogleCalendar, GoogleCalendarConnection, GoogleCalendarStatus,
    GoogleConsentLink,
};
use api_types::{ErrorCode, Permission};
use chrono::{Duration, Utc};
use connectors::google::{event_id, EventBody, GoogleClient, GoogleError, Tokens};
use entity::scheduling::{appointment, calendar_connection, calendar_event_link};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::appointments::{to_wire_many, Viewer};
use super::Practice;
use crate::audit::AuditEntry;
use crate::auth::oauth;
use crate::auth::{require, Authorized};
use crate::integrations::jobs::{self, Outcome};
use crate::platform::http::Query;
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::AppState;

const PROVIDER: &str = "google";
const ACTIVE: &str = "active";
const RECONNECT: &str = "reconnect";
/// The account was deactivated: nothing is written any more, and the worker removes the
/// connection (upcoming events, Google's grant, the tokens).
const ENDED: &str = "ended";
/// Consent links work this long.
const STATE_MINUTES: i64 = 15;
/// On connecting, appointments this far back are written too.
const PAST_DAYS: i64 = 7;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_google)
        .service(connect_google)
        .service(disconnect_google)
        .service(google_callback);
}

async fn client(state: &AppState) -> ApiResult<Arc<GoogleClient>> {
    crate::integrations::google(state).await?.ok_or_else(|| {
        ApiError::with_detail(
            ErrorCode::Conflict,
            "Google Calendar is not set up for this practice. An administrator enters the practice's Google OAuth client under Settings → Integrations.",
        )
    })
}

fn aad(id: Uuid, column: &str) -> String {
    format!("calendar_connections.{column}:{id}")
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

async fn find_connection(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> ApiResult<Option<calendar_connection::Model>> {
    Ok(calendar_connection::Entity::find()
        .filter(calendar_connection::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

async fn status_of(state: &AppState, user_id: Uuid) -> ApiResult<GoogleCalendarStatus> {
    let connection = match find_connection(&state.db, user_id).await? {
        Some(c) => {
            let pending = jobs::count_pending(
                &state.db,
                JobKind::GoogleCalendarEvent,
                sea_orm::sea_query::Query::select()
                    .column(appointment::Column::Id)
                    .from(appointment::Entity)
                    .and_where(appointment::Column::PractitionerId.eq(user_id))
                    .to_owned(),
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
        available: crate::integrations::google(state).await?.is_some(),
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

/// The OAuth `state`: whose calendar, until when, and whether events show patients' names,
/// signed so that nobody can forge a callback, and bound to the browser by a cookie.
fn sign_state(
    state: &AppState,
    user_id: Uuid,
    names: bool,
) -> (String, actix_web::cookie::Cookie<'static>) {
    oauth::start(
        state,
        PROVIDER,
        &[&user_id.to_string(), if names { "1" } else { "0" }],
        STATE_MINUTES,
    )
}

async fn verify_state(
    state: &AppState,
    req: &HttpRequest,
    value: &str,
) -> ApiResult<Option<(Uuid, bool)>> {
    let Some(fields) = oauth::finish(state, req, PROVIDER, value, 2).await? else {
        return Ok(None);
    };
    Ok(Uuid::parse_str(&fields[0])
        .ok()
        .map(|id| (id, fields[1] == "1")))
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
    let email = crate::users::queries::find(&state.db, &state.crypto, *id)
        .await?
        .map(|u| u.email);
    let (signed, cookie) = sign_state(&state, *id, body.include_patient_names);
    let link = client.authorize_url(&signed, email.as_deref());
    state
        .audit
        .record(
            AuditEntry::by(&auth, "google_calendar.connect_start").resource("practitioner", *id),
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
            AuditEntry::by(&auth, "google_calendar.disconnect")
                .resource("practitioner", *id)
                .detail(format!("events_removed={removed}")),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a connection: the events Carebase wrote for upcoming appointments (while Google still
/// accepts the grant), Google's grant itself, then the tokens. Returns how many events went.
async fn remove_connection(state: &AppState, mut c: calendar_connection::Model) -> ApiResult<u32> {
    let mut removed = 0u32;
    let client = match c.status != RECONNECT {
        true => crate::integrations::google(state).await.ok().flatten(),
        false => None,
    };
    if let Some(client) = client {
        // Best effort: the connection ends whatever Google says.
        if let Ok(token) = access_token(state, &client, &mut c, false).await {
            let upcoming = upcoming_links(state, &c).await?;
            for link in upcoming {
                if client
                    .delete_event(&token, &c.calendar_id, &link.event_id)
                    .await
                    .is_ok()
                {
                    removed += 1;
                }
            }
        }
        if let Ok(refresh) = state
            .crypto
            .decrypt_str(&c.refresh_token_enc, &aad(c.id, "refresh_token"))
        {
            let _ = client.revoke(&refresh).await;
        }
    }
    calendar_connection::Entity::delete_by_id(c.id)
        .exec(&state.db)
        .await?;
    Ok(removed)
}

/// Stops the account's Google Calendar sync at once, in the caller's transaction (when the
/// account is deactivated). The worker then removes the connection.
pub async fn end_for(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    let Some(c) = find_connection(db, user_id).await? else {
        return Ok(());
    };
    calendar_connection::Entity::update_many()
        .col_expr(
            calendar_connection::Column::Status,
            sea_orm::sea_query::Expr::value(ENDED),
        )
        .filter(calendar_connection::Column::Id.eq(c.id))
        .exec(db)
        .await?;
    jobs::enqueue(
        db,
        JobKind::GoogleCalendarRemove,
        &[c.id],
        "account_deactivated",
    )
    .await
}

/// The job that removes an ended connection (its account was deactivated): upcoming events,
/// Google's grant, then the tokens.
pub async fn run_remove_job(state: &AppState, connection_id: Uuid) -> Outcome {
    let found = calendar_connection::Entity::find_by_id(connection_id)
        .one(&state.db)
        .await;
    let c = match found {
        Ok(Some(c)) if c.status == ENDED => c,
        Ok(_) => return Outcome::Done,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let user_id = c.user_id;
    let removed = match remove_connection(state, c).await {
        Ok(n) => n,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let recorded = state
        .audit
        .record(
            AuditEntry::anonymous(&ClientInfo::default(), "google_calendar.disconnect")
                .resource("practitioner", user_id)
                .detail(format!("account_deactivated events_removed={removed}")),
        )
        .await;
    match recorded {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// Events for appointments from a day ago on.
async fn upcoming_links(
    state: &AppState,
    c: &calendar_connection::Model,
) -> ApiResult<Vec<calendar_event_link::Model>> {
    Ok(calendar_event_link::Entity::find()
        .filter(calendar_event_link::Column::ConnectionId.eq(c.id))
        .filter(
            calendar_event_link::Column::AppointmentId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(appointment::Column::Id)
                    .from(appointment::Entity)
                    .and_where(appointment::Column::StartsAt.gte(Utc::now() - Duration::days(1)))
                    .to_owned(),
            ),
        )
        .limit(500)
        .all(&state.db)
        .await?)
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

async fn complete_connection(
    state: &AppState,
    req: &HttpRequest,
    client_info: &ClientInfo,
    q: &GoogleCallback,
) -> ApiResult<()> {
    let invalid = || {
        ApiError::with_detail(
            ErrorCode::InvalidToken,
            "The connection link is invalid or has expired.",
        )
    };
    let value = q.state.as_deref().ok_or_else(invalid)?;
    let (user_id, names) = verify_state(state, req, value).await?.ok_or_else(invalid)?;
    let code = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid)?;
    // An account deactivated since it asked connects nothing.
    let user = crate::users::queries::find(&state.db, &state.crypto, user_id)
        .await?
        .filter(|u| u.is_active())
        .ok_or_else(invalid)?;
    let client = client(state).await?;
    let tokens = client.exchange_code(code).await.map_err(google_error)?;
    let refresh = tokens.refresh_token.clone().ok_or_else(|| {
        ApiError::with_detail(
            ErrorCode::ServiceUnavailable,
            "Google gave no refresh token; connect again.",
        )
    })?;
    let account = client
        .calendar_id(&tokens.access_token, "primary")
        .await
        .map_err(google_error)?;
    let now = Utc::now();
    let existing = find_connection(&state.db, user_id).await?;
    // The same Google account again keeps its events; another account starts afresh.
    let id = match &existing {
        Some(c) if c.account == account => c.id,
        Some(c) => {
            calendar_connection::Entity::delete_by_id(c.id)
                .exec(&state.db)
                .await?;
            Uuid::now_v7()
        }
        None => Uuid::now_v7(),
    };
    let model = calendar_connection::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        provider: Set(PROVIDER.into()),
        account: Set(account),
        calendar_id: Set("primary".into()),
        access_token_enc: Set(state
            .crypto
            .encrypt_str(&tokens.access_token, &aad(id, "access_token"))?),
        refresh_token_enc: Set(state
            .crypto
            .encrypt_str(&refresh, &aad(id, "refresh_token"))?),
        expires_at: Set(tokens.expires_at),
        scope: Set(tokens.scope.clone()),
        include_patient_names: Set(names),
        status: Set(ACTIVE.into()),
        last_error: Set(None),
        last_sync_at: Set(None),
        created_at: Set(existing
            .as_ref()
            .filter(|c| c.id == id)
            .map_or(now, |c| c.created_at)),
        updated_at: Set(now),
    };
    calendar_connection::Entity::insert(model)
        .on_conflict(
            OnConflict::column(calendar_connection::Column::Id)
                .update_columns([
                    calendar_connection::Column::AccessTokenEnc,
                    calendar_connection::Column::RefreshTokenEnc,
                    calendar_connection::Column::ExpiresAt,
                    calendar_connection::Column::Scope,
                    calendar_connection::Column::IncludePatientNames,
                    calendar_connection::Column::Status,
                    calendar_connection::Column::LastError,
                    calendar_connection::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&state.db)
        .await?;
    queue_practitioner(&state.db, user_id).await?;
    state
        .audit
        .record(
            AuditEntry::anonymous(client_info, "google_calendar.connect")
                .actor(user_id, user.role)
                .resource("practitioner", user_id)
                .detail(format!("patient_names={names}")),
        )
        .await?;
    Ok(())
}

fn google_error(e: GoogleError) -> ApiError {
    ApiError::with_detail(ErrorCode::ServiceUnavailable, format!("Google: {e}"))
}

// ---------------------------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------------------------

/// Queues appointments whose events may need to change, in the caller's transaction. Only
/// appointments of practitioners with a connection, or that have events already, are queued.
pub async fn queue(
    db: &impl ConnectionTrait,
    appointments: &[&appointment::Model],
) -> ApiResult<()> {
    if appointments.is_empty() {
        return Ok(());
    }
    let practitioners: Vec<Uuid> = appointments.iter().map(|a| a.practitioner_id).collect();
    let ids: Vec<Uuid> = appointments.iter().map(|a| a.id).collect();
    let connected = calendar_connection::Entity::find()
        .filter(calendar_connection::Column::UserId.is_in(practitioners))
        .count(db)
        .await?
        > 0;
    let linked = connected
        || calendar_event_link::Entity::find()
            .filter(calendar_event_link::Column::AppointmentId.is_in(ids.clone()))
            .count(db)
            .await?
            > 0;
    if !linked {
        return Ok(());
    }
    enqueue(db, &ids, "appointment_changed").await
}

async fn enqueue(db: &impl ConnectionTrait, ids: &[Uuid], reason: &str) -> ApiResult<()> {
    jobs::enqueue(db, JobKind::GoogleCalendarEvent, ids, reason).await
}

/// Queues the practitioner's appointments from a week ago on, and every appointment that has an
/// event in their calendar (on connecting, and reconnecting).
async fn queue_practitioner(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    let mut ids: Vec<Uuid> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::Id)
        .filter(appointment::Column::PractitionerId.eq(user_id))
        .filter(appointment::Column::StartsAt.gte(Utc::now() - Duration::days(PAST_DAYS)))
        .into_tuple()
        .all(db)
        .await?;
    if let Some(c) = find_connection(db, user_id).await? {
        let linked: Vec<Uuid> = calendar_event_link::Entity::find()
            .select_only()
            .column(calendar_event_link::Column::AppointmentId)
            .filter(calendar_event_link::Column::ConnectionId.eq(c.id))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(linked);
    }
    ids.sort_unstable();
    ids.dedup();
    enqueue(db, &ids, "connected").await
}

// ---------------------------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------------------------

/// Why an appointment's events could not be brought up to date.
enum Failure {
    /// Try again later.
    Retry(String),
    /// Nothing more can be done until the practitioner reconnects.
    Stop,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Retry(e.to_string())
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Self {
        Failure::Retry(e.to_string())
    }
}

/// How long jobs wait while the practice has no Google OAuth client.
const NOT_SET_UP_WAIT: Duration = Duration::minutes(5);

/// The job that brings one appointment's events up to date.
pub async fn run_event_job(state: &AppState, appointment_id: Uuid) -> Outcome {
    let client = match crate::integrations::google(state).await {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::Wait(NOT_SET_UP_WAIT, "Google Calendar is not set up.".into()),
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let practice = match Practice::load(&state.db).await {
        Ok(p) => p,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    match reconcile(state, &client, &practice, appointment_id).await {
        Ok(()) => Outcome::Done,
        Err(Failure::Retry(e)) => Outcome::Retry(e),
        Err(Failure::Stop) => Outcome::GiveUp(
            "Google no longer accepts Carebase's access to the practitioner's calendar; it syncs again once they connect it again."
                .into(),
        ),
    }
}

/// A valid access token, refreshed first when it expires within five minutes (or `force`).
async fn access_token(
    state: &AppState,
    client: &GoogleClient,
    c: &mut calendar_connection::Model,
    force: bool,
) -> Result<String, GoogleError> {
    let decrypt = |enc: &str, column: &str| {
        state
            .crypto
            .decrypt_str(enc, &aad(c.id, column))
            .map_err(|e| GoogleError::Decode(e.to_string()))
    };
    if !force && c.expires_at > Utc::now() + Duration::minutes(5) {
        return decrypt(&c.access_token_enc, "access_token");
    }
    let refresh = decrypt(&c.refresh_token_enc, "refresh_token")?;
    let tokens: Tokens = client.refresh(&refresh).await?;
    let mut active: calendar_connection::ActiveModel = c.clone().into();
    active.access_token_enc = Set(state
        .crypto
        .encrypt_str(&tokens.access_token, &aad(c.id, "access_token"))
        .map_err(|e| GoogleError::Decode(e.to_string()))?);
    if let Some(r) = &tokens.refresh_token {
        active.refresh_token_enc = Set(state
            .crypto
            .encrypt_str(r, &aad(c.id, "refresh_token"))
            .map_err(|e| GoogleError::Decode(e.to_string()))?);
    }
    active.expires_at = Set(tokens.expires_at);
    active.updated_at = Set(Utc::now());
    *c = active
        .update(&state.db)
        .await
        .map_err(|e| GoogleError::Decode(e.to_string()))?;
    Ok(tokens.access_token)
}

/// Runs `call` with a working token, refreshing once when Google refuses it.
async fn with_token<T, F, Fut>(
    state: &AppState,
    client: &GoogleClient,
    c: &mut calendar_connection::Model,
    call: F,
) -> Result<T, GoogleError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, GoogleError>>,
{
    let token = access_token(state, client, c, false).await?;
    match call(token).await {
        Err(GoogleError::AuthExpired) => {
            let token = access_token(state, client, c, true).await?;
            call(token).await
        }
        other => other,
    }
}

/// Notes the outcome on the connection, and what a failure means for the job: a revoked grant
/// asks the practitioner to reconnect.
async fn note_outcome(
    state: &AppState,
    c: &calendar_connection::Model,
    error: Option<&GoogleError>,
) -> Result<Option<Failure>, sea_orm::DbErr> {
    let mut active: calendar_connection::ActiveModel = c.clone().into();
    active.updated_at = Set(Utc::now());
    let failure = match error {
        None => {
            active.last_sync_at = Set(Some(Utc::now()));
            active.last_error = Set(None);
            None
        }
        Some(GoogleError::Revoked(_)) => {
            active.status = Set(RECONNECT.into());
            active.last_error = Set(Some(
                "Google no longer accepts Carebase's access to this calendar. Connect it again."
                    .into(),
            ));
            Some(Failure::Stop)
        }
        Some(e) => {
            active.last_error = Set(Some(e.to_string()));
            Some(Failure::Retry(e.to_string()))
        }
    };
    active.update(&state.db).await?;
    Ok(failure)
}

/// Makes the calendars match one appointment: an event in its practitioner's connected
/// calendar while it holds time, none anywhere else.
async fn reconcile(
    state: &AppState,
    client: &GoogleClient,
    practice: &Practice,
    appointment_id: Uuid,
) -> Result<(), Failure> {
    let Some(row) = appointment::Entity::find_by_id(appointment_id)
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let links = calendar_event_link::Entity::find()
        .filter(calendar_event_link::Column::AppointmentId.eq(appointment_id))
        .all(&state.db)
        .await?;
    let wire = to_wire_many(
        &state.db,
        &state.crypto,
        practice,
        vec![row.clone()],
        Viewer::OutsideCalendar,
    )
    .await?
    .pop()
    .ok_or_else(|| Failure::Retry("appointment not readable".into()))?;
    let wanted = match find_connection(&state.db, row.practitioner_id).await? {
        Some(c) if c.status == ACTIVE && wire.status.holds_time() => Some(c),
        _ => None,
    };
    let mut stopped = false;
    // Events elsewhere (a cancelled appointment, or one moved to another practitioner).
    for link in links
        .iter()
        .filter(|l| Some(l.connection_id) != wanted.as_ref().map(|c| c.id))
    {
        let Some(mut c) = calendar_connection::Entity::find_by_id(link.connection_id)
            .one(&state.db)
            .await?
        else {
            continue;
        };
        if c.status != ACTIVE {
            stopped = true;
            continue;
        }
        let calendar = c.calendar_id.clone();
        let event = link.event_id.clone();
        let outcome = with_token(state, client, &mut c, |t| {
            let (calendar, event) = (calendar.clone(), event.clone());
            async move { client.delete_event(&t, &calendar, &event).await }
        })
        .await;
        if let Some(failure) = note_outcome(state, &c, outcome.as_ref().err()).await? {
            return Err(failure);
        }
        calendar_event_link::Entity::delete_by_id(link.id)
            .exec(&state.db)
            .await?;
    }
    let Some(mut c) = wanted else {
        return if stopped { Err(Failure::Stop) } else { Ok(()) };
    };
    let link = links.iter().find(|l| l.connection_id == c.id);
    let named = c.include_patient_names && !wire.patient_name.is_empty();
    let summary = if named {
        format!("{} – {}", wire.appointment_type_name, wire.patient_name)
    } else {
        wire.appointment_type_name.clone()
    };
    let body = EventBody {
        summary,
        description: format!(
            "{} appointment at {}. Details in Carebase: {}/calendar?appointment={}",
            wire.appointment_type_name,
            practice.name,
            state.settings.public_url.trim_end_matches('/'),
            wire.id
        ),
        location: Some(match wire.mode {
            api_types::scheduling::AppointmentMode::Telehealth => "Telehealth".to_owned(),
            _ => practice.name.clone(),
        }),
        start: wire.starts_at,
        end: wire.ends_at,
        time_zone: practice.tz.name().to_owned(),
        appointment_id: wire.id.to_string(),
    };
    let id = link.map_or_else(|| event_id(&wire.id.to_string()), |l| l.event_id.clone());
    let calendar = c.calendar_id.clone();
    let known = link.is_some();
    let outcome = with_token(state, client, &mut c, |t| {
        let (calendar, id, body) = (calendar.clone(), id.clone(), body.clone());
        async move { client.put_event(&t, &calendar, &id, &body, known).await }
    })
    .await;
    if let Some(failure) = note_outcome(state, &c, outcome.as_ref().err()).await? {
        return Err(failure);
    }
    let Ok(event) = outcome else {
        return Err(Failure::Retry("no event".into()));
    };
    let now = Utc::now();
    calendar_event_link::Entity::insert(calendar_event_link::ActiveModel {
        id: Set(link.map_or_else(Uuid::now_v7, |l| l.id)),
        appointment_id: Set(appointment_id),
        connection_id: Set(c.id),
        event_id: Set(event.id),
        etag: Set(Some(event.etag)),
        synced_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            calendar_event_link::Column::AppointmentId,
            calendar_event_link::Column::ConnectionId,
        ])
        .update_columns([
            calendar_event_link::Column::EventId,
            calendar_event_link::Column::Etag,
            calendar_event_link::Column::SyncedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    if named {
        // A patient's name left the practice for the practitioner's Google account.
        state
            .audit
            .record(
                AuditEntry::anonymous(&ClientInfo::default(), "google_calendar.event_write")
                    .patient(row.patient_id)
                    .resource("appointment", appointment_id),
            )
            .await?;
    }
    if stopped {
        return Err(Failure::Stop);
    }
    Ok(())
}
