//! Health data: the metric catalogue, observations, series for charts, target ranges, alerts and
//! trends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::validation::Errors;

/// Groups of metrics, as the app shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MetricCategory {
    Body,
    Vitals,
    Activity,
    Sleep,
    Metabolic,
}

/// How a metric is sampled: a spot reading, a dense series (minute-level), or one value a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    Spot,
    Intraday,
    Daily,
}

/// One metric of the catalogue. `id` is its storage number and never changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    pub id: i16,
    pub code: &'static str,
    pub name: &'static str,
    /// The LOINC code, where one exists.
    pub loinc: Option<&'static str>,
    /// The UCUM unit.
    pub unit: &'static str,
    /// The unit as people read it.
    pub unit_label: &'static str,
    /// Decimal places worth showing.
    pub precision: u8,
    /// Physiologically possible bounds; values outside are refused as implausible.
    pub min: f64,
    pub max: f64,
    pub category: MetricCategory,
    pub sampling: Sampling,
}

macro_rules! metric {
    ($id:expr, $code:expr, $name:expr, $loinc:expr, $unit:expr, $label:expr, $prec:expr, $min:expr, $max:expr, $cat:ident, $samp:ident) => {
        Metric {
            id: $id,
            code: $code,
            name: $name,
            loinc: $loinc,
            unit: $unit,
            unit_label: $label,
            precision: $prec,
            min: $min,
            max: $max,
            category: MetricCategory::$cat,
            sampling: Sampling::$samp,
        }
    };
}

