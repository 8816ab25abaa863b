//! Alerts: critical readings the care team needs to see, until a clinician acknowledges them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Acknowledged,
}

/// A critical reading the care team needs to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The patient's name, for lists of alerts across patients.
    pub patient_name: String,
    pub metric: String,
    /// The reading that opened the alert.
    pub value: f64,
    pub effective_at: DateTime<Utc>,
    /// Critical readings of this metric while the alert was open, the first included: repeated
    /// ones join the open alert instead of raising their own.
    pub readings: u32,
    /// The latest of those readings.
    pub latest_value: f64,
    pub latest_effective_at: DateTime<Utc>,
    pub status: AlertStatus,
    pub created_at: DateTime<Utc>,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledgement_note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AlertQuery {
    /// Default `open`.
    pub status: Option<AlertStatus>,
    pub patient_id: Option<Uuid>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeAlert {
    /// What was done about it.
    pub note: String,
}
