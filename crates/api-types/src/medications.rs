//! A patient's medications, the prescriptions practitioners write for them, and adherence: the
//! doses the patient records as taken or missed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::validation::Errors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum MedicationStatus {
    Active,
    /// Not being taken for now.
    OnHold,
    Stopped,
    /// A course that ran to its end.
    Completed,
}

impl MedicationStatus {
    pub const ALL: [MedicationStatus; 4] = [
        MedicationStatus::Active,
        MedicationStatus::OnHold,
        MedicationStatus::Stopped,
        MedicationStatus::Completed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MedicationStatus::Active => "active",
            MedicationStatus::OnHold => "on_hold",
            MedicationStatus::Stopped => "stopped",
            MedicationStatus::Completed => "completed",
        }
    }
    pub fn parse(s: &str) -> Option<MedicationStatus> {
        MedicationStatus::ALL.into_iter().find(|m| m.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            MedicationStatus::Active => "Active",
            MedicationStatus::OnHold => "On hold",
            MedicationStatus::Stopped => "Stopped",
            MedicationStatus::Completed => "Completed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MedicationRoute {
    Oral,
    Sublingual,
    Topical,
    Transdermal,
    Inhaled,
    Nasal,
    Eye,
    Ear,
    Subcutaneous,
    Intramuscular,
    Intravenous,
    Rectal,
    Other,
}

impl MedicationRoute {
    pub const ALL: [MedicationRoute; 13] = [
        MedicationRoute::Oral,
        MedicationRoute::Sublingual,
        MedicationRoute::Topical,
        MedicationRoute::Transdermal,
        MedicationRoute::Inhaled,
        MedicationRoute::Nasal,
        MedicationRoute::Eye,
        MedicationRoute::Ear,
        MedicationRoute::Subcutaneous,
        MedicationRoute::Intramuscular,
        MedicationRoute::Intravenous,
        MedicationRoute::Rectal,
        MedicationRoute::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MedicationRoute::Oral => "oral",
            MedicationRoute::Sublingual => "sublingual",
            MedicationRoute::Topical => "topical",
            MedicationRoute::Transdermal => "transdermal",
            MedicationRoute::Inhaled => "inhaled",
            MedicationRoute::Nasal => "nasal",
            MedicationRoute::Eye => "eye",
            MedicationRoute::Ear => "ear",
            MedicationRoute::Subcutaneous => "subcutaneous",
            MedicationRoute::Intramuscular => "intramuscular",
            MedicationRoute::Intravenous => "intravenous",
            MedicationRoute::Rectal => "rectal",
            MedicationRoute::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<MedicationRoute> {
        MedicationRoute::ALL.into_iter().find(|m| m.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            MedicationRoute::Oral => "By mouth",
            MedicationRoute::Sublingual => "Under the tongue",
            MedicationRoute::Topical => "On the skin",
            MedicationRoute::Transdermal => "Patch",
            MedicationRoute::Inhaled => "Inhaled",
            MedicationRoute::Nasal => "Nasal",
            MedicationRoute::Eye => "Eye",
            MedicationRoute::Ear => "Ear",
            MedicationRoute::Subcutaneous => "Injection under the skin",
            MedicationRoute::Intramuscular => "Injection into muscle",
            MedicationRoute::Intravenous => "Intravenous",
            MedicationRoute::Rectal => "Rectal",
            MedicationRoute::Other => "Other",
        }
    }
}

/// A medication on the patient's list, as entered or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MedicationInput {
    /// The medicine, as on the pack: "Metformin".
    pub name: String,
    /// "500 mg".
    pub strength: Option<String>,
    /// How much each time: "1 tablet".
    pub dose: String,
    pub route: MedicationRoute,
    /// In words: "twice a day with meals".
    pub frequency: String,
    /// Doses expected each day, for adherence (leave out for "as needed").
    pub doses_per_day: Option<u8>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub status: MedicationStatus,
    /// Who prescribed it, when not a practitioner here (a GP, a hospital).
    pub prescriber_name: Option<String>,
    pub reason: Option<String>,
    pub instructions: Option<String>,
}

impl MedicationInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("name", &self.name, 200);
        e.optional_text("strength", self.strength.as_deref(), 100);
        e.required_text("dose", &self.dose, 100);
        e.required_text("frequency", &self.frequency, 200);
        e.optional_text("prescriber_name", self.prescriber_name.as_deref(), 200);
        e.optional_text("reason", self.reason.as_deref(), 500);
        e.optional_text("instructions", self.instructions.as_deref(), 1000);
        if self.doses_per_day.is_some_and(|n| n == 0 || n > 24) {
            e.push(
                "doses_per_day",
                "out_of_range",
                "Use 1 to 24 doses a day, or leave it empty for as needed.",
            );
        }
        if self.end_date.is_some_and(|end| end < self.start_date) {
            e.push(
                "end_date",
                "before_start",
                "The end date cannot be before the start.",
            );
        }
        e.finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionStatus {
    Issued,
    Cancelled,
}

/// A prescription a practitioner wrote for a medication on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Prescription {
    pub id: Uuid,
    pub medication_id: Uuid,
    pub prescriber_id: Uuid,
    pub prescriber_name: Option<String>,
    /// "60 tablets".
    pub quantity: String,
    pub repeats: u8,
    pub instructions: Option<String>,
    pub status: PrescriptionStatus,
    pub issued_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPrescription {
    /// 1 to 100 characters: "60 tablets".
    pub quantity: String,
    /// 0 to 12.
    #[serde(default)]
    pub repeats: u8,
    pub instructions: Option<String>,
}

impl NewPrescription {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("quantity", &self.quantity, 100);
        e.optional_text("instructions", self.instructions.as_deref(), 1000);
        if self.repeats > 12 {
            e.push("repeats", "out_of_range", "Use 0 to 12 repeats.");
        }
        e.finish()
    }
}

