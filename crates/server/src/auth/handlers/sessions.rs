//! The caller's own sessions: listed and ended one at a time.

use actix_web::{delete, get, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::auth::SessionInfo;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::require_account;
use crate::audit::AuditEntry;
use crate::auth::sessions::{self};
use crate::auth::Principal;
use crate::platform::ApiResult;
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
