//! Staff accounts, invitations, API keys, the outbox and practice settings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Permission, Role};

/// Whether an account can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum UserStatus {
    Active,
    Deactivated,
}

/// An account as other staff see it. Never carries secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    pub mfa_enabled: bool,
    pub patient_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// Changes an admin may make to an account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// A staff role; patient accounts keep the patient role.
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    pub name: Option<String>,
}

/// Filters for the staff directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct UserQuery {
    pub role: Option<Role>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteStaffRequest {
    pub email: String,
    pub name: String,
    /// A staff role.
    pub role: Role,
}

/// A pending invitation. The link itself only travels by email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub patient_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// When the link was sent. A portal invitation from someone without clinical access waits,
    /// unsent, until a clinician approves it: the portal opens the patient's clinical record.
    pub approved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for, such as "Nightly CI".
    pub name: String,
    pub scopes: Vec<Permission>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An API key as listed: the secret is never shown again after creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Permission>,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly issued key, with its secret: store it now, it is not shown again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum OutboxStatus {
    /// Waiting to be sent, or kept here because no sender is configured.
    Pending,
    Sent,
    /// Gave up after repeated failures.
    Failed,
}

/// A message waiting in (or sent from) the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub id: Uuid,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// The names of files sent with it (an appointment's `.ics`).
    #[serde(default)]
    pub attachments: Vec<String>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OutboxQuery {
    pub status: Option<OutboxStatus>,
    /// Only messages to this address.
    pub recipient: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Practice-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PracticeSettings {
    pub practice_name: String,
    /// An IANA time zone, such as `Australia/Sydney`.
    pub time_zone: String,
    /// Roles whose accounts must use MFA.
    pub mfa_required_roles: Vec<Role>,
    /// Networks staff may sign in from (addresses or CIDR ranges, such as `203.0.113.0/24`);
    /// empty for anywhere. Patients sign in from anywhere.
    #[serde(default)]
    pub staff_networks: Vec<String>,
    /// Minutes without activity after which a member of staff is signed out (5 to 720).
    #[serde(default = "default_staff_idle")]
    pub staff_idle_minutes: u32,
    /// Minutes without activity after which a patient is signed out of the portal (5 to 720).
    #[serde(default = "default_patient_idle")]
    pub patient_idle_minutes: u32,
}

/// The longest and shortest idle time a practice may choose, in minutes.
pub const IDLE_MINUTES: std::ops::RangeInclusive<u32> = 5..=720;

fn default_staff_idle() -> u32 {
    30
}

fn default_patient_idle() -> u32 {
    60
}

impl PracticeSettings {
    /// Minutes without activity after which someone of `role` is signed out.
    pub fn idle_minutes(&self, role: Role) -> u32 {
        if role == Role::Patient {
            self.patient_idle_minutes
        } else {
            self.staff_idle_minutes
        }
    }
}
