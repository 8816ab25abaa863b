use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditOutcome;
use api_types::auth::{
    AcceptInvitationRequest, ChangePasswordRequest, InvitationPreview, LoginRequest, LoginResponse,
    Me, MfaChallenge, MfaCodeRequest, MfaVerifyRequest, PasswordResetConfirm, PasswordResetRequest,
    RecoveryCodes, RefreshRequest, SessionInfo, TokenResponse, TotpEnrollResponse,
};
use api_types::{ErrorCode, Role};
use chrono::Utc;
use entity::auth::{invitation, recovery_code};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::sessions::{self, Refreshed};
use super::{invitations, lockout, mfa, passwords};
use crate::audit::AuditEntry;
use crate::auth::principal::Actor;
use crate::auth::tokens::{Subject, TokenType, MFA_TOKEN_TTL_SECS};
use crate::auth::Principal;
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::users::queries::{
    self as users, email_bidx, encrypt_mfa_secret, CredentialChange, NewUser, UserRecord,
};
use crate::AppState;

pub const REFRESH_COOKIE: &str = "carebase_refresh";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(mfa_verify)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(list_sessions)
        .service(revoke_session)
        .service(totp_enroll)
        .service(totp_confirm)
        .service(totp_disable)
        .service(regenerate_recovery_codes)
        .service(change_password)
        .service(request_password_reset)
        .service(confirm_password_reset)
        .service(preview_invitation)
        .service(accept_invitation);
}

fn refresh_cookie(state: &AppState, value: &str, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value.to_owned())
        .http_only(true)
        .secure(state.settings.cookie_secure)
        .same_site(SameSite::Strict)
        .path("/api/v1/auth")
        .max_age(max_age)
        .finish()
}

/// The token pair as JSON, with the refresh token also set as an HttpOnly cookie.
fn with_tokens(
    state: &AppState,
    mut res: actix_web::HttpResponseBuilder,
    tokens: TokenResponse,
) -> HttpResponse {
    let cookie = refresh_cookie(
        state,
        &tokens.refresh_token,
        time::Duration::days(state.settings.session_ttl_days),
    );
    res.cookie(cookie).json(LoginResponse::Tokens(tokens))
}

fn clear_cookie(state: &AppState, res: &mut HttpResponse) {
    let _ = res.add_removal_cookie(&refresh_cookie(state, "", time::Duration::ZERO));
}

fn require_account(principal: &Principal) -> ApiResult<Uuid> {
    principal.require_user()
}

/// Sign in with email and password. Answers tokens, or an MFA challenge when the account has MFA
/// on. Wrong email and wrong password look the same; repeated failures lock the email for a while.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens, or an MFA challenge", body = LoginResponse),
        (status = 401, description = "Email or password is incorrect", body = api_types::Problem),
        (status = 429, description = "Too many attempts", body = api_types::Problem),
    )
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<LoginRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.check_auth(client.ip.as_deref())?;
    let req = body.into_inner();
    let bidx = email_bidx(&state.crypto, &req.email);
    if let Err(e) = lockout::check(&state.db, &bidx).await {
        state
            .audit
            .record(
                AuditEntry::anonymous(&client, "auth.login")
                    .outcome(AuditOutcome::Denied)
                    .detail("locked"),
            )
            .await?;
        return Err(e);
    }
    let user = users::find_by_email(&state.db, &state.crypto, &req.email).await?;
    let hash = user
        .as_ref()
        .filter(|u| u.is_active())
        .and_then(|u| u.model.password_hash.as_deref());
    let user = match (state.passwords.verify(&req.password, hash).await, user) {
        (true, Some(user)) => user,
        (_, user) => {
            lockout::record_failure(&state.db, &bidx).await?;
            let mut entry = AuditEntry::anonymous(&client, "auth.login")
                .outcome(AuditOutcome::Failure)
                .detail("invalid_credentials");
            if let Some(u) = &user {
                entry = entry.actor(u.model.id, u.role);
            }
            state.audit.record(entry).await?;
            return Err(ApiError::code(ErrorCode::InvalidCredentials));
        }
    };
    lockout::clear(&state.db, &bidx).await?;
    let entry = AuditEntry::anonymous(&client, "auth.login").actor(user.model.id, user.role);
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

