//! The sign-in API: one file per resource the caller acts on.

mod invitations;
mod mfa;
mod passwords;
mod sessions;
mod sign_in;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::HttpResponse;
use api_types::auth::{LoginResponse, TokenResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Principal;
use crate::platform::ApiResult;
use crate::AppState;
pub(crate) const REFRESH_COOKIE: &str = "carebase_refresh";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sign_in::login)
        .service(sign_in::mfa_verify)
        .service(sign_in::refresh)
        .service(sign_in::logout)
        .service(sign_in::me)
        .service(sessions::list_sessions)
        .service(sessions::revoke_session)
        .service(sessions::get_activity)
        .service(sessions::post_activity)
        .service(mfa::totp_enroll)
        .service(mfa::totp_confirm)
        .service(mfa::totp_disable)
        .service(mfa::regenerate_recovery_codes)
        .service(passwords::change_password)
        .service(passwords::request_password_reset)
        .service(passwords::confirm_password_reset)
        .service(invitations::preview_invitation)
        .service(invitations::accept_invitation);
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
