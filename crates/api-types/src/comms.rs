//! Correspondence: every message to or from a patient, on any channel, as one history on their
//! record; what staff send from it; and the log of calls the providers make to the practice.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::Errors;

db_enum! {
    /// How a message travelled.
    pub enum CorrespondenceChannel {
        Email,
        Sms,
        /// A telephone call.
        Call,
        /// A message in the patient portal.
        Portal,
        /// A video visit.
        Video,
    }
}

impl CorrespondenceChannel {
    pub const ALL: [CorrespondenceChannel; 5] = [
        CorrespondenceChannel::Email,
        CorrespondenceChannel::Sms,
        CorrespondenceChannel::Call,
        CorrespondenceChannel::Portal,
        CorrespondenceChannel::Video,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CorrespondenceChannel::Email => "Email",
            CorrespondenceChannel::Sms => "SMS",
            CorrespondenceChannel::Call => "Call",
            CorrespondenceChannel::Portal => "Portal message",
            CorrespondenceChannel::Video => "Video visit",
        }
    }
}

db_enum! {
    /// Which way a message went.
    pub enum Direction {
        /// From the practice to the patient.
        Outbound,
        /// From the patient to the practice.
        Inbound,
    }
}

db_enum! {
    /// Where a message is now.
    pub enum CorrespondenceStatus {
        /// Waiting to be handed to the provider (or kept because none is configured).
        Queued,
        /// The provider accepted it.
        Sent,
        /// The provider reports it reached the patient's phone or mail server.
        Delivered,
        /// It could not be sent or delivered; `error` says why.
        Failed,
        /// An inbound message that arrived.
        Received,
        /// The recipient opened it.
        Read,
    }
}

impl CorrespondenceStatus {
    pub fn label(self) -> &'static str {
        match self {
            CorrespondenceStatus::Queued => "Queued",
            CorrespondenceStatus::Sent => "Sent",
            CorrespondenceStatus::Delivered => "Delivered",
            CorrespondenceStatus::Failed => "Failed",
            CorrespondenceStatus::Received => "Received",
            CorrespondenceStatus::Read => "Read",
        }
    }

    /// How far along an outbound message is: a status report never moves a message back.
    pub fn progress(self) -> u8 {
        match self {
            CorrespondenceStatus::Queued => 0,
            CorrespondenceStatus::Sent => 1,
            CorrespondenceStatus::Failed => 2,
            CorrespondenceStatus::Delivered => 3,
            CorrespondenceStatus::Received => 3,
            CorrespondenceStatus::Read => 4,
        }
    }
}

db_enum! {
    /// What caused a message.
    pub enum CorrespondenceKind {
        /// A confirmation, change or cancellation of an appointment.
        Appointment,
        /// The day-before reminder.
        Reminder,
        /// An invitation to the patient portal.
        Invitation,
        /// Written by a member of staff.
        Written,
        /// Sent by the patient.
        Reply,
        /// A notice the product sends on its own (such as an answer to a request).
        Notice,
    }
}

impl CorrespondenceKind {
    pub fn label(self) -> &'static str {
        match self {
            CorrespondenceKind::Appointment => "Appointment message",
            CorrespondenceKind::Reminder => "Reminder",
            CorrespondenceKind::Invitation => "Portal invitation",
            CorrespondenceKind::Written => "Written by staff",
            CorrespondenceKind::Reply => "From the patient",
            CorrespondenceKind::Notice => "Notice",
        }
    }
}

