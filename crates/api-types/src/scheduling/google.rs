//! Google Calendar sync: a practitioner's connection and its state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A practitioner's Google Calendar sync, and whether the practice offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoogleCalendarStatus {
    /// The practice has a Google OAuth client configured.
    pub available: bool,
    pub connection: Option<GoogleCalendarConnection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CalendarSyncState {
    /// Events follow appointments.
    Active,
    /// Google no longer accepts the grant: connect again.
    Reconnect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoogleCalendarConnection {
    /// The Google account whose primary calendar receives the events.
    pub account: String,
    pub state: CalendarSyncState,
    /// Events show the patient's name (otherwise only the appointment type).
    pub include_patient_names: bool,
    pub connected_at: DateTime<Utc>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, in words for the practitioner.
    pub last_error: Option<String>,
    /// Appointments whose events are waiting to be written.
    pub pending: u64,
}

/// Start connecting a Google Calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectGoogleCalendar {
    #[serde(default)]
    pub include_patient_names: bool,
}

/// Where to send the practitioner to give consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoogleConsentLink {
    pub authorize_url: String,
}