/// The catalogue. Append only: ids are stored with every observation.
pub const METRICS: [Metric; 34] = [
    metric!(
        1,
        "weight",
        "Weight",
        Some("29463-7"),
        "kg",
        "kg",
        1,
        0.5,
        650.0,
        Body,
        Spot
    ),
    metric!(
        2,
        "height",
        "Height",
        Some("8302-2"),
        "cm",
        "cm",
        1,
        20.0,
        280.0,
        Body,
        Spot
    ),
    metric!(
        3,
        "bmi",
        "Body mass index",
        Some("39156-5"),
        "kg/m2",
        "kg/m²",
        1,
        5.0,
        150.0,
        Body,
        Spot
    ),
    metric!(
        4,
        "fat_mass",
        "Fat mass",
        Some("73708-0"),
        "kg",
        "kg",
        1,
        0.0,
        400.0,
        Body,
        Spot
    ),
    metric!(
        5,
        "fat_ratio",
        "Body fat",
        Some("41982-0"),
        "%",
        "%",
        1,
        1.0,
        80.0,
        Body,
        Spot
    ),
    metric!(
        6,
        "fat_free_mass",
        "Fat-free mass",
        None,
        "kg",
        "kg",
        1,
        0.5,
        300.0,
        Body,
        Spot
    ),
    metric!(
        7,
        "muscle_mass",
        "Muscle mass",
        None,
        "kg",
        "kg",
        1,
        0.5,
        250.0,
        Body,
        Spot
    ),
    metric!(
        8,
        "bone_mass",
        "Bone mass",
        None,
        "kg",
        "kg",
        2,
        0.1,
        15.0,
        Body,
        Spot
    ),
    metric!(
        9,
        "hydration",
        "Body water",
        None,
        "kg",
        "kg",
        1,
        0.5,
        250.0,
        Body,
        Spot
    ),
    metric!(
        10,
        "basal_metabolic_rate",
        "Basal metabolic rate",
        None,
        "kcal/d",
        "kcal/day",
        0,
        300.0,
        6000.0,
        Metabolic,
        Spot
    ),
    metric!(
        11,
        "systolic_bp",
        "Systolic blood pressure",
        Some("8480-6"),
        "mm[Hg]",
        "mmHg",
        0,
        40.0,
        300.0,
        Vitals,
        Spot
    ),
    metric!(
        12,
        "diastolic_bp",
        "Diastolic blood pressure",
        Some("8462-4"),
        "mm[Hg]",
        "mmHg",
        0,
        20.0,
        200.0,
        Vitals,
        Spot
    ),
    metric!(
        13,
        "heart_rate",
        "Heart rate",
        Some("8867-4"),
        "/min",
        "bpm",
        0,
        20.0,
        300.0,
        Vitals,
        Spot
    ),
    metric!(
        14,
        "heart_rate_intraday",
        "Heart rate (continuous)",
        Some("8867-4"),
        "/min",
        "bpm",
        0,
        20.0,
        300.0,
        Vitals,
        Intraday
    ),
    metric!(
        15,
        "resting_heart_rate",
        "Resting heart rate",
        Some("40443-4"),
        "/min",
        "bpm",
        0,
        20.0,
        200.0,
        Vitals,
        Daily
    ),
    metric!(
        16,
        "spo2",
        "Oxygen saturation (SpO2)",
        Some("59408-5"),
        "%",
        "%",
        0,
        50.0,
        100.0,
        Vitals,
        Spot
    ),
    metric!(
        17,
        "body_temperature",
        "Body temperature",
        Some("8310-5"),
        "Cel",
        "°C",
        1,
        25.0,
        45.0,
        Vitals,
        Spot
    ),
    metric!(
        18,
        "respiratory_rate",
        "Respiratory rate",
        Some("9279-1"),
        "/min",
        "breaths/min",
        0,
        3.0,
        80.0,
        Vitals,
        Spot
    ),
    metric!(
        19,
        "pulse_wave_velocity",
        "Pulse wave velocity",
        None,
        "m/s",
        "m/s",
        1,
        2.0,
        30.0,
        Vitals,
        Spot
    ),
    metric!(
        20,
        "vascular_age",
        "Vascular age",
        None,
        "a",
        "years",
        0,
        10.0,
        120.0,
        Vitals,
        Spot
    ),
    metric!(
        21,
        "vo2_max",
        "VO2 max",
        Some("60842-2"),
        "mL/min/kg",
        "mL/kg/min",
        1,
        5.0,
        95.0,
        Activity,
        Spot
    ),
    metric!(
        22,
        "steps",
        "Steps",
        Some("41950-7"),
        "{steps}/d",
        "steps",
        0,
        0.0,
        150000.0,
        Activity,
        Daily
    ),
    metric!(23, "distance", "Distance", None, "m/d", "m", 0, 0.0, 300000.0, Activity, Daily),
    metric!(
        24,
        "active_calories",
        "Active calories",
        Some("41981-2"),
        "kcal/d",
        "kcal",
        0,
        0.0,
        15000.0,
        Activity,
        Daily
    ),
    metric!(
        25,
        "total_calories",
        "Total calories",
        None,
        "kcal/d",
        "kcal",
        0,
        0.0,
        20000.0,
        Activity,
        Daily
    ),
    metric!(
        26,
        "sleep_duration",
        "Sleep duration",
        Some("93832-4"),
        "h",
        "hours",
        1,
        0.0,
        24.0,
        Sleep,
        Daily
    ),
    metric!(
        27,
        "light_sleep",
        "Light sleep",
        Some("93830-8"),
        "h",
        "hours",
        1,
        0.0,
        24.0,
        Sleep,
        Daily
    ),
    metric!(
        28,
        "deep_sleep",
        "Deep sleep",
        Some("93831-6"),
        "h",
        "hours",
        1,
        0.0,
        24.0,
        Sleep,
        Daily
    ),
    metric!(
        29,
        "rem_sleep",
        "REM sleep",
        Some("93829-0"),
        "h",
        "hours",
        1,
        0.0,
        24.0,
        Sleep,
        Daily
    ),
    metric!(
        30,
        "sleep_score",
        "Sleep score",
        None,
        "{score}",
        "/100",
        0,
        0.0,
        100.0,
        Sleep,
        Daily
    ),
    metric!(
        31,
        "sleep_heart_rate",
        "Average heart rate in sleep",
        None,
        "/min",
        "bpm",
        0,
        20.0,
        200.0,
        Sleep,
        Daily
    ),
    metric!(32, "wakeups", "Wake-ups", None, "{count}", "times", 0, 0.0, 100.0, Sleep, Daily),
    metric!(
        33,
        "blood_glucose",
        "Blood glucose",
        Some("15074-8"),
        "mmol/L",
        "mmol/L",
        1,
        0.5,
        50.0,
        Metabolic,
        Spot
    ),
    metric!(
        34,
        "waist",
        "Waist circumference",
        Some("8280-0"),
        "cm",
        "cm",
        1,
        20.0,
        300.0,
        Body,
        Spot
    ),
];

