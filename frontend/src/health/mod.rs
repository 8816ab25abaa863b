//! Health data in the app: the Health tab of a patient's page (and the patient's own health page
//! in the portal), manual entry, target ranges, and alerts for critical readings.

mod alerts;
mod chart;
mod devices;
mod entry;
mod panel;
mod targets;

pub use alerts::DashboardAlerts;
use panel::HealthPanel;

use api_types::health::{Judgement, Metric};
use leptos::prelude::*;
use uuid::Uuid;

/// A patient's health panel (for staff, with the patient's open alerts); the health area's code
/// arrives the first time it is shown.
#[cfg_attr(feature = "split", leptos::lazy(health))]
pub async fn panel(patient_id: Uuid, staff: bool) -> AnyView {
    view! { <HealthPanel patient_id staff /> }.into_any()
}

/// A judgement as people read it, with the badge class that shows it.
pub fn judgement_badge(j: Judgement) -> (&'static str, &'static str) {
    match j {
        Judgement::InRange => ("In range", "badge-success"),
        Judgement::OutOfRange => ("Out of range", "badge-warning"),
        Judgement::Critical => ("Critical", "badge-danger"),
        Judgement::NoTarget => ("No target", "badge-muted"),
    }
}

/// A value with its unit, to the metric's precision: `72.4 kg`.
pub fn with_unit(metric: &Metric, value: f64) -> String {
    format!("{} {}", metric.display(value), metric.unit_label)
}

/// The metric's name for a code, or the code itself.
pub fn metric_name(code: &str) -> String {
    Metric::by_code(code).map_or_else(|| code.to_owned(), |m| m.name.to_owned())
}
