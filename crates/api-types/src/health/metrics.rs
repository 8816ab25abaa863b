//! The metrics Carebase records: what each measures, in which unit, to what precision, and
//! which readings are physiologically possible.

use serde::{Deserialize, Serialize};

use super::catalogue::METRICS;

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
}