impl Metric {
    pub fn by_code(code: &str) -> Option<&'static Metric> {
        METRICS.iter().find(|m| m.code == code)
    }

    pub fn by_id(id: i16) -> Option<&'static Metric> {
        METRICS.iter().find(|m| m.id == id)
    }

    /// Why `value` cannot be a real reading of this metric, if it cannot.
    pub fn implausible(&self, value: f64) -> Option<String> {
        if !value.is_finite() {
            return Some("Enter a number.".to_owned());
        }
        if value < self.min || value > self.max {
            return Some(format!(
                "{} must be between {} and {} {}; {} is not a possible reading.",
                self.name, self.min, self.max, self.unit_label, value
            ));
        }
        None
    }

    /// `value` rounded to the metric's precision, for display.
    pub fn display(&self, value: f64) -> String {
        format!("{:.*}", usize::from(self.precision), value)
    }

    pub fn to_wire(&self) -> MetricDefinition {
        MetricDefinition {
            code: self.code.to_owned(),
            name: self.name.to_owned(),
            loinc: self.loinc.map(str::to_owned),
            unit: self.unit.to_owned(),
            unit_label: self.unit_label.to_owned(),
            precision: self.precision,
            min: self.min,
            max: self.max,
            category: self.category,
            sampling: self.sampling,
        }
    }
}

/// A metric of the catalogue, as the API describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricDefinition {
    /// The metric's name in requests, such as `systolic_bp`.
    pub code: String,
    pub name: String,
    pub loinc: Option<String>,
    /// The UCUM unit values are in.
    pub unit: String,
    pub unit_label: String,
    /// Decimal places worth showing.
    pub precision: u8,
    /// The lowest possible reading; lower values are refused.
    pub min: f64,
    /// The highest possible reading; higher values are refused.
    pub max: f64,
    pub category: MetricCategory,
    pub sampling: Sampling,
}

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

/// How a reading compares with the patient's target range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    InRange,
    OutOfRange,
    /// Beyond the critical limits: the care team is alerted.
    Critical,
    /// No target range applies to this metric.
    NoTarget,
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

/// A chart's question: one metric over a time range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ObservationQuery {
    /// A metric code.
    pub metric: String,
    /// From this time (default: 30 days before `to`).
    pub from: Option<DateTime<Utc>>,
    /// Up to this time (default: now).
    pub to: Option<DateTime<Utc>>,
    /// At most this many points (default 500, at most 5000): longer ranges are downsampled
    /// into equal time buckets, each with its mean, minimum and maximum.
    pub max_points: Option<u32>,
    /// Only readings from this source: `manual`, `device`, or a device vendor such as
    /// `withings`.
    pub source: Option<String>,
}

pub const DEFAULT_MAX_POINTS: u32 = 500;
pub const MAX_MAX_POINTS: u32 = 5000;

/// A point of a chart: one reading, or the summary of a time bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesPoint {
    /// The reading's time, or the bucket's start.
    pub t: DateTime<Utc>,
    /// The reading, or the bucket's mean.
    pub value: f64,
    /// For buckets: the lowest and highest readings and how many there were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The worst judgement of the readings in the point.
    pub judgement: Judgement,
}

/// A metric's readings over a time range, ready to chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Series {
    pub metric: String,
    pub unit: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Whether points are bucket summaries rather than single readings.
    pub downsampled: bool,
    /// For downsampled series, each bucket's width. The first and last buckets may be cut short
    /// by the range: long ranges are bucketed on whole UTC hours or days.
    pub bucket_seconds: Option<u32>,
    pub points: Vec<SeriesPoint>,
    /// The patient's target range for the metric, to shade behind the line.
    pub target: Option<TargetRange>,
}

/// The newest reading of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatestObservation {
    pub metric: String,
    pub value: f64,
    pub effective_at: DateTime<Utc>,
    pub judgement: Judgement,
}

/// A condition that changes what a good reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetCondition {
    Diabetes,
    ChronicKidneyDisease,
    Pregnancy,
    Copd,
    HeartFailure,
}

