//! Signing in and out: password, second factor, refresh and who is signed in.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use api_types::audit::{AuditAction, AuditOutcome};
use api_types::auth::{
    LoginRequest, LoginResponse, Me, MfaChallenge, MfaVerifyRequest, RefreshRequest, TokenResponse,
};
use api_types::ErrorCode;
use sea_orm::TransactionTrait;

use super::{clear_cookie, require_account, with_tokens, REFRESH_COOKIE};
use crate::audit::AuditEntry;
use crate::auth::principal::Actor;
use crate::auth::sessions::{self, Refreshed};
use crate::auth::tokens::{Subject, TokenType, MFA_TOKEN_TTL_SECS};
use crate::auth::Principal;
use crate::auth::{lockout, mfa};
use crate::platform::UserId;
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::users::{self, email_bidx};
use crate::AppState;

/// Sign in with email and password. Answers tokens, or an MFA challenge when the account has MFA
/// on. Wrong email and wrong password look the same; repeated failures lock the email for a while.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens, or an MFA challenge", body = LoginResponse),
        (status = 401, description = "Email or password is incorrect", body = api_types::Problem),
        (status = 403, description = "Staff may not sign in from this network", body = api_types::Problem),
        (status = 429, description = "Too many attempts", body = api_types::Problem),
    )
)]
#[post("/auth/login")]
pub(super) async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<LoginRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .check_auth(&state.db, client.ip.as_deref())
        .await?;
    let req = body.into_inner();
    let bidx = email_bidx(&state.crypto, &req.email);
    // Counted before the password is checked, so parallel guesses get no more evaluated.
    let attempt = match lockout::attempt_password(&state.db, &bidx).await {
        Ok(attempt) => attempt,
        Err(e) => {
            state
                .audit
                .record(
                    AuditEntry::anonymous(&client, AuditAction::AuthLogin)
                        .outcome(AuditOutcome::Denied)
                        .detail("locked"),
                )
                .await?;
            return Err(e);
        }
    };
    let user = users::find_by_email(&state.db, &state.crypto, &req.email).await?;
    let hash = user
        .as_ref()
        .filter(|u| u.is_active())
        .and_then(|u| u.model.password_hash.as_deref());
    let user = match (state.passwords.verify(&req.password, hash).await, user) {
        (true, Some(user)) => user,
        (_, user) => {
            attempt.failed();
            let mut entry = AuditEntry::anonymous(&client, AuditAction::AuthLogin)
                .outcome(AuditOutcome::Failure)
                .detail("invalid_credentials");
            if let Some(u) = &user {
                entry = entry.actor(u.model.id, u.role);
            }
            state.audit.record(entry).await?;
            return Err(ApiError::code(ErrorCode::InvalidCredentials));
        }
    };
    attempt.succeeded(&state.db).await?;
    let entry =
        AuditEntry::anonymous(&client, AuditAction::AuthLogin).actor(user.model.id, user.role);
    if !crate::settings::network_allows(&state.db, user.role, client.ip.as_deref()).await? {
        state
            .audit
            .record(
                entry
                    .outcome(AuditOutcome::Denied)
                    .detail("network_not_allowed"),
            )
            .await?;
        return Err(ApiError::code(ErrorCode::NetworkNotAllowed));
    }
    if user.model.mfa_enabled {
        // A locked second factor locks the account: no new challenge to keep guessing with.
        if let Err(e) = lockout::check_second_factor(&state.db, user.model.id).await {
            state
                .audit
                .record(
                    entry
                        .outcome(AuditOutcome::Denied)
                        .detail("second_factor_locked"),
                )
                .await?;
            return Err(e);
        }
        let subject = Subject {
            id: user.model.id,
            role: user.role,
            patient_id: None,
            mfa_setup: false,
        };
        let mfa_token =
            state
                .jwt
                .sign(TokenType::MfaChallenge, &subject, None, MFA_TOKEN_TTL_SECS)?;
        state.audit.record(entry.detail("mfa_required")).await?;
        return Ok(
            HttpResponse::Ok().json(LoginResponse::MfaRequired(MfaChallenge {
                mfa_required: true,
                mfa_token,
            })),
        );
    }
    let tokens = sessions::start(&state, &user, &client, entry).await?;
    Ok(with_tokens(&state, HttpResponse::Ok(), tokens))
}

