//! Sign-in, MFA, the signed-in account and sign-out.

use api_types::auth::{LoginRequest, LoginResponse, Me, MfaVerifyRequest, TokenResponse};

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