/// One message to or from a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Correspondence {
    pub id: Uuid,
    /// `None` while an inbound message waits in triage for its patient.
    pub patient_id: Option<Uuid>,
    pub patient_name: Option<String>,
    pub channel: CorrespondenceChannel,
    pub direction: Direction,
    pub kind: CorrespondenceKind,
    pub status: CorrespondenceStatus,
    /// The patient's side: the number or address it went to or came from.
    pub counterpart: String,
    /// Emails only.
    pub subject: Option<String>,
    pub body: String,
    /// The member of staff who wrote it, for messages written by staff.
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    /// Why it failed, in the provider's words.
    pub error: Option<String>,
    /// Inbound messages: when a member of staff answered or dealt with it.
    pub answered_at: Option<DateTime<Utc>>,
    /// Inbound messages whose number matches several patients: the ones it could be from.
    #[serde(default)]
    pub candidates: Vec<TriageCandidate>,
    /// The names of files that came with it (an inbound email's attachments are filed in the
    /// patient's documents).
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Whether staff may retry it (a failed outbound message).
    pub can_retry: bool,
    /// A portal message: the conversation it belongs to, where its content is read (by those
    /// who may).
    #[serde(default)]
    pub thread_id: Option<Uuid>,
    /// A telephone call: how long it lasted, its recording and transcript (the transcript is
    /// the entry's `body`).
    #[serde(default)]
    pub call: Option<CallDetails>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

db_enum! {
    /// Where a call's recording is.
    pub enum RecordingState {
        /// Twilio is finishing it, or it is being fetched.
        Pending,
        /// Kept, encrypted, in the patient's documents.
        Stored,
        /// Twilio made no recording, or it could not be fetched.
        Failed,
    }
}

db_enum! {
    /// Where a recorded call's transcript is.
    pub enum TranscriptState {
        /// Waiting for the recording, or being transcribed.
        Pending,
        /// Written: it is the entry's body.
        Done,
        /// No speech-to-text service is set up.
        Unavailable,
        /// The service could not transcribe it.
        Failed,
    }
}

impl RecordingState {
    pub fn label(self) -> &'static str {
        match self {
            RecordingState::Pending => "Recording being saved",
            RecordingState::Stored => "Recorded",
            RecordingState::Failed => "Recording not available",
        }
    }
}

impl TranscriptState {
    pub fn label(self) -> &'static str {
        match self {
            TranscriptState::Pending => "Transcript being written",
            TranscriptState::Done => "Transcript",
            TranscriptState::Unavailable => "No transcript: no speech-to-text service is set up",
            TranscriptState::Failed => "The call could not be transcribed",
        }
    }
}

/// What is known of a telephone call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallDetails {
    /// How long the patient was on the line, once the call has ended.
    pub seconds: Option<i32>,
    /// `None` when the call was not recorded.
    pub recording: Option<RecordingState>,
    /// The recording, as a document of the patient's (read through the documents API).
    pub recording_document_id: Option<Uuid>,
    /// `None` when the call was not recorded.
    pub transcript: Option<TranscriptState>,
}

/// Call a patient from their record: Twilio rings the member of staff's phone first, then
/// connects the patient, who sees the practice's number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartCall {
    /// The phone to ring first, in international form (`+61…`); remembered for the next call.
    /// Left out, the one remembered is rung.
    #[serde(default)]
    pub staff_phone: Option<String>,
    /// Record the call. Needs the patient's consent to call recording; they hear that the call
    /// is recorded before it connects.
    #[serde(default)]
    pub record: bool,
}

impl StartCall {
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut e = Errors::default();
        if let Some(phone) = self.staff_phone.as_deref() {
            if crate::validation::e164(phone).is_none() {
                e.push(
                    "staff_phone",
                    "invalid",
                    "Give your phone number, such as 0412 345 678 or +61412345678.",
                );
            }
        }
        e.finish()
    }
}

/// What a call to a patient can be, before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallSetup {
    /// Calls can be made: Twilio is set up with the practice's number, and the patient has a
    /// phone number on file.
    pub ready: bool,
    /// Why not, when not.
    pub not_ready: Option<String>,
    /// The number that will be called.
    pub patient_phone: Option<String>,
    /// The member of staff's phone, as remembered from their last call.
    pub staff_phone: Option<String>,
    /// The patient has agreed to their calls being recorded.
    pub may_record: bool,
    /// Recorded calls will be transcribed.
    pub transcripts: bool,
}

/// A patient an unmatched message may be from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageCandidate {
    pub patient_id: Uuid,
    pub name: String,
}

