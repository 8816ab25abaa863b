//! The caller's own sessions: listed and ended one at a time.

use actix_web::{delete, get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::auth::{IdleStatus, SessionInfo};
use api_types::ErrorCode;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::require_account;
use crate::audit::AuditEntry;
use crate::auth::sessions::{self};
use crate::auth::Principal;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The account's signed-in sessions.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>))
)]
#[get("/auth/sessions")]
pub(super) async fn list_sessions(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<Vec<SessionInfo>>> {
    let id = require_account(&principal)?;
    Ok(web::Json(
        sessions::list(&state.db, id, principal.session_id()).await?,
    ))
}

/// Sign out one of the account's sessions (another device, say).
#[utoipa::path(
    tag = "auth",
    params(("id" = Uuid, Path, description = "The session's id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Revoked"), (status = 404, body = api_types::Problem))
)]
#[delete("/auth/sessions/{id}")]
pub(super) async fn revoke_session(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let user_id = require_account(&principal)?;
    let txn = state.db.begin().await?;
    sessions::revoke_own(&txn, user_id, *id).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&principal, AuditAction::AuthSessionRevoke).resource("session", *id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's session's idle state, extended when `extend`: 401 `session_idle` once it has
/// ended; no limit for an API key.
async fn activity(
    state: &AppState,
    principal: &Principal,
    extend: bool,
) -> ApiResult<web::Json<IdleStatus>> {
    require_account(principal)?;
    let (Some(sid), Some(role)) = (principal.session_id(), principal.role()) else {
        return Ok(web::Json(IdleStatus {
            idle_until: None,
            idle_minutes: 0,
        }));
    };
    match sessions::idle_state(&state.db, sid, role, extend).await? {
        Some((idle_until, idle_minutes)) => Ok(web::Json(IdleStatus {
            idle_until,
            idle_minutes,
        })),
        None => Err(ApiError::code(ErrorCode::SessionIdle)),
    }
}

/// Until when this session stays signed in without activity, without extending it: an app
/// about to warn of signing out asks first whether another of its tabs was used since.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = IdleStatus), (status = 401, body = api_types::Problem))
)]
#[get("/auth/activity")]
pub(super) async fn get_activity(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<IdleStatus>> {
    activity(&state, &principal, false).await
}

/// The person is using the app: the session stays signed in for the practice's idle time from
/// now. Apps call it when someone types, clicks or scrolls (at most about once a minute), never
/// for work they do on their own (refreshing lists, renewing tokens), so that a screen left open
/// signs out.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = IdleStatus), (status = 401, body = api_types::Problem))
)]
#[post("/auth/activity")]
pub(super) async fn post_activity(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<IdleStatus>> {
    activity(&state, &principal, true).await
}
