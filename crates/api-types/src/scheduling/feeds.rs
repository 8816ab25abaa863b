//! Private iCalendar feeds of a practitioner's appointments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A private iCalendar feed of a practitioner's appointments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    pub practitioner_id: Uuid,
    /// The feed's address. Shown only when the feed is created: keep it private.
    pub url: Option<String>,
    /// Events show the patient's name (otherwise only the appointment type).
    pub include_patient_names: bool,
    pub created_at: DateTime<Utc>,
    pub last_fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCalendarFeed {
    #[serde(default)]
    pub include_patient_names: bool,
}