/// Checks a TOTP or recovery code for `user`, consuming it. Returns which kind matched.
async fn verify_second_factor(
    state: &AppState,
    user: &UserRecord,
    code: &str,
) -> ApiResult<Option<&'static str>> {
    if mfa::is_recovery_code(code) {
        let used = recovery_code::Entity::update_many()
            .col_expr(
                recovery_code::Column::UsedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(recovery_code::Column::UserId.eq(user.model.id))
            .filter(recovery_code::Column::CodeHash.eq(mfa::recovery_hash(&state.crypto, code)))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(&state.db)
            .await?
            .rows_affected
            == 1;
        return Ok(used.then_some("recovery_code"));
    }
    let Some(secret) = user.decrypt_mfa_secret(&state.crypto, false)? else {
        return Ok(None);
    };
    let totp = mfa::totp(secret, &user.email)?;
    let now = Utc::now().timestamp().max(0) as u64;
    let Some(step) = mfa::verify(&totp, code, user.model.totp_last_step, now) else {
        return Ok(None);
    };
    let claimed = users::claim_totp_step(&state.db, user.model.id, step).await?;
    Ok(claimed.then_some("totp"))
}

/// [`verify_second_factor`] behind the account's second-factor lockout: refused while locked,
/// a wrong code counted and audited (as `entry`, failed), a right one clearing the count.
async fn checked_second_factor(
    state: &AppState,
    user: &UserRecord,
    code: &str,
    entry: AuditEntry,
) -> ApiResult<Option<&'static str>> {
    if let Err(e) = lockout::check_second_factor(&state.db, user.model.id).await {
        state
            .audit
            .record(entry.outcome(AuditOutcome::Denied).detail("locked"))
            .await?;
        return Err(e);
    }
    match verify_second_factor(state, user, code).await? {
        Some(method) => {
            lockout::clear_second_factor(&state.db, user.model.id).await?;
            Ok(Some(method))
        }
        None => {
            lockout::record_second_factor_failure(&state.db, user.model.id).await?;
            state
                .audit
                .record(entry.outcome(AuditOutcome::Failure))
                .await?;
            Ok(None)
        }
    }
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
async fn mfa_verify(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<MfaVerifyRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.check_auth(client.ip.as_deref())?;
    let req = body.into_inner();
    let claims = state
        .jwt
        .decode(&req.mfa_token, TokenType::MfaChallenge)
        .map_err(|_| sessions::invalid_refresh())?;
    let user = users::find(&state.db, &state.crypto, claims.sub)
        .await?
        .filter(|u| u.is_active() && u.model.mfa_enabled)
        .ok_or_else(sessions::invalid_refresh)?;
    let entry = AuditEntry::anonymous(&client, "auth.mfa").actor(user.model.id, user.role);
    let Some(method) = checked_second_factor(&state, &user, &req.code, entry.clone()).await? else {
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
async fn refresh(
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
    }
}

/// Sign out: ends this session (its refresh tokens stop working) and clears the cookie.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, principal: Principal) -> ApiResult<HttpResponse> {
    require_account(&principal)?;
    let txn = state.db.begin().await?;
    if let Some(sid) = principal.session_id() {
        sessions::revoke_session(&txn, sid, "logout").await?;
    }
    state
        .audit
        .commit(txn, AuditEntry::by(&principal, "auth.logout"))
        .await?;
    let mut res = HttpResponse::NoContent().finish();
    clear_cookie(&state, &mut res);
    Ok(res)
}

/// The signed-in account, its role and permissions.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = Me))
)]
#[get("/auth/me")]
async fn me(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<Me>> {
    let id = require_account(&principal)?;
    let user = users::get(&state.db, &state.crypto, id).await?;
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
    }))
}