impl TargetCondition {
    pub const ALL: [TargetCondition; 5] = [
        TargetCondition::Diabetes,
        TargetCondition::ChronicKidneyDisease,
        TargetCondition::Pregnancy,
        TargetCondition::Copd,
        TargetCondition::HeartFailure,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TargetCondition::Diabetes => "Diabetes",
            TargetCondition::ChronicKidneyDisease => "Chronic kidney disease",
            TargetCondition::Pregnancy => "Pregnancy",
            TargetCondition::Copd => "COPD",
            TargetCondition::HeartFailure => "Heart failure",
        }
    }
}

/// Where a target range comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// The practice default for the patient's age, sex and conditions.
    Default,
    /// Set for this patient by a practitioner.
    Override,
}

/// The range a metric should stay in for one patient. Any bound may be absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetRange {
    pub metric: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// At or below this, a reading is critical.
    pub critical_low: Option<f64>,
    /// At or above this, a reading is critical.
    pub critical_high: Option<f64>,
    pub source: TargetSource,
    /// Why this range: the guideline it follows, or the practitioner's note.
    pub reference: String,
}

impl TargetRange {
    /// Judges one reading against the range.
    pub fn judge(&self, value: f64) -> Judgement {
        if self.critical_low.is_some_and(|c| value <= c)
            || self.critical_high.is_some_and(|c| value >= c)
        {
            Judgement::Critical
        } else if self.low.is_some_and(|l| value < l) || self.high.is_some_and(|h| value > h) {
            Judgement::OutOfRange
        } else {
            Judgement::InRange
        }
    }
}

/// A practitioner's range for one metric of one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetOverride {
    pub metric: String,
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    #[serde(default)]
    pub critical_low: Option<f64>,
    #[serde(default)]
    pub critical_high: Option<f64>,
    /// The practitioner's reason for this patient's range, for the record and for colleagues
    /// (required, up to 500 characters).
    #[serde(default)]
    pub note: Option<String>,
}

impl TargetOverride {
    /// Checks the metric, that each bound is a possible reading, and that they are in order:
    /// critical low ≤ low < high ≤ critical high.
    pub fn validate(&self, index: usize) -> Vec<FieldError> {
        let mut e = Errors::default();
        let field = |name: &str| format!("overrides[{index}].{name}");
        let Some(m) = Metric::by_code(&self.metric) else {
            e.push(
                &field("metric"),
                "unknown_metric",
                "Choose a metric from the catalogue.",
            );
            return e.finish().err().unwrap_or_default();
        };
        let bounds = [
            ("critical_low", self.critical_low),
            ("low", self.low),
            ("high", self.high),
            ("critical_high", self.critical_high),
        ];
        for (name, v) in bounds {
            if let Some(reason) = v.and_then(|v| m.implausible(v)) {
                e.push(&field(name), "implausible", reason);
            }
        }
        if bounds.iter().all(|(_, v)| v.is_none()) {
            e.push(&field("low"), "required", "Set at least one bound.");
        }
        let set: Vec<(&str, f64)> = bounds
            .iter()
            .filter_map(|(n, v)| v.map(|v| (*n, v)))
            .collect();
        for pair in set.windows(2) {
            let ((_, a), (name, b)) = (pair[0], pair[1]);
            let strictly = pair[0].0 == "low" && name == "high";
            if b < a || (strictly && b <= a) {
                e.push(
                    &field(name),
                    "out_of_order",
                    "Bounds must go critical low, low, high, critical high, from lowest to highest.",
                );
            }
        }
        if self.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            e.push(
                &field("note"),
                "required",
                "Say why this patient's range differs from the default.",
            );
        } else {
            e.optional_text(&field("note"), self.note.as_deref(), 500);
        }
        e.finish().err().unwrap_or_default()
    }
}

/// A patient's target ranges: the conditions that shape the defaults, and the range that applies
/// for every metric that has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientTargets {
    pub conditions: Vec<TargetCondition>,
    pub ranges: Vec<TargetRange>,
}

/// Replaces a patient's conditions and overrides; metrics without an override use the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutTargets {
    #[serde(default)]
    pub conditions: Vec<TargetCondition>,
    #[serde(default)]
    pub overrides: Vec<TargetOverride>,
}

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

