//! Target ranges: the range each metric should stay in for a patient (a default for their age,
//! sex and conditions, or a practitioner's own), and how a reading is judged against it.

use serde::{Deserialize, Serialize};

use super::metrics::Metric;
use crate::error::FieldError;
use crate::validation::Errors;

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

#[cfg(test)]
mod tests {
    use super::*;

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
