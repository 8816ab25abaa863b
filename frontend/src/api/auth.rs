//! Sign-in, MFA, the signed-in account and sign-out.

use api_types::auth::{
    AcceptInvitationRequest, ChangePasswordRequest, IdleStatus, InvitationPreview, LoginRequest,
    LoginResponse, Me, MfaCodeRequest, MfaVerifyRequest, PasswordResetConfirm,
    PasswordResetRequest, RecoveryCodes, SessionInfo, TokenResponse, TotpEnrollResponse,
};
use uuid::Uuid;

use super::{ApiResult, Client, EmptyBody};

/// `POST /auth/login`: tokens, or an MFA challenge when the account has MFA on. The server also
/// sets the refresh cookie when it answers with tokens.
pub async fn login(client: &Client, request: &LoginRequest) -> ApiResult<LoginResponse> {
    client.post_anonymous("/auth/login", request).await
}

/// `POST /auth/mfa/verify`: a six-digit code or a recovery code for the challenge's token.
pub async fn verify_mfa(client: &Client, request: &MfaVerifyRequest) -> ApiResult<TokenResponse> {
    client.post_anonymous("/auth/mfa/verify", request).await
}

/// `GET /auth/me`: the signed-in account.
pub async fn me(client: &Client) -> ApiResult<Me> {
    client.get("/auth/me").await
}

/// `POST /auth/logout`: ends this session on the server and clears the refresh cookie.
pub async fn logout(client: &Client) -> ApiResult<()> {
    client.post_no_content("/auth/logout", &EmptyBody {}).await
}

/// `POST /auth/activity`: the person is using the app, so the session stays signed in for the
/// practice's idle time from now. Only for their own input, never for the app's own work.
pub async fn activity(client: &Client) -> ApiResult<IdleStatus> {
    client.post("/auth/activity", &EmptyBody {}).await
}

/// `GET /auth/activity`: until when the session stays signed in, without extending it (another
/// tab may have).
pub async fn idle_status(client: &Client) -> ApiResult<IdleStatus> {
    client.get("/auth/activity").await
}

/// `POST /auth/password-reset`: sends a reset link if the address belongs to an account. The
/// answer is the same either way, so that it reveals nothing.
pub async fn request_password_reset(
    client: &Client,
    request: &PasswordResetRequest,
) -> ApiResult<()> {
    client
        .post_anonymous_no_content("/auth/password-reset", request)
        .await
}

/// `POST /auth/password-reset/confirm`: sets a new password with the link's token.
pub async fn confirm_password_reset(
    client: &Client,
    request: &PasswordResetConfirm,
) -> ApiResult<()> {
    client
        .post_anonymous_no_content("/auth/password-reset/confirm", request)
        .await
}

/// `GET /auth/invitations/{token}`: who the invitation is for.
pub async fn preview_invitation(client: &Client, token: &str) -> ApiResult<InvitationPreview> {
    client
        .get_anonymous(&format!(
            "/auth/invitations/{}",
            js_sys::encode_uri_component(token)
        ))
        .await
}

/// `POST /auth/invitations/accept`: chooses a password and signs in.
pub async fn accept_invitation(
    client: &Client,
    request: &AcceptInvitationRequest,
) -> ApiResult<TokenResponse> {
    client
        .post_anonymous("/auth/invitations/accept", request)
        .await
}

/// `POST /auth/password`: changes the signed-in account's password.
pub async fn change_password(client: &Client, request: &ChangePasswordRequest) -> ApiResult<()> {
    client.post_no_content("/auth/password", request).await
}

/// `POST /auth/mfa/totp/enroll`: a new secret and its QR code, not yet active.
pub async fn totp_enroll(client: &Client) -> ApiResult<TotpEnrollResponse> {
    client.post("/auth/mfa/totp/enroll", &EmptyBody {}).await
}

/// `POST /auth/mfa/totp/confirm`: turns MFA on with a first code; returns recovery codes.
pub async fn totp_confirm(client: &Client, request: &MfaCodeRequest) -> ApiResult<RecoveryCodes> {
    client.post("/auth/mfa/totp/confirm", request).await
}

/// `POST /auth/mfa/totp/disable`: turns MFA off, with a current code.
pub async fn totp_disable(client: &Client, request: &MfaCodeRequest) -> ApiResult<()> {
    client
        .post_no_content("/auth/mfa/totp/disable", request)
        .await
}

/// `POST /auth/mfa/recovery-codes`: replaces the recovery codes, with a current code.
pub async fn regenerate_recovery_codes(
    client: &Client,
    request: &MfaCodeRequest,
) -> ApiResult<RecoveryCodes> {
    client.post("/auth/mfa/recovery-codes", request).await
}

/// `GET /auth/sessions`: where this account is signed in.
pub async fn sessions(client: &Client) -> ApiResult<Vec<SessionInfo>> {
    client.get("/auth/sessions").await
}

/// `DELETE /auth/sessions/{id}`: signs one of them out.
pub async fn revoke_session(client: &Client, id: Uuid) -> ApiResult<()> {
    client.delete(&format!("/auth/sessions/{id}"), None).await
}

/// The practice's time zone, in which dates and times are read and written. Any signed-in
/// account may read the practice's scheduling rules, which carry it.
pub async fn practice_zone(client: &Client) -> ApiResult<String> {
    let rules: api_types::scheduling::SchedulingSettings =
        client.get("/scheduling-settings").await?;
    Ok(rules.time_zone)
}