/// How a metric is moving for a patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    pub metric: String,
    /// Mean of the last 7 days' readings.
    pub average_7d: Option<f64>,
    /// Mean of the last 30 days' readings.
    pub average_30d: Option<f64>,
    /// The patient's baseline: the mean of the 90 days before the last 30.
    pub baseline: Option<f64>,
    /// `average_7d` minus `baseline`.
    pub change_from_baseline: Option<f64>,
    /// Least-squares slope over the last 28 days, in units per week.
    pub weekly_slope: Option<f64>,
    pub readings_30d: u64,
}

/// The answer to recording observations: the observation for one, a summary for an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum IngestResponse {
    One(Observation),
    Many(IngestSummary),
}

/// Which metric's trend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TrendQuery {
    /// A metric code.
    pub metric: String,
}

/// What to export: one metric or all, over a range or all time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ExportQuery {
    pub metric: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Most observations one request may carry.
pub const MAX_BATCH: usize = 50_000;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_catalogue_is_complete_and_consistent() {
        assert!(METRICS.len() >= 30);
        let ids: HashSet<i16> = METRICS.iter().map(|m| m.id).collect();
        let codes: HashSet<&str> = METRICS.iter().map(|m| m.code).collect();
        assert_eq!(ids.len(), METRICS.len(), "ids are unique");
        assert_eq!(codes.len(), METRICS.len(), "codes are unique");
        for m in METRICS {
            assert!(m.min < m.max, "{}", m.code);
            assert!(!m.unit.is_empty() && !m.name.is_empty());
        }
        for code in [
            "weight",
            "height",
            "bmi",
            "fat_mass",
            "fat_ratio",
            "fat_free_mass",
            "muscle_mass",
            "bone_mass",
            "hydration",
            "basal_metabolic_rate",
            "systolic_bp",
            "diastolic_bp",
            "heart_rate",
            "heart_rate_intraday",
            "resting_heart_rate",
            "spo2",
            "body_temperature",
            "respiratory_rate",
            "pulse_wave_velocity",
            "vascular_age",
            "vo2_max",
            "steps",
            "distance",
            "active_calories",
            "total_calories",
            "sleep_duration",
            "light_sleep",
            "deep_sleep",
            "rem_sleep",
            "sleep_score",
            "sleep_heart_rate",
            "wakeups",
            "blood_glucose",
        ] {
            assert!(
                Metric::by_code(code).is_some(),
                "{code} is in the catalogue"
            );
        }
    }

    #[test]
    fn implausible_values_are_refused_with_the_reason() {
        let hr = Metric::by_code("heart_rate").unwrap_or(&METRICS[0]);
        assert!(hr.implausible(72.0).is_none());
        assert!(hr
            .implausible(900.0)
            .is_some_and(|r| r.contains("between 20 and 300")));
        assert!(hr.implausible(f64::NAN).is_some());
    }

    #[test]
    fn judging_follows_the_bounds() {
        let r = TargetRange {
            metric: "systolic_bp".into(),
            low: Some(90.0),
            high: Some(140.0),
            critical_low: Some(70.0),
            critical_high: Some(180.0),
            source: TargetSource::Default,
            reference: String::new(),
        };
        assert_eq!(r.judge(120.0), Judgement::InRange);
        assert_eq!(r.judge(140.0), Judgement::InRange);
        assert_eq!(r.judge(141.0), Judgement::OutOfRange);
        assert_eq!(r.judge(180.0), Judgement::Critical);
        assert_eq!(r.judge(85.0), Judgement::OutOfRange);
        assert_eq!(r.judge(70.0), Judgement::Critical);
    }

    #[test]
    fn overrides_must_be_in_order_and_plausible() {
        let ok = TargetOverride {
            metric: "systolic_bp".into(),
            low: Some(100.0),
            high: Some(130.0),
            critical_low: None,
            critical_high: Some(170.0),
            note: Some("On three antihypertensives; higher is safer for now".into()),
        };
        assert!(ok.validate(0).is_empty());
        let unexplained = TargetOverride {
            note: Some("  ".into()),
            ..ok.clone()
        };
        assert_eq!(unexplained.validate(0)[0].field, "overrides[0].note");
        let swapped = TargetOverride {
            low: Some(140.0),
            ..ok.clone()
        };
        assert_eq!(swapped.validate(0)[0].field, "overrides[0].high");
        let impossible = TargetOverride {
            high: Some(900.0),
            ..ok
        };
        assert!(impossible
            .validate(1)
            .iter()
            .any(|e| e.field == "overrides[1].high"));
    }
}