/// A patient's correspondence, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PatientCorrespondenceQuery {
    pub channel: Option<CorrespondenceChannel>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Everything sent and received, unanswered inbound messages first, then newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CorrespondenceQuery {
    pub channel: Option<CorrespondenceChannel>,
    pub direction: Option<Direction>,
    pub status: Option<CorrespondenceStatus>,
    /// Written by (or, for inbound messages, answered by) this member of staff.
    pub staff_id: Option<Uuid>,
    /// From this day (the practice's), inclusive.
    pub from: Option<NaiveDate>,
    /// To this day (the practice's), inclusive.
    pub to: Option<NaiveDate>,
    /// Only inbound messages that wait for their patient to be chosen.
    pub triage: Option<bool>,
    /// Only inbound messages nobody has answered yet.
    pub unanswered: Option<bool>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// A message a member of staff sends to a patient from their record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// `sms` or `email`.
    pub channel: CorrespondenceChannel,
    /// Emails only.
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
}

/// The longest SMS the practice sends: three segments.
pub const SMS_MAX_CHARS: usize = 459;

impl SendMessage {
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut e = Errors::default();
        match self.channel {
            CorrespondenceChannel::Sms => {
                e.required_text("body", &self.body, SMS_MAX_CHARS);
            }
            CorrespondenceChannel::Email => {
                e.required_text("subject", self.subject.as_deref().unwrap_or(""), 200);
                e.required_text("body", &self.body, 20_000);
            }
            _ => e.push("channel", "invalid", "Choose SMS or email."),
        }
        e.finish()
    }
}

/// Choose the patient an inbound message is from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignCorrespondence {
    pub patient_id: Uuid,
}

/// A message staff start from: `{first_name}` and `{practice}` are filled in before sending,
/// and the text can be changed. The practice edits its own under Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffTemplate {
    /// What staff choose it by, such as "Results ready".
    pub name: String,
    /// The email's subject.
    pub subject: String,
    /// The text, by email or SMS.
    pub body: String,
}

/// The placeholders a staff template may use, with what each becomes.
pub const STAFF_TEMPLATE_PLACEHOLDERS: [(&str, &str); 2] = [
    ("first_name", "The patient's first (or preferred) name"),
    ("practice", "The practice's name"),
];

/// The most templates a practice keeps.
pub const MAX_STAFF_TEMPLATES: usize = 30;

/// The messages staff most often write, as the practice keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffTemplates {
    pub templates: Vec<StaffTemplate>,
}

impl Default for StaffTemplates {
    /// What a new practice starts with.
    fn default() -> Self {
        let t = |name: &str, subject: &str, body: &str| StaffTemplate {
            name: name.into(),
            subject: subject.into(),
            body: body.into(),
        };
        StaffTemplates {
            templates: vec![
                t(
                    "Please call us",
                    "Please call {practice}",
                    "Hi {first_name}, this is {practice}. Please give us a call when you have a moment.",
                ),
                t(
                    "Results ready",
                    "Your results are ready",
                    "Hi {first_name}, your results are ready. Please book a time to go through them with your practitioner. {practice}",
                ),
                t(
                    "Running late",
                    "Running a little late",
                    "Hi {first_name}, your practitioner is running about 15 minutes late today. Sorry for the wait. {practice}",
                ),
                t(
                    "Missed appointment",
                    "We missed you today",
                    "Hi {first_name}, we missed you at your appointment today. Please call us to book another time. {practice}",
                ),
            ],
        }
    }
}

/// The `{placeholders}` in `text` that are not known.
fn unknown_staff_placeholders(text: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            break;
        };
        let name = &after[..end];
        if !STAFF_TEMPLATE_PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
            unknown.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    unknown
}

