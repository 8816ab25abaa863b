//! Devices: a patient's accounts at device makers, connecting one, and what each sync brought in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a device connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Syncing normally.
    Active,
    /// The last sync failed; `last_error` says why. Syncing is retried.
    Error,
}

/// A patient's account at a device maker, as staff and the patient see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceConnection {
    /// `withings`.
    pub vendor: String,
    pub status: ConnectionStatus,
    pub connected_at: DateTime<Utc>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The patient's connected devices, and which makers this practice can connect to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Devices {
    /// Whether the practice has set up Withings, so that patients can connect.
    pub withings_available: bool,
    pub connections: Vec<DeviceConnection>,
}

/// Where to send the person to give consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectLink {
    pub authorize_url: String,
}

/// What one sync brought in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncSummary {
    pub fetched: u64,
    pub accepted: u64,
    pub duplicates: u64,
    /// Readings refused as implausible.
    pub rejected: u64,
    pub critical: u64,
}

/// The consent redirect's query: the code, or the error, and our state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OAuthCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}
