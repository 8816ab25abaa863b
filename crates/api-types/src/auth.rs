//! Sign-in, tokens, sessions, MFA, invitations and password resets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Permission, Role};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Tokens for a signed-in session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// A short-lived JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// An opaque token that buys a new pair once; also set as an HttpOnly cookie.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// The password was right and the account has MFA on: verify a code with this token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MfaChallenge {
    /// Always `true`.
    pub mfa_required: bool,
    /// A short-lived token for `POST /api/v1/auth/mfa/verify`; it grants nothing else.
    pub mfa_token: String,
}

/// Either tokens, or an MFA challenge when the account has MFA on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum LoginResponse {
    Tokens(TokenResponse),
    MfaRequired(MfaChallenge),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyRequest {
    pub mfa_token: String,
    /// A six-digit TOTP code, or one of the recovery codes.
    pub code: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token; may be left out when the refresh cookie is sent.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// For a patient account, the patient record it belongs to.
    pub patient_id: Option<Uuid>,
    pub mfa_enabled: bool,
    /// The practice requires MFA for this role and it is not set up yet.
    pub mfa_enrollment_required: bool,
    pub permissions: Vec<Permission>,
    /// The practice's name, as its messages sign off.
    #[serde(default)]
    pub practice_name: String,
}

/// How long this session stays signed in without activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdleStatus {
    /// Signed out if nothing more is done by then (in any of the account's tabs of this
    /// session); `None` for a session not ended for idleness.
    pub idle_until: Option<DateTime<Utc>>,
    /// The practice's idle time for this account, in minutes.
    pub idle_minutes: i64,
}

/// One signed-in session (a device or browser).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// This is the session making the request.
    pub current: bool,
}

/// A TOTP secret to add to an authenticator app, then confirm with a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrollResponse {
    /// Base32 secret, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` URI that authenticator apps scan.
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaCodeRequest {
    /// A six-digit code from the authenticator app.
    pub code: String,
}

/// Single-use recovery codes, shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token from the emailed link.
    pub token: String,
    pub new_password: String,
}

/// What an invitation link is for, shown before the person sets a password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the emailed link.
    pub token: String,
    pub password: String,
}
