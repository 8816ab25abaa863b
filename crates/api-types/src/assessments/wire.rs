//! Questionnaires on the wire: instruments as the API describes them, answers to record, and
//! completed questionnaires with their results and reviews.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::instruments::{Definition, Instrument};
use super::scoring::{ItemFlag, Severity, SubscaleScore};
use crate::error::FieldError;

/// One answer choice, as the API describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChoiceInfo {
    pub value: u8,
    pub label: String,
}

/// A questionnaire: what it asks and the answers it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentInfo {
    pub instrument: Instrument,
    pub name: String,
    pub title: String,
    pub prompt: String,
    pub items: Vec<String>,
    pub choices: Vec<ChoiceInfo>,
    pub min_score: u32,
    pub max_score: u32,
}

impl From<&Definition> for InstrumentInfo {
    fn from(d: &Definition) -> Self {
        let (min_score, max_score) = d.instrument.range();
        InstrumentInfo {
            instrument: d.instrument,
            name: d.name.to_owned(),
            title: d.title.to_owned(),
            prompt: d.prompt.to_owned(),
            items: d.items.iter().map(|i| (*i).to_owned()).collect(),
            choices: d
                .choices
                .iter()
                .map(|c| ChoiceInfo {
                    value: c.value,
                    label: c.label.to_owned(),
                })
                .collect(),
            min_score,
            max_score,
        }
    }
}

/// Who completed the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssessmentSource {
    /// The patient, in the portal.
    Patient,
    /// Staff, entering the patient's answers.
    Staff,
}

/// A completed questionnaire to record: one answer per item, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    pub instrument: Instrument,
    pub answers: Vec<u8>,
    /// When the patient answered; now when absent. Not in the future.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// The appointment it was completed for, if any.
    #[serde(default)]
    pub appointment_id: Option<Uuid>,
}

/// A clinician's review of an urgent answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentReview {
    pub reviewed_by: Option<Uuid>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: DateTime<Utc>,
    pub note: String,
}

/// A completed questionnaire with its exact result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// For lists across patients.
    pub patient_name: String,
    pub instrument: Instrument,
    pub answers: Vec<u8>,
    pub score: u32,
    pub min_score: u32,
    pub max_score: u32,
    pub severity: Severity,
    pub subscales: Vec<SubscaleScore>,
    pub flags: Vec<ItemFlag>,
    /// An urgent flag was raised (PHQ-9 item 9 above zero) and the care team alerted.
    pub urgent: bool,
    pub review: Option<AssessmentReview>,
    pub source: AssessmentSource,
    pub entered_by: Option<Uuid>,
    pub entered_by_name: Option<String>,
    pub appointment_id: Option<Uuid>,
    pub completed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// Mark an urgent answer as reviewed, saying what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewAssessment {
    /// 1 to 2,000 characters.
    pub note: String,
}

impl ReviewAssessment {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let n = self.note.trim().chars().count();
        if n == 0 || n > 2000 {
            return Err(vec![FieldError {
                field: "note".into(),
                code: if n == 0 { "required" } else { "too_long" }.into(),
                message: "Say what was done, in up to 2,000 characters.".into(),
            }]);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AssessmentQuery {
    pub instrument: Option<Instrument>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}
