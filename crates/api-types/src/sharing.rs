//! What a patient has agreed to, who has seen their record, and their requests to correct or
//! erase it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The consents Carebase records, each given or withdrawn with a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// The practice keeps and uses the patient's health information to care for them.
    DataProcessing,
    /// Appointment messages and reminders by SMS.
    SmsContact,
    /// Appointment messages and reminders by email.
    EmailContact,
    /// The patient's data may be analysed by the practice's AI assistant for reports.
    AiAnalysis,
    /// De-identified data may be used in research.
    Research,
    /// Phone calls with the practice may be recorded (the patient hears that each one is).
    CallRecording,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 6] = [
        ConsentKind::DataProcessing,
        ConsentKind::SmsContact,
        ConsentKind::EmailContact,
        ConsentKind::AiAnalysis,
        ConsentKind::Research,
        ConsentKind::CallRecording,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::DataProcessing => "data_processing",
            ConsentKind::SmsContact => "sms_contact",
            ConsentKind::EmailContact => "email_contact",
            ConsentKind::AiAnalysis => "ai_analysis",
            ConsentKind::Research => "research",
            ConsentKind::CallRecording => "call_recording",
        }
    }

    pub fn parse(s: &str) -> Option<ConsentKind> {
        ConsentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ConsentKind::DataProcessing => "Keeping and using my health information for my care",
            ConsentKind::SmsContact => "Appointment messages and reminders by SMS",
            ConsentKind::EmailContact => "Appointment messages and reminders by email",
            ConsentKind::AiAnalysis => "Analysis of my data by the practice's AI assistant",
            ConsentKind::Research => "Use of my de-identified data in research",
            ConsentKind::CallRecording => "Recording of my phone calls with the practice",
        }
    }

    /// What applies before the patient has said either way: care and appointment messages are
    /// part of being a patient (implied consent, which can be withdrawn); AI analysis, research
    /// and call recording need a yes.
    pub fn default_given(self) -> bool {
        matches!(
            self,
            ConsentKind::DataProcessing | ConsentKind::SmsContact | ConsentKind::EmailContact
        )
    }
}

/// Who recorded a consent decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// The patient, in the portal.
    Patient,
    /// Staff, on the patient's word (at the desk, on a form, by phone).
    Staff,
}

/// One decision, given or withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentDecision {
    pub given: bool,
    pub at: DateTime<Utc>,
    pub source: ConsentSource,
    pub recorded_by: Option<Uuid>,
    pub recorded_by_name: Option<String>,
}

/// A consent as it stands, with every decision, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    pub kind: ConsentKind,
    pub label: String,
    pub given: bool,
    /// No decision recorded yet: `given` is the default for this kind.
    pub is_default: bool,
    pub history: Vec<ConsentDecision>,
}

/// Give or withdraw a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetConsent {
    pub given: bool,
}

