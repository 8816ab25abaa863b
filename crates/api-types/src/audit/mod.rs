//! The audit log: who did what to which patient's data, when, from where, and with what outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    Denied,
    Failure,
}

mod actions;

pub use actions::{AuditAction, UnknownAuditAction};

/// One audit event. Events are append-only and chained by hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// The account or API key that acted; none for anonymous attempts.
    pub actor_id: Option<Uuid>,
    /// `user` or `api_key`.
    pub actor_kind: Option<String>,
    pub actor_role: Option<String>,
    /// What was done: one of the `AuditAction` values, such as `patient.read` or `auth.login`
    /// (text, so that events written by other versions read too).
    pub action: String,
    pub patient_id: Option<Uuid>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: AuditOutcome,
    /// Extra context (never PHI), such as a break-the-glass reason code.
    pub detail: Option<String>,
    /// SHA-256 over this event and the previous hash, hex.
    pub hash: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    pub patient_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// An exact action, or a prefix ending in `.` such as `auth.`.
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// `false` leaves out the events clients cause on their own while a screen is open
    /// (checking for alerts, renewing a session, marking a conversation seen), so that what
    /// people did stands out. Included unless `false`.
    pub routine: Option<bool>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The result of checking the hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditVerification {
    pub ok: bool,
    pub events_checked: u64,
    /// The first event whose hash does not match, if any.
    pub first_broken_seq: Option<i64>,
}
