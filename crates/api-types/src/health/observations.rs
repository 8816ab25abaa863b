//! Readings recorded, by hand or from a device: what is sent, how it is checked, and what is
//! answered for one reading or a batch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::metrics::Metric;
use super::targets::Judgement;
use crate::error::FieldError;
use crate::validation::Errors;

/// Where an observation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Typed in by a person (staff, or the patient in the portal).
    Manual,
    /// Sent by a device, directly or through an integration.
    Device,
}

/// The device an observation came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    /// Who made it or relays it, such as `withings`.
    pub vendor: String,
    /// The device's own id, when known.
    #[serde(default)]
    pub device_id: Option<String>,
    /// The model, such as `BPM Connect`.
    #[serde(default)]
    pub model: Option<String>,
}

/// One observation to record. Without `device`, it is a manual entry by the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ObservationInput {
    /// A metric code from the catalogue.
    pub metric: String,
    /// In the metric's unit.
    pub value: f64,
    /// When it was measured.
    pub effective_at: DateTime<Utc>,
    #[serde(default)]
    pub device: Option<DeviceInfo>,
}

impl ObservationInput {
    /// Checks the metric, the value's plausibility and the time; `now` bounds future readings.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<&'static Metric, Vec<FieldError>> {
        let mut e = Errors::default();
        let metric = Metric::by_code(&self.metric);
        match metric {
            None => e.push(
                "metric",
                "unknown_metric",
                "Choose a metric from the catalogue.",
            ),
            Some(m) => {
                if let Some(reason) = m.implausible(self.value) {
                    e.push("value", "implausible", reason);
                }
            }
        }
        if self.effective_at > now + chrono::Duration::minutes(5) {
            e.push(
                "effective_at",
                "in_future",
                "A reading cannot be in the future.",
            );
        }
        if let Some(d) = &self.device {
            e.required_text("device.vendor", &d.vendor, 50);
            e.optional_text("device.device_id", d.device_id.as_deref(), 100);
            e.optional_text("device.model", d.model.as_deref(), 100);
        }
        e.finish()?;
        metric.ok_or_else(Vec::new)
    }
}

/// One observation or many: a JSON object records one, an array records them in bulk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ObservationBatch {
    One(ObservationInput),
    Many(Vec<ObservationInput>),
}

/// Where a stored observation came from, and who recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObservationSource {
    pub kind: SourceKind,
    pub device: Option<DeviceInfo>,
    /// The account that entered it (manual entries) or connected the device.
    pub recorded_by: Option<Uuid>,
}

/// A recorded observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Observation {
    pub metric: String,
    pub value: f64,
    pub effective_at: DateTime<Utc>,
    pub judgement: Judgement,
    pub source: ObservationSource,
}

/// An observation of a bulk request that was not recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedObservation {
    /// Its position in the request, from 0.
    pub index: usize,
    pub errors: Vec<FieldError>,
}

/// The outcome of recording observations in bulk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestSummary {
    /// Newly recorded.
    pub accepted: u64,
    /// Already recorded (same patient, metric, source and time): left as they were.
    pub duplicates: u64,
    pub rejected: Vec<RejectedObservation>,
    /// Critical readings among those recorded; each raised an alert.
    pub critical: u64,
}

/// The answer to recording observations: the observation for one, a summary for an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum IngestResponse {
    One(Observation),
    Many(IngestSummary),
}

/// Most observations one request may carry.
pub const MAX_BATCH: usize = 50_000;
