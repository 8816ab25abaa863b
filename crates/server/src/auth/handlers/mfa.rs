//! Turning the second factor on and off, and its recovery codes.

use actix_web::{post, web, HttpResponse};
use api_types::audit::{AuditAction, AuditOutcome};
use api_types::auth::{MfaCodeRequest, RecoveryCodes, TotpEnrollResponse};
use api_types::ErrorCode;
use chrono::Utc;
use sea_orm::TransactionTrait;

use super::require_account;
use crate::audit::AuditEntry;
use crate::auth::mfa;
use crate::auth::Principal;
use crate::platform::UserId;
use crate::platform::{ApiError, ApiResult};
use crate::users::{self, encrypt_mfa_secret, CredentialChange};
use crate::AppState;

/// Start setting up an authenticator app: a new secret, as text, URI and QR code. MFA turns on
/// only when a code from it is confirmed.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = TotpEnrollResponse), (status = 409, body = api_types::Problem))
)]
#[post("/auth/mfa/totp/enroll")]
pub(super) async fn totp_enroll(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<TotpEnrollResponse>> {
    let id = require_account(&principal)?;
    let user = users::get(&state.db, &state.crypto, UserId(id)).await?;
    if user.model.mfa_enabled {
        return Err(ApiError::conflict(
            "Two-factor authentication is already on. Turn it off first to change it.",
        ));
    }
    let secret = mfa::new_secret();
    let totp = mfa::totp(secret.clone(), &user.email)?;
    let pending = encrypt_mfa_secret(&state.crypto, id, &secret, true)?;
    let txn = state.db.begin().await?;
    users::change_credentials(
        &txn,
        &user.model,
        CredentialChange::PendingMfaSecret(pending),
    )
    .await?;
    state
        .audit
        .commit(txn, AuditEntry::by(&principal, AuditAction::AuthMfaEnroll))
        .await?;
    let otpauth_uri = totp.get_url();
    Ok(web::Json(TotpEnrollResponse {
        secret: totp.get_secret_base32(),
        qr_svg: mfa::qr_svg(&otpauth_uri)?,
        otpauth_uri,
    }))
}

/// Confirm setup with a code from the app: MFA turns on, and ten single-use recovery codes are
/// returned (shown once).
#[utoipa::path(
    tag = "auth",
    request_body = MfaCodeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401, body = api_types::Problem),
        (status = 409, description = "Setup was not started", body = api_types::Problem),
    )
)]
#[post("/auth/mfa/totp/confirm")]
pub(super) async fn totp_confirm(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<MfaCodeRequest>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    let id = require_account(&principal)?;
    state
        .limits
        .check_auth(&state.db, principal.client.ip.as_deref())
        .await?;
    let user = users::get(&state.db, &state.crypto, UserId(id)).await?;
    let secret = user
        .decrypt_mfa_secret(&state.crypto, true)?
        .ok_or_else(|| ApiError::conflict("Start setup first."))?;
    let totp = mfa::totp(secret.clone(), &user.email)?;
    let now = Utc::now().timestamp().max(0) as u64;
    let Some(step) = mfa::verify(&totp, &body.code, None, now) else {
        state
            .audit
            .record(
                AuditEntry::by(&principal, AuditAction::AuthMfaConfirm)
                    .outcome(AuditOutcome::Failure),
            )
            .await?;
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    };
    let txn = state.db.begin().await?;
    let secret_enc = encrypt_mfa_secret(&state.crypto, id, &secret, false)?;
    users::change_credentials(
        &txn,
        &user.model,
        CredentialChange::EnableMfa { secret_enc, step },
    )
    .await?;
    let codes = mfa::replace_recovery_codes(&txn, &state.crypto, id).await?;
    state
        .audit
        .commit(txn, AuditEntry::by(&principal, AuditAction::AuthMfaEnabled))
        .await?;
    Ok(web::Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Turn MFA off, with a current code (or a recovery code). Refused when the practice requires
/// MFA for the account's role.
#[utoipa::path(
    tag = "auth",
    request_body = MfaCodeRequest,
    security(("bearer" = [])),
    responses((status = 204, description = "MFA is off"), (status = 401, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[post("/auth/mfa/totp/disable")]
pub(super) async fn totp_disable(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<MfaCodeRequest>,
) -> ApiResult<HttpResponse> {
    let id = require_account(&principal)?;
    state
        .limits
        .check_auth(&state.db, principal.client.ip.as_deref())
        .await?;
    let user = users::get(&state.db, &state.crypto, UserId(id)).await?;
    if !user.model.mfa_enabled {
        return Err(ApiError::conflict("Two-factor authentication is not on."));
    }
    if crate::settings::mfa_required(&state.db, user.role).await? {
        return Err(ApiError::conflict(
            "Your practice requires two-factor authentication for your role.",
        ));
    }
    let entry = AuditEntry::by(&principal, AuditAction::AuthMfaDisable);
    if mfa::checked_second_factor(&state, &user, &body.code, entry)
        .await?
        .is_none()
    {
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    }
    let txn = state.db.begin().await?;
    users::change_credentials(&txn, &user.model, CredentialChange::DisableMfa).await?;
    mfa::forget_recovery_codes(&txn, id).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&principal, AuditAction::AuthMfaDisabled),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace the recovery codes (the old ones stop working), with a current TOTP code.
#[utoipa::path(
    tag = "auth",
    request_body = MfaCodeRequest,
    security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 401, body = api_types::Problem))
)]
#[post("/auth/mfa/recovery-codes")]
pub(super) async fn regenerate_recovery_codes(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<MfaCodeRequest>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    let id = require_account(&principal)?;
    state
        .limits
        .check_auth(&state.db, principal.client.ip.as_deref())
        .await?;
    let user = users::get(&state.db, &state.crypto, UserId(id)).await?;
    if !user.model.mfa_enabled || mfa::is_recovery_code(&body.code) {
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    }
    let entry = AuditEntry::by(&principal, AuditAction::AuthMfaRecoveryCodes);
    if mfa::checked_second_factor(&state, &user, &body.code, entry)
        .await?
        .is_none()
    {
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    }
    let txn = state.db.begin().await?;
    let codes = mfa::replace_recovery_codes(&txn, &state.crypto, id).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&principal, AuditAction::AuthMfaRecoveryCodes),
        )
        .await?;
    Ok(web::Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}
