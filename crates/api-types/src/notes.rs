//! Clinical notes: written from a practice template as sanitised rich text, kept as a draft
//! until the author signs it, then locked; every later change is an amendment that keeps the
//! versions before it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::documents::Document;
use crate::error::FieldError;
use crate::validation::Errors;

/// The longest note body accepted, in characters of HTML.
pub const MAX_BODY_CHARS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoteType {
    /// Subjective, objective, assessment, plan.
    Soap,
    Progress,
    InitialAssessment,
    PhoneCall,
    Admin,
}

impl NoteType {
    pub const ALL: [NoteType; 5] = [
        NoteType::Soap,
        NoteType::Progress,
        NoteType::InitialAssessment,
        NoteType::PhoneCall,
        NoteType::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteType::Soap => "soap",
            NoteType::Progress => "progress",
            NoteType::InitialAssessment => "initial_assessment",
            NoteType::PhoneCall => "phone_call",
            NoteType::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<NoteType> {
        NoteType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            NoteType::Soap => "SOAP note",
            NoteType::Progress => "Progress note",
            NoteType::InitialAssessment => "Initial assessment",
            NoteType::PhoneCall => "Phone call",
            NoteType::Admin => "Admin note",
        }
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
pub enum NoteStatus {
    /// The author may still change or discard it; only they and admins see it.
    Draft,
    /// Locked: changes are amendments.
    Signed,
    /// Signed, with at least one amendment.
    Amended,
}

/// A practice's starting point for a kind of note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteTemplate {
    pub id: Uuid,
    pub name: String,
    pub note_type: NoteType,
    /// Sanitised HTML the editor starts from.
    pub body_html: String,
    /// The template offered first for its type.
    pub is_default: bool,
    pub archived: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteTemplateInput {
    /// 1 to 120 characters.
    pub name: String,
    pub note_type: NoteType,
    pub body_html: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub archived: bool,
}

impl NoteTemplateInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("name", &self.name, 120);
        body_rule(&mut e, "body_html", &self.body_html);
        e.finish()
    }
}

fn body_rule(e: &mut Errors, field: &str, body: &str) {
    if body.chars().count() > MAX_BODY_CHARS {
        e.push(
            field,
            "too_long",
            format!("Keep a note under {MAX_BODY_CHARS} characters."),
        );
    }
}

/// What a version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoteVersionKind {
    /// The note as signed.
    Original,
    Amendment,
}

/// One locked version of a signed note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteVersion {
    /// 1 for the note as signed, then one more per amendment.
    pub version: i32,
    pub kind: NoteVersionKind,
    pub title: String,
    pub body_html: String,
    /// Why it was amended.
    pub reason: Option<String>,
    pub author_id: Uuid,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub note_type: NoteType,
    pub status: NoteStatus,
    pub title: String,
    /// The current text: the draft, or the latest signed version.
    pub body_html: String,
    pub appointment_id: Option<Uuid>,
    /// The linked appointment's type, for showing beside the note.
    pub appointment_label: Option<String>,
    pub appointment_starts_at: Option<DateTime<Utc>>,
    pub author_id: Uuid,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    /// Every locked version, oldest first (empty for a draft).
    pub versions: Vec<NoteVersion>,
    pub attachments: Vec<Document>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewNote {
    pub note_type: NoteType,
    /// 1 to 200 characters.
    pub title: String,
    /// Rich text; headings, paragraphs, bold, italic, lists and links are kept, everything else
    /// is removed.
    pub body_html: String,
    pub appointment_id: Option<Uuid>,
}

impl NewNote {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("title", &self.title, 200);
        body_rule(&mut e, "body_html", &self.body_html);
        e.finish()
    }
}

/// Amend a signed note: the new text and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAmendment {
    /// The title as amended; the current one when left out.
    pub title: Option<String>,
    pub body_html: String,
    /// 1 to 1,000 characters.
    pub reason: String,
}

impl NewAmendment {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if let Some(t) = &self.title {
            e.required_text("title", t, 200);
        }
        body_rule(&mut e, "body_html", &self.body_html);
        e.required_text("reason", &self.reason, 1000);
        e.finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct NoteQuery {
    pub note_type: Option<NoteType>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// What a timeline entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Note,
    Assessment,
    Appointment,
    Document,
    Imaging,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 5] = [
        TimelineKind::Note,
        TimelineKind::Assessment,
        TimelineKind::Appointment,
        TimelineKind::Document,
        TimelineKind::Imaging,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::Note => "note",
            TimelineKind::Assessment => "assessment",
            TimelineKind::Appointment => "appointment",
            TimelineKind::Document => "document",
            TimelineKind::Imaging => "imaging",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TimelineKind::Note => "Notes",
            TimelineKind::Assessment => "Questionnaires",
            TimelineKind::Appointment => "Appointments",
            TimelineKind::Document => "Documents",
            TimelineKind::Imaging => "Imaging",
        }
    }
}

/// One event in a patient's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub kind: TimelineKind,
    /// The note, assessment, appointment, document or study.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub title: String,
    /// A line under the title: the note type and status, a score, an appointment's outcome.
    pub summary: String,
    pub note_type: Option<NoteType>,
    pub by_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TimelineQuery {
    /// Only these kinds, comma-separated (`note,assessment`); all by default.
    pub kinds: Option<String>,
    /// Only notes of this type (with `note` among the kinds).
    pub note_type: Option<NoteType>,
    /// How many entries, newest first: 1 to 500, 200 by default.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<u64>,
}