/// The account's signed-in sessions.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>))
)]
#[get("/auth/sessions")]
async fn list_sessions(
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
async fn revoke_session(
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
            AuditEntry::by(&principal, "auth.session.revoke").resource("session", *id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Start setting up an authenticator app: a new secret, as text, URI and QR code. MFA turns on
/// only when a code from it is confirmed.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = TotpEnrollResponse), (status = 409, body = api_types::Problem))
)]
#[post("/auth/mfa/totp/enroll")]
async fn totp_enroll(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<TotpEnrollResponse>> {
    let id = require_account(&principal)?;
    let user = users::get(&state.db, &state.crypto, id).await?;
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
        .commit(txn, AuditEntry::by(&principal, "auth.mfa.enroll"))
        .await?;
    let otpauth_uri = totp.get_url();
    Ok(web::Json(TotpEnrollResponse {
        secret: totp.get_secret_base32(),
        qr_svg: mfa::qr_svg(&otpauth_uri)?,
        otpauth_uri,
    }))
}

async fn replace_recovery_codes(
    db: &impl sea_orm::ConnectionTrait,
    state: &AppState,
    user_id: Uuid,
) -> ApiResult<Vec<String>> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let codes = mfa::new_recovery_codes();
    let now = Utc::now();
    let rows = codes.iter().map(|c| recovery_code::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        code_hash: Set(mfa::recovery_hash(&state.crypto, c)),
        used_at: Set(None),
        created_at: Set(now),
    });
    recovery_code::Entity::insert_many(rows).exec(db).await?;
    Ok(codes)
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
async fn totp_confirm(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<MfaCodeRequest>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    let id = require_account(&principal)?;
    state.limits.check_auth(principal.client.ip.as_deref())?;
    let user = users::get(&state.db, &state.crypto, id).await?;
    let secret = user
        .decrypt_mfa_secret(&state.crypto, true)?
        .ok_or_else(|| ApiError::conflict("Start setup first."))?;
    let totp = mfa::totp(secret.clone(), &user.email)?;
    let now = Utc::now().timestamp().max(0) as u64;
    let Some(step) = mfa::verify(&totp, &body.code, None, now) else {
        state
            .audit
            .record(AuditEntry::by(&principal, "auth.mfa.confirm").outcome(AuditOutcome::Failure))
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
    let codes = replace_recovery_codes(&txn, &state, id).await?;
    state
        .audit
        .commit(txn, AuditEntry::by(&principal, "auth.mfa.enabled"))
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
async fn totp_disable(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<MfaCodeRequest>,
) -> ApiResult<HttpResponse> {
    let id = require_account(&principal)?;
    state.limits.check_auth(principal.client.ip.as_deref())?;
    let user = users::get(&state.db, &state.crypto, id).await?;
    if !user.model.mfa_enabled {
        return Err(ApiError::conflict("Two-factor authentication is not on."));
    }
    if crate::settings::mfa_required(&state.db, user.role).await? {
        return Err(ApiError::conflict(
            "Your practice requires two-factor authentication for your role.",
        ));
    }
    let entry = AuditEntry::by(&principal, "auth.mfa.disable");
    if checked_second_factor(&state, &user, &body.code, entry)
        .await?
        .is_none()
    {
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    }
    let txn = state.db.begin().await?;
    users::change_credentials(&txn, &user.model, CredentialChange::DisableMfa).await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    state
        .audit
        .commit(txn, AuditEntry::by(&principal, "auth.mfa.disabled"))
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
async fn regenerate_recovery_codes(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<MfaCodeRequest>,
) -> ApiResult<web::Json<RecoveryCodes>> {
    let id = require_account(&principal)?;
    state.limits.check_auth(principal.client.ip.as_deref())?;
    let user = users::get(&state.db, &state.crypto, id).await?;
    if !user.model.mfa_enabled || mfa::is_recovery_code(&body.code) {
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    }
    let entry = AuditEntry::by(&principal, "auth.mfa.recovery_codes");
    if checked_second_factor(&state, &user, &body.code, entry)
        .await?
        .is_none()
    {
        return Err(ApiError::code(ErrorCode::InvalidMfaCode));
    }
    let txn = state.db.begin().await?;
    let codes = replace_recovery_codes(&txn, &state, id).await?;
    state
        .audit
        .commit(txn, AuditEntry::by(&principal, "auth.mfa.recovery_codes"))
        .await?;
    Ok(web::Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Change the password. Other sessions are signed out.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses((status = 204, description = "Changed"), (status = 422, body = api_types::Problem))
)]
#[post("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    body: crate::platform::http::Body<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let id = require_account(&principal)?;
    state.limits.check_auth(principal.client.ip.as_deref())?;
    let user = users::get(&state.db, &state.crypto, id).await?;
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
        .commit(txn, AuditEntry::by(&principal, "auth.password.change"))
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
async fn request_password_reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.check_auth(client.ip.as_deref())?;
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
    let entry = AuditEntry::anonymous(client, "auth.password_reset.request");
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
async fn confirm_password_reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<PasswordResetConfirm>,
) -> ApiResult<HttpResponse> {
    state.limits.check_auth(client.ip.as_deref())?;
    let req = body.into_inner();
    passwords::check_policy(&req.new_password, "new_password", &[])?;
    let hash = state.passwords.hash(&req.new_password).await?;
    let txn = state.db.begin().await?;
    let user_id = invitations::consume_reset(&txn, &req.token).await?;
    let user = users::get(&txn, &state.crypto, user_id).await?;
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
            AuditEntry::anonymous(&client, "auth.password_reset.complete")
                .actor(user_id, user.role),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What an invitation link is for, so the page can greet the person before they choose a password.
#[utoipa::path(
    tag = "auth",
    params(("token" = String, Path, description = "The token from the invitation link")),
    responses((status = 200, body = InvitationPreview), (status = 401, body = api_types::Problem))
)]
#[get("/auth/invitations/{token}")]
async fn preview_invitation(
    state: web::Data<AppState>,
    client: ClientInfo,
    token: web::Path<String>,
) -> ApiResult<web::Json<InvitationPreview>> {
    state.limits.check_auth(client.ip.as_deref())?;
    let inv = invitations::find_by_token(&state.db, &token).await?;
    let wire = invitations::to_wire(&state.crypto, &inv)?;
    Ok(web::Json(InvitationPreview {
        email: wire.email,
        name: wire.name,
        role: wire.role,
        expires_at: wire.expires_at,
    }))
}

/// Accept an invitation: choose a password, and be signed in.
#[utoipa::path(
    tag = "auth",
    request_body = AcceptInvitationRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/auth/invitations/accept")]
async fn accept_invitation(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<AcceptInvitationRequest>,
) -> ApiResult<HttpResponse> {
    state.limits.check_auth(client.ip.as_deref())?;
    let req = body.into_inner();
    let inv = invitations::find_by_token(&state.db, &req.token).await?;
    if let Some(patient_id) = inv.patient_id {
        // A patient whose data was erased, or who has an account already, gets no new one.
        let closed = crate::patients::queries::find(&state.db, &state.crypto, patient_id)
            .await?
            .is_none_or(|p| p.model.erased_at.is_some())
            || users::find_by_patient(&state.db, patient_id)
                .await?
                .is_some();
        if closed {
            return Err(invitations::invalid_link());
        }
    }
    let wire = invitations::to_wire(&state.crypto, &inv)?;
    passwords::check_policy(&req.password, "password", &[&wire.email, &wire.name])?;
    let hash = state.passwords.hash(&req.password).await?;
    let txn = state.db.begin().await?;
    let claimed = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Err(invitations::invalid_link());
    }
    let role = Role::parse(&inv.role).unwrap_or(Role::Patient);
    let user = users::create(
        &txn,
        &state.crypto,
        NewUser {
            email: &wire.email,
            name: &wire.name,
            role,
            patient_id: inv.patient_id,
            password_hash: Some(hash),
        },
    )
    .await?;
    let mut entry = AuditEntry::anonymous(&client, "auth.invitation.accept")
        .actor(user.model.id, role)
        .resource("invitation", inv.id);
    if let Some(p) = inv.patient_id {
        entry = entry.patient(p);
    }
    state.audit.commit(txn, entry).await?;
    let signed_in = AuditEntry::anonymous(&client, "auth.login")
        .actor(user.model.id, role)
        .detail("invitation");
    let tokens = sessions::start(&state, &user, &client, signed_in).await?;
    Ok(with_tokens(&state, HttpResponse::Created(), tokens))
}