impl StaffTemplates {
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut e = Errors::default();
        if self.templates.len() > MAX_STAFF_TEMPLATES {
            e.push(
                "templates",
                "too_many",
                format!("Keep at most {MAX_STAFF_TEMPLATES} templates."),
            );
        }
        for (i, t) in self.templates.iter().enumerate() {
            let field = format!("templates[{i}]");
            e.required_text(&format!("{field}.name"), &t.name, 60);
            e.required_text(&format!("{field}.subject"), &t.subject, 200);
            e.required_text(&format!("{field}.body"), &t.body, SMS_MAX_CHARS);
            for (name, text) in [("subject", &t.subject), ("body", &t.body)] {
                let unknown = unknown_staff_placeholders(text);
                if !unknown.is_empty() {
                    e.push(
                        &format!("{field}.{name}"),
                        "unknown_placeholder",
                        format!(
                            "Unknown placeholder: {{{}}}. Use {{first_name}} or {{practice}}.",
                            unknown.join("}, {")
                        ),
                    );
                }
            }
            let name = t.name.trim().to_lowercase();
            if self.templates[..i]
                .iter()
                .any(|o| o.name.trim().to_lowercase() == name)
            {
                e.push(
                    &format!("{field}.name"),
                    "duplicate",
                    "Another template has this name.",
                );
            }
        }
        e.finish()
    }
}

impl StaffTemplate {
    /// `text` (its subject or body) with the patient's first name and the practice's name
    /// filled in.
    pub fn render(text: &str, first_name: &str, practice: &str) -> String {
        text.replace("{first_name}", first_name)
            .replace("{practice}", practice)
    }
}

/// A call a provider made to the practice (a webhook), as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    pub id: Uuid,
    /// `twilio`, …
    pub provider: String,
    /// What was called, such as `sms` or `message_status`.
    pub endpoint: String,
    /// Whether its signature was good.
    pub verified: bool,
    /// Why it was refused, when it was.
    pub refusal: Option<String>,
    /// What came of it: `stored`, `triage`, `status`, `duplicate`, `refused`, …
    pub outcome: String,
    /// The provider's id of the message or call, when it gave one.
    pub reference: Option<String>,
    pub duration_ms: i32,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct WebhookEventQuery {
    pub provider: Option<String>,
    /// Only refused calls (`false`) or only verified ones (`true`).
    pub verified: Option<bool>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sms_needs_a_body_within_three_segments_and_an_email_a_subject() {
        let sms = SendMessage {
            channel: CorrespondenceChannel::Sms,
            subject: None,
            body: "x".repeat(SMS_MAX_CHARS + 1),
        };
        assert!(sms.validate().is_err());
        let email = SendMessage {
            channel: CorrespondenceChannel::Email,
            subject: None,
            body: "Hello".into(),
        };
        assert!(email.validate().is_err());
        let call = SendMessage {
            channel: CorrespondenceChannel::Call,
            subject: None,
            body: "Hello".into(),
        };
        assert!(call.validate().is_err());
    }

    #[test]
    fn a_status_report_orders_outbound_progress() {
        use CorrespondenceStatus::*;
        assert!(Sent.progress() > Queued.progress());
        assert!(Delivered.progress() > Sent.progress());
        assert!(Delivered.progress() > Failed.progress());
        assert!(Read.progress() > Delivered.progress());
    }

    #[test]
    fn a_template_fills_in_the_first_name_and_the_practice() {
        let t = &StaffTemplates::default().templates[0];
        assert_eq!(
            StaffTemplate::render(&t.body, "Ann", "Harbour Clinic"),
            "Hi Ann, this is Harbour Clinic. Please give us a call when you have a moment."
        );
    }

    #[test]
    fn templates_refuse_unknown_placeholders_duplicate_names_and_long_texts() {
        assert!(StaffTemplates::default().validate().is_ok());
        let mut t = StaffTemplates::default();
        t.templates[1].body = "Hi {first_name}, from {doctor}".into();
        t.templates[2].name = "please CALL us ".into();
        t.templates[3].body = "x".repeat(SMS_MAX_CHARS + 1);
        let errors = t.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "templates[1].body",
                "templates[2].name",
                "templates[3].body"
            ]
        );
    }
}
