//! A practitioner's Google Calendar connection: completing consent, encrypted tokens refreshed
//! before they expire, and ending a connection (upcoming events, Google's grant, the tokens).

use api_types::audit::AuditAction;
use std::sync::Arc;

use actix_web::HttpRequest;
use api_types::integrations::JobKind;
use api_types::ErrorCode;
use chrono::{Duration, Utc};
use connectors::google::{GoogleClient, GoogleError, Tokens};
use entity::integrations::{calendar_connection, calendar_event_link};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::handlers::GoogleCallback;
use super::sync::queue_practitioner;
use crate::audit::AuditEntry;
use crate::integrations::jobs::{self, Outcome};
use crate::integrations::oauth;
use crate::platform::UserId;
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::AppState;
use api_types::integrations::ConnectionState;

pub(super) const PROVIDER: &str = "google";
pub(super) const ACTIVE: ConnectionState = ConnectionState::Active;
pub(super) const RECONNECT: ConnectionState = ConnectionState::Reconnect;
/// The account was deactivated: nothing is written any more, and the worker removes the
/// connection (upcoming events, Google's grant, the tokens).
pub(super) const ENDED: ConnectionState = ConnectionState::Ended;
/// Consent links work this long.
pub(super) const STATE_MINUTES: i64 = 15;
/// On connecting, appointments this far back are written too.
pub(super) const PAST_DAYS: i64 = 7;

pub(super) async fn client(state: &AppState) -> ApiResult<Arc<GoogleClient>> {
    crate::integrations::google_client(state).await?.ok_or_else(|| {
        ApiError::with_detail(
            ErrorCode::Conflict,
            "Google Calendar is not set up for this practice. An administrator enters the practice's Google OAuth client under Settings → Integrations.",
        )
    })
}

pub(super) fn aad(id: Uuid, column: &str) -> String {
    format!("calendar_connections.{column}:{id}")
}

pub(super) async fn find_connection(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> ApiResult<Option<calendar_connection::Model>> {
    Ok(calendar_connection::Entity::find()
        .filter(calendar_connection::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

/// Removes a connection: the events Carebase wrote for upcoming appointments (while Google still
/// accepts the grant), Google's grant itself, then the tokens. Returns how many events went.
pub(super) async fn remove_connection(
    state: &AppState,
    mut c: calendar_connection::Model,
) -> ApiResult<u32> {
    let mut removed = 0u32;
    let client = match c.status != RECONNECT {
        true => crate::integrations::google_client(state)
            .await
            .ok()
            .flatten(),
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
pub async fn end_for(db: &impl ConnectionTrait, user_id: UserId) -> ApiResult<()> {
    let Some(c) = find_connection(db, user_id.0).await? else {
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
            AuditEntry::anonymous(
                &ClientInfo::default(),
                AuditAction::GoogleCalendarDisconnect,
            )
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
pub(super) async fn upcoming_links(
    state: &AppState,
    c: &calendar_connection::Model,
) -> ApiResult<Vec<calendar_event_link::Model>> {
    Ok(calendar_event_link::Entity::find()
        .filter(calendar_event_link::Column::ConnectionId.eq(c.id))
        .filter(calendar_event_link::Column::AppointmentId.in_subquery(
            crate::scheduling::appointments_starting_from(Utc::now() - Duration::days(1)),
        ))
        .limit(500)
        .all(&state.db)
        .await?)
}

pub(super) async fn complete_connection(
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
    let user = crate::users::find(&state.db, &state.crypto, UserId(user_id))
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
    // Again once Google has answered: the account may have been deactivated meanwhile.
    crate::users::find(&state.db, &state.crypto, UserId(user_id))
        .await?
        .filter(|u| u.is_active())
        .ok_or_else(invalid)?;
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
        status: Set(ACTIVE),
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
            AuditEntry::anonymous(client_info, AuditAction::GoogleCalendarConnect)
                .actor(user_id, user.role)
                .resource("practitioner", user_id)
                .detail(format!("patient_names={names}")),
        )
        .await?;
    Ok(())
}

/// A valid access token, refreshed first when it expires within five minutes (or `force`).
pub(super) async fn access_token(
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
pub(super) async fn with_token<T, F, Fut>(
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

/// The OAuth `state`: whose calendar, until when, and whether events show patients' names,
/// signed so that nobody can forge a callback, and bound to the browser by a cookie.
pub(super) fn sign_state(
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

pub(super) async fn verify_state(
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

pub(super) fn google_error(e: GoogleError) -> ApiError {
    ApiError::with_detail(ErrorCode::ServiceUnavailable, format!("Google: {e}"))
}