/// One access to a patient's record, as the patient sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordAccess {
    pub at: DateTime<Utc>,
    /// The person (or "The practice's systems", or an integration).
    pub who: String,
    /// `admin`, `practitioner`, `nurse`, `receptionist`, `patient`, or none for systems.
    pub role: Option<String>,
    /// What was done, in words: "Viewed health readings".
    pub what: String,
    /// The audit action, for integrators: `observation.read`.
    pub action: String,
    /// `success` or `failure`.
    pub outcome: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AccessLogQuery {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The words a patient reads for an audit action on their record.
pub fn describe_action(action: &str) -> String {
    use crate::audit::AuditAction as A;
    let Some(a) = A::parse(action) else {
        return action.replace(['.', '_'], " ");
    };
    let known = match a {
        A::PatientRead => "Opened your record",
        A::PatientUpdate => "Updated your details",
        A::PatientCreate => "Registered you as a patient",
        A::PatientSearch => "Found you in a patient search",
        A::PatientArchive => "Archived your record",
        A::PatientRestore => "Restored your record",
        A::PatientInvite => "Invited you to the portal",
        A::ClinicalBreakGlass => "Opened your clinical record in an emergency (break the glass)",
        A::CareTeamRead => "Viewed your care team",
        A::CareTeamAdd => "Added someone to your care team",
        A::CareTeamRemove => "Removed someone from your care team",
        A::ObservationRead => "Viewed your health readings",
        A::ObservationCreate => "Recorded health readings",
        A::ObservationExport => "Exported your health readings",
        A::TargetsRead => "Viewed your target ranges",
        A::TargetsUpdate => "Changed your target ranges",
        A::AlertList => "Viewed your alerts",
        A::AlertAcknowledge => "Acknowledged an alert",
        A::AssessmentList => "Viewed your questionnaires",
        A::AssessmentCreate => "Recorded a questionnaire",
        A::AssessmentReview => "Reviewed a questionnaire answer",
        A::AppointmentRead | A::AppointmentList | A::AppointmentHistory => {
            "Viewed your appointments"
        }
        A::AppointmentCreate => "Booked an appointment",
        A::AppointmentReschedule => "Moved an appointment",
        A::AppointmentCancel => "Cancelled an appointment",
        A::AppointmentStatus | A::AppointmentUpdate => "Updated an appointment",
        A::ConsentRead => "Viewed your consents",
        A::ConsentUpdate => "Recorded a consent decision",
        A::AccessLogRead => "Viewed who has seen your record",
        A::PatientExport => "Downloaded your data",
        A::AccessGrantList => "Viewed who you share your record with",
        A::AccessGrantCreate => "Shared your record with a practitioner",
        A::AccessGrantRevoke => "Stopped sharing your record with a practitioner",
        A::DeviceConnect | A::DeviceConnectStart => "Connected a device",
        A::DeviceSync => "Synced a device",
        A::DeviceDisconnect => "Disconnected a device",
        A::GoogleCalendarEventWrite => "Put your appointment in a practitioner's Google Calendar",
        A::CalendarFeedRead => "Read a practitioner's calendar feed showing your appointment",
        A::NoteList | A::NoteRead | A::TimelineRead => "Viewed your clinical notes",
        A::NoteCreate | A::NoteUpdate => "Wrote a clinical note",
        A::NoteSign => "Signed a clinical note",
        A::NoteAmend => "Amended a clinical note",
        A::NoteDiscard => "Discarded a draft note",
        A::DocumentList => "Viewed your documents",
        A::DocumentUpload => "Added a document",
        A::DocumentPreview => "Viewed a document",
        A::DocumentDownload => "Downloaded a document",
        A::DocumentDelete => "Removed a document",
        A::ImagingList => "Viewed your imaging",
        A::ImagingCreate | A::ImagingUpdate => "Recorded an imaging study",
        A::MedicationList | A::MedicationAdherence => "Viewed your medications",
        A::MedicationCreate | A::MedicationUpdate => "Updated your medications",
        A::MedicationDose => "Recorded a dose",
        A::PrescriptionCreate => "Wrote a prescription",
        A::PrescriptionCancel => "Cancelled a prescription",
        A::TherapyList => "Viewed your therapy sessions",
        A::TherapyCreate | A::TherapyUpdate => "Recorded a therapy session",
        A::HomeworkList => "Viewed your homework",
        A::HomeworkAssign => "Set homework",
        A::HomeworkComplete => "Marked homework done",
        A::DataRequestList => "Viewed your requests about your data",
        A::DataRequestCreate => "Made a request about your data",
        A::DataRequestResolve => "Answered your request about your data",
        A::PatientErase => "Erased your data as far as the law allows",
        _ => "",
    };
    if known.is_empty() {
        action.replace(['.', '_'], " ")
    } else {
        known.to_owned()
    }
}

/// The parts of a clinical record a patient can share on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordCategory {
    /// Readings from devices and entered by hand, target ranges and alerts.
    Health,
    /// Questionnaires and their scores.
    Assessments,
    /// Clinical notes.
    Notes,
    /// Medications and adherence.
    Medications,
    /// Documents and imaging.
    Documents,
}