/// Doses over the last days, as a share of what was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdherenceSummary {
    /// The days counted, ending today.
    pub days: u32,
    pub taken: u32,
    pub missed: u32,
    /// Taken doses over expected doses, when the medication has a daily schedule; else over
    /// recorded doses. `None` with nothing to go on.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Medication {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub name: String,
    pub strength: Option<String>,
    pub dose: String,
    pub route: MedicationRoute,
    pub frequency: String,
    pub doses_per_day: Option<u8>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub status: MedicationStatus,
    /// A practitioner here who prescribed it.
    pub prescriber_id: Option<Uuid>,
    /// Who prescribed it: the practitioner's name, or as entered.
    pub prescriber_name: Option<String>,
    pub reason: Option<String>,
    pub instructions: Option<String>,
    pub prescriptions: Vec<Prescription>,
    /// The last 30 days.
    pub adherence: AdherenceSummary,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MedicationQuery {
    /// Include stopped and completed medications.
    pub include_past: Option<bool>,
}

/// A dose taken or missed, as the patient (or staff on their word) records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDose {
    pub taken: bool,
    /// When; now if left out. Not in the future, nor more than 30 days ago.
    pub at: Option<DateTime<Utc>>,
    /// Up to 500 characters: why a dose was missed, a side effect.
    pub note: Option<String>,
}

impl NewDose {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.optional_text("note", self.note.as_deref(), 500);
        e.finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dose {
    pub id: Uuid,
    pub medication_id: Uuid,
    pub taken: bool,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    /// Recorded by the patient (else by staff).
    pub by_patient: bool,
}

/// One day's doses, in the practice's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdherenceDay {
    pub date: NaiveDate,
    pub taken: u32,
    pub missed: u32,
    /// Doses expected that day (from `doses_per_day`, within the medication's dates).
    pub expected: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adherence {
    pub medication_id: Uuid,
    pub summary: AdherenceSummary,
    /// Oldest first.
    pub days: Vec<AdherenceDay>,
    /// The latest doses recorded, newest first.
    pub recent: Vec<Dose>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AdherenceQuery {
    /// 7 to 180 days, ending today; 30 by default.
    #[cfg_attr(feature = "openapi", param(minimum = 7, maximum = 180))]
    pub days: Option<u32>,
}

/// Taken over expected (or over recorded, without a schedule), from day counts.
pub fn adherence_rate(days: &[AdherenceDay]) -> Option<f64> {
    let taken: u32 = days.iter().map(|d| d.taken).sum();
    let missed: u32 = days.iter().map(|d| d.missed).sum();
    let expected: Option<u32> = days.iter().map(|d| d.expected).sum();
    match expected {
        Some(0) => None,
        Some(e) => Some((f64::from(taken) / f64::from(e)).min(1.0)),
        None if taken + missed == 0 => None,
        None => Some(f64::from(taken) / f64::from(taken + missed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(taken: u32, missed: u32, expected: Option<u32>) -> AdherenceDay {
        AdherenceDay {
            date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
            taken,
            missed,
            expected,
        }
    }

    #[test]
    fn adherence_counts_against_the_schedule_or_what_was_recorded() {
        // Twice a day for two days, three doses taken: 75%, even with nothing marked missed.
        assert_eq!(
            adherence_rate(&[day(2, 0, Some(2)), day(1, 0, Some(2))]),
            Some(0.75)
        );
        // An extra dose does not make it more than 100%.
        assert_eq!(adherence_rate(&[day(3, 0, Some(2))]), Some(1.0));
        // As needed: taken over recorded.
        assert_eq!(
            adherence_rate(&[day(1, 1, None), day(2, 0, None)]),
            Some(0.75)
        );
        assert_eq!(adherence_rate(&[day(0, 0, None)]), None);
        assert_eq!(adherence_rate(&[]), None);
    }
}