/// Second sign-in step: a TOTP code or a recovery code, with the token from the password step.
#[utoipa::path(
    tag = "auth",
    request_body = MfaVerifyRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong or reused code, or an expired challenge", body = api_types::Problem),
        (status = 429, body = api_types::Problem),
    )
)]
#[post("/auth/mfa/verify")]
pub(super) async fn mfa_verify(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<MfaVerifyRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .check_auth(&state.db, client.ip.as_deref())
        .await?;
    let req = body.into_inner();
    let claims = state
        .jwt
        .decode(&req.mfa_token, TokenType::MfaChallenge)
        .map_err(|_| sessions::invalid_refresh())?;
    let user = users::find(&state.db, &state.crypto, UserId(claims.sub))
        .await?
        .filter(|u| u.is_active() && u.model.mfa_enabled)
        .ok_or_else(sessions::invalid_refresh)?;
    let entry =
        AuditEntry::anonymous(&client, AuditAction::AuthMfa).actor(user.model.id, user.role);
    let Some(method) = mfa::checked_second_factor(&state, &user, &req.code, entry.clone()).await?
    else {
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    };
    let tokens = sessions::start(&state, &user, &client, entry.detail(method)).await?;
    Ok(with_tokens(&state, HttpResponse::Ok(), tokens))
}

/// Trade a refresh token (in the body, or the cookie) for a new pair. Each refresh token works
/// once; presenting a used one signs out that whole session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = api_types::Problem))
)]
#[post("/auth/refresh")]
pub(super) async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: ClientInfo,
    body: Option<web::Json<RefreshRequest>>,
) -> ApiResult<HttpResponse> {
    let presented = body
        .and_then(|b| b.into_inner().refresh_token)
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()))
        .filter(|t| !t.is_empty());
    let Some(presented) = presented else {
        return Err(sessions::invalid_refresh());
    };
    match sessions::refresh(&state, &presented, &client).await? {
        Refreshed::Tokens { tokens } => Ok(with_tokens(&state, HttpResponse::Ok(), tokens)),
        Refreshed::Reused => {
            let mut res = actix_web::ResponseError::error_response(&sessions::invalid_refresh());
            clear_cookie(&state, &mut res);
            Ok(res)
        }
        Refreshed::Invalid => {
            let mut res = actix_web::ResponseError::error_response(&sessions::invalid_refresh());
            clear_cookie(&state, &mut res);
            Ok(res)
        }
        Refreshed::Idle => {
            let idle = ApiError::code(ErrorCode::SessionIdle);
            let mut res = actix_web::ResponseError::error_response(&idle);
            clear_cookie(&state, &mut res);
            Ok(res)
        }
    }
}

/// Sign out: ends this session (its refresh tokens stop working) and clears the cookie.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
pub(super) async fn logout(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    require_account(&principal)?;
    let txn = state.db.begin().await?;
    if let Some(sid) = principal.session_id() {
        sessions::revoke_session(&txn, sid, "logout").await?;
    }
    state
        .audit
        .commit(txn, AuditEntry::by(&principal, AuditAction::AuthLogout))
        .await?;
    let mut res = HttpResponse::NoContent().finish();
    clear_cookie(&state, &mut res);
    Ok(res)
}

/// The signed-in account, its role and permissions, and the name of the practice.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = Me))
)]
#[get("/auth/me")]
pub(super) async fn me(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<Me>> {
    let id = require_account(&principal)?;
    let user = users::get(&state.db, &state.crypto, UserId(id)).await?;
    let mfa_enrollment_required = matches!(
        principal.actor,
        Actor::User {
            mfa_setup_required: true,
            ..
        }
    );
    Ok(web::Json(Me {
        id,
        email: user.email,
        name: user.name,
        role: user.role,
        patient_id: user.model.patient_id,
        mfa_enabled: user.model.mfa_enabled,
        mfa_enrollment_required,
        permissions: user.role.permissions().to_vec(),
        practice_name: crate::settings::load(&state.db).await?.practice_name,
    }))
}
