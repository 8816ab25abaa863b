//! Changing a password, and resetting a forgotten one by email.

use actix_web::{post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::auth::{ChangePasswordRequest, PasswordResetConfirm, PasswordResetRequest};
use sea_orm::TransactionTrait;

use super::require_account;
use crate::audit::AuditEntry;
use crate::auth::sessions;
use crate::auth::Principal;
use crate::auth::{invitations, lockout, passwords};
use crate::platform::UserId;
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::users::{self, CredentialChange};
use crate::AppState;

/// Change the password. Other sessions are signed out.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses((status = 204, description = "Changed"), (status = 422, body = api_types::Problem))
)]
#[post("/auth/password")]
pub(super) async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let id = require_account(&principal)?;
    state
        .limits
        .check_auth(&state.db, principal.client.ip.as_deref())
        .await?;
    let user = users::get(&state.db, &state.crypto, UserId(id)).await?;
    if !state
        .passwords
        .verify(&body.current_password, user.model.password_hash.as_deref())
        .await
    {
        return Err(ApiError::field(
            "current_password",
            "incorrect",
            "Your current password is not correct.",
        ));
    }
    passwords::check_policy(
        &body.new_password,
        "new_password",
        &[&user.email, &user.name],
    )?;
    let hash = state.passwords.hash(&body.new_password).await?;
    let txn = state.db.begin().await?;
    users::change_credentials(&txn, &user.model, CredentialChange::Password(hash)).await?;
    sessions::revoke_all(&txn, id, principal.session_id(), "password_changed").await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&principal, AuditAction::AuthPasswordChange),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a password-reset link by email. Always answers 202, whether or not the account exists.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "If the account exists, a link is on its way"))
)]
#[post("/auth/password-reset")]
pub(super) async fn request_password_reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .check_auth(&state.db, client.ip.as_deref())
        .await?;
    // The answer leaves before any work on the account is done, so that it takes as long for an
    // address with an account as for one without.
    let state = state.into_inner();
    let email = body.into_inner().email;
    tokio::spawn(async move {
        if let Err(e) = start_password_reset(&state, &client, &email).await {
            tracing::warn!(error = %e, "password reset request failed");
        }
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Sends a reset link to an active account with this email, if there is one, and audits the
/// request either way.
async fn start_password_reset(state: &AppState, client: &ClientInfo, email: &str) -> ApiResult<()> {
    let entry = AuditEntry::anonymous(client, AuditAction::AuthPasswordResetRequest);
    match users::find_by_email(&state.db, &state.crypto, email).await? {
        Some(user) if user.is_active() => {
            let txn = state.db.begin().await?;
            invitations::start_password_reset(&txn, state, user.model.id, &user.email).await?;
            state
                .audit
                .commit(txn, entry.actor(user.model.id, user.role))
                .await
        }
        _ => state.audit.record(entry).await,
    }
}

/// Choose a new password with the emailed token. Every session of the account is signed out.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetConfirm,
    responses((status = 204, description = "Password changed"), (status = 401, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/auth/password-reset/confirm")]
pub(super) async fn confirm_password_reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<PasswordResetConfirm>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .check_auth(&state.db, client.ip.as_deref())
        .await?;
    let req = body.into_inner();
    passwords::check_policy(&req.new_password, "new_password", &[])?;
    let hash = state.passwords.hash(&req.new_password).await?;
    let txn = state.db.begin().await?;
    let user_id = invitations::consume_reset(&txn, &req.token).await?;
    let user = users::get(&txn, &state.crypto, UserId(user_id)).await?;
    if !user.is_active() {
        return Err(invitations::invalid_link());
    }
    passwords::check_policy(
        &req.new_password,
        "new_password",
        &[&user.email, &user.name],
    )?;
    users::change_credentials(&txn, &user.model, CredentialChange::Password(hash)).await?;
    sessions::revoke_all(&txn, user_id, None, "password_reset").await?;
    lockout::clear(&txn, &user.model.email_bidx).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::anonymous(&client, AuditAction::AuthPasswordResetComplete)
                .actor(user_id, user.role),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
