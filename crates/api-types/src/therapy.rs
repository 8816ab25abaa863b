//! Therapy sessions (linked to appointments) and the homework set in them, which the patient
//! marks done in the portal with a reflection.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::validation::Errors;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TherapySession {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Option<Uuid>,
    /// The linked appointment's type, for showing beside the session.
    pub appointment_label: Option<String>,
    pub clinician_id: Uuid,
    pub clinician_name: Option<String>,
    pub session_date: NaiveDate,
    pub goals: String,
    pub interventions: String,
    pub progress: String,
    pub plan: Option<String>,
    /// Homework set in this session.
    pub homework: Vec<Homework>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TherapySessionInput {
    pub appointment_id: Option<Uuid>,
    pub session_date: NaiveDate,
    /// What the patient is working towards; up to 4,000 characters each.
    pub goals: String,
    pub interventions: String,
    pub progress: String,
    pub plan: Option<String>,
}

impl TherapySessionInput {
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("goals", &self.goals, 4000);
        e.required_text("interventions", &self.interventions, 4000);
        e.required_text("progress", &self.progress, 4000);
        e.optional_text("plan", self.plan.as_deref(), 4000);
        if self.session_date > today {
            e.push(
                "session_date",
                "in_future",
                "Record a session once it has happened.",
            );
        }
        e.finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum HomeworkStatus {
    Assigned,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Homework {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub session_id: Option<Uuid>,
    pub assigned_by: Uuid,
    pub assigned_by_name: Option<String>,
    pub title: String,
    pub instructions: Option<String>,
    pub due_date: NaiveDate,
    pub status: HomeworkStatus,
    /// Not done and past its due date (in the practice's time zone).
    pub overdue: bool,
    pub completed_at: Option<DateTime<Utc>>,
    /// What the patient wrote when marking it done.
    pub reflection: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewHomework {
    /// 1 to 200 characters.
    pub title: String,
    pub instructions: Option<String>,
    pub due_date: NaiveDate,
    /// The session it was set in.
    pub session_id: Option<Uuid>,
}

impl NewHomework {
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("title", &self.title, 200);
        e.optional_text("instructions", self.instructions.as_deref(), 4000);
        if self.due_date < today {
            e.push("due_date", "in_past", "Choose a due date from today on.");
        }
        e.finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteHomework {
    /// How it went; up to 4,000 characters.
    pub reflection: Option<String>,
}

impl CompleteHomework {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.optional_text("reflection", self.reflection.as_deref(), 4000);
        e.finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct HomeworkQuery {
    pub status: Option<HomeworkStatus>,
}