impl RecordCategory {
    pub const ALL: [RecordCategory; 5] = [
        RecordCategory::Health,
        RecordCategory::Assessments,
        RecordCategory::Notes,
        RecordCategory::Medications,
        RecordCategory::Documents,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordCategory::Health => "health",
            RecordCategory::Assessments => "assessments",
            RecordCategory::Notes => "notes",
            RecordCategory::Medications => "medications",
            RecordCategory::Documents => "documents",
        }
    }

    pub fn parse(s: &str) -> Option<RecordCategory> {
        RecordCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RecordCategory::Health => "Health readings",
            RecordCategory::Assessments => "Questionnaires",
            RecordCategory::Notes => "Clinical notes",
            RecordCategory::Medications => "Medications",
            RecordCategory::Documents => "Documents and imaging",
        }
    }
}

/// A patient's permission for a practitioner outside their care team to see their record: all
/// of it or some categories, for good or until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessGrant {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub grantee_id: Uuid,
    pub grantee_name: String,
    /// Every category, now and to come.
    pub all_records: bool,
    /// The categories shared, when not `all_records`.
    pub categories: Vec<RecordCategory>,
    pub expires_at: Option<DateTime<Utc>>,
    pub source: ConsentSource,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub active: bool,
}

/// Share the record with a practitioner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccessGrant {
    pub grantee_id: Uuid,
    /// The categories to share; none means the whole record.
    #[serde(default)]
    pub categories: Vec<RecordCategory>,
    /// When the access ends; never, when absent. In the future.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A clinician of the practice a patient may share their record with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharingCandidate {
    pub id: Uuid,
    pub name: String,
    pub role: crate::Role,
    /// Already on the patient's care team (who see the record anyway).
    pub on_care_team: bool,
}

/// What a patient asks of the practice about their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DataRequestKind {
    /// Correct something that is wrong or out of date.
    Rectification,
    /// Erase their data, as far as the law allows.
    Erasure,
}

impl DataRequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DataRequestKind::Rectification => "rectification",
            DataRequestKind::Erasure => "erasure",
        }
    }
    pub fn parse(s: &str) -> Option<DataRequestKind> {
        [DataRequestKind::Rectification, DataRequestKind::Erasure]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            DataRequestKind::Rectification => "Correction",
            DataRequestKind::Erasure => "Erasure",
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
pub enum DataRequestStatus {
    Open,
    Completed,
    Declined,
}

impl DataRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DataRequestStatus::Open => "open",
            DataRequestStatus::Completed => "completed",
            DataRequestStatus::Declined => "declined",
        }
    }
    pub fn parse(s: &str) -> Option<DataRequestStatus> {
        [
            DataRequestStatus::Open,
            DataRequestStatus::Completed,
            DataRequestStatus::Declined,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDataRequest {
    pub kind: DataRequestKind,
    /// What is wrong and what it should say, or why erasure is asked for; 1 to 4,000 characters.
    pub details: String,
}

impl NewDataRequest {
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut e = crate::validation::Errors::default();
        e.required_text("details", &self.details, 4000);
        e.finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataRequest {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub kind: DataRequestKind,
    pub details: String,
    pub status: DataRequestStatus,
    /// The practice's answer: what was changed, or why not.
    pub response: Option<String>,
    /// Made by the patient in the portal (else by staff on their behalf).
    pub by_patient: bool,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveDataRequest {
    /// `completed` or `declined`. Completing an erasure request erases the patient's data.
    pub status: DataRequestStatus,
    /// What was done, or why not; shown to the patient. 1 to 4,000 characters.
    pub response: String,
}

impl ResolveDataRequest {
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut e = crate::validation::Errors::default();
        e.required_text("response", &self.response, 4000);
        if self.status == DataRequestStatus::Open {
            e.push("status", "invalid", "Complete or decline the request.");
        }
        e.finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DataRequestQuery {
    /// Open requests by default.
    pub status: Option<DataRequestStatus>,
}

/// One kind of data, and what erasure does with it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasureItem {
    pub what: String,
    pub why: String,
}

/// What erasing a patient's data removes, what it must keep and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasureReport {
    pub erased: Vec<ErasureItem>,
    pub kept: Vec<ErasureItem>,
    /// The earliest date the kept health record may be destroyed: seven years after the last
    /// service, or the patient's 25th birthday if later.
    pub retain_until: NaiveDate,
    /// When it was done; `None` for a preview.
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EraseRequest {
    /// Why, for the audit log; 1 to 1,000 characters.
    pub reason: String,
}
