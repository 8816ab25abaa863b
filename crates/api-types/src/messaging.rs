//! Secure messaging: conversations (threads) between a patient and their care team, or one
//! clinician, in the portal and the staff app; and the frames of the live connection that tells
//! an open app at once that something changed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::Errors;

db_enum! {
    /// Whether a conversation is still going.
    pub enum ThreadStatus {
        Open,
        /// Closed by staff: the patient starts a new conversation to write again.
        Closed,
    }
}

db_enum! {
    /// Who wrote a message: the patient, or the practice.
    pub enum Side {
        Patient,
        Practice,
    }
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Patient => Side::Practice,
            Side::Practice => Side::Patient,
        }
    }
}

/// A member of staff, as a conversation names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRef {
    pub id: Uuid,
    pub name: String,
}

/// A conversation. Staff who may not read its content (receptionists, clinicians outside the
/// patient's care team) see that it exists, who it is with and when it moved, never its subject
/// or messages: `content_visible` is then `false` and `subject` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageThread {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// For staff; `None` for the patient themself.
    pub patient_name: Option<String>,
    pub subject: Option<String>,
    pub content_visible: bool,
    /// The one clinician the conversation is with; `None` for the whole care team.
    pub with_staff: Option<StaffRef>,
    /// The member of staff looking after it.
    pub assigned_to: Option<StaffRef>,
    pub status: ThreadStatus,
    pub message_count: u32,
    /// Who wrote last.
    pub last_from: Side,
    pub last_message_at: DateTime<Utc>,
    /// Whether the caller's side has messages it has not read.
    pub unread: bool,
    /// Whether the caller may write in it (and, for staff, assign and close it).
    pub can_write: bool,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A file that came with a message: a document in the patient's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageAttachment {
    /// The document, downloaded through `GET /documents/{id}/content`.
    pub document_id: Uuid,
    pub name: String,
    /// Its type, as read from its content when it was added (empty for files sent before
    /// types were kept with messages).
    #[serde(default)]
    pub media_type: String,
    #[serde(default)]
    pub size_bytes: i64,
}

/// One message in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadMessage {
    pub id: Uuid,
    pub thread_id: Uuid,
    pub from: Side,
    /// The author's name (the patient's, or the member of staff's).
    pub author_name: String,
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<MessageAttachment>,
    pub created_at: DateTime<Utc>,
    /// When the other side had read it, as of their latest reading.
    pub read_at: Option<DateTime<Utc>>,
}

/// A conversation with its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadDetail {
    pub thread: MessageThread,
    pub messages: Vec<ThreadMessage>,
}

/// Start a conversation. A patient writes to their care team or to one clinician on it; staff
/// write to a patient (`patient_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewThread {
    /// Staff only: the patient to write to. A patient's own conversations are theirs.
    #[serde(default)]
    pub patient_id: Option<Uuid>,
    pub subject: String,
    pub body: String,
    /// One clinician to write to, rather than the whole care team.
    #[serde(default)]
    pub with_staff_id: Option<Uuid>,
    /// Documents already added to the patient's record to send with it.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// The longest message.
pub const MESSAGE_MAX_CHARS: usize = 10_000;
/// The most files one message carries.
pub const MAX_ATTACHMENTS: usize = 5;

impl NewThread {
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut e = Errors::default();
        e.required_text("subject", &self.subject, 200);
        check_body(&mut e, &self.body, &self.attachment_ids);
        e.finish()
    }
}

/// Reply in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewThreadMessage {
    pub body: String,
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

impl NewThreadMessage {
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut e = Errors::default();
        check_body(&mut e, &self.body, &self.attachment_ids);
        e.finish()
    }
}

fn check_body(e: &mut Errors, body: &str, attachments: &[Uuid]) {
    if body.trim().is_empty() && attachments.is_empty() {
        e.push("body", "required", "Write a message or attach a file.");
    } else if body.chars().count() > MESSAGE_MAX_CHARS {
        e.push(
            "body",
            "too_long",
            format!("A message can be at most {MESSAGE_MAX_CHARS} characters."),
        );
    }
    if attachments.len() > MAX_ATTACHMENTS {
        e.push(
            "attachment_ids",
            "too_many",
            format!("A message can carry at most {MAX_ATTACHMENTS} files."),
        );
    }
}

/// Give a conversation to a member of staff (`None` to give it back to the team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignThread {
    pub user_id: Option<Uuid>,
}

/// Conversations, the most recently active first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ThreadQuery {
    pub status: Option<ThreadStatus>,
    /// One patient's conversations (staff).
    pub patient_id: Option<Uuid>,
    /// Only those assigned to the caller or written to them alone (staff).
    pub mine: Option<bool>,
    /// Only those whose last message is the patient's (staff): waiting for the practice.
    pub waiting: Option<bool>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Whom a conversation may be with or given to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct RecipientsQuery {
    /// Staff: the patient whose clinicians to list. A patient's own care team otherwise.
    pub patient_id: Option<Uuid>,
}

/// How many conversations have messages the caller's side has not read, for the navigation.
/// For staff: the ones they may read that are assigned to them, written to them alone, or
/// nobody's yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadMessages {
    pub threads: u32,
}

/// What a live connection sends. It carries ids only: the app fetches what changed through the
/// API, where access is checked and reads are audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveFrame {
    /// The connection is signed in and listening.
    Ready,
    /// A conversation changed: a message was written or read, it was assigned, closed or
    /// reopened.
    Thread { thread_id: Uuid, patient_id: Uuid },
    /// A patient's correspondence changed (a message arrived or its delivery moved on).
    Correspondence { patient_id: Option<Uuid> },
    /// A provider called the practice (the webhook log grew).
    Webhook,
    /// Events may have been missed: fetch what is on screen again.
    Resync,
    /// The server is restarting: connect again (to any replica) in a moment.
    Reconnect,
}

/// What the app sends on a live connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveRequest {
    /// The first frame, and again after each token refresh: the session's access token.
    Auth { token: String },
}

/// Close codes of a live connection.
pub mod close {
    /// No valid access token arrived in time, or the session ended.
    pub const UNAUTHORIZED: u16 = 4401;
    /// The account must set up two-step verification before it hears anything.
    pub const MFA_ENROLLMENT_REQUIRED: u16 = 4403;
    /// The server is going away: connect again.
    pub const RESTARTING: u16 = 1012;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_needs_words_or_a_file_and_at_most_five_files() {
        let empty = NewThreadMessage {
            body: "  ".into(),
            attachment_ids: vec![],
        };
        assert!(empty.validate().is_err());
        let file_only = NewThreadMessage {
            body: String::new(),
            attachment_ids: vec![Uuid::nil()],
        };
        assert!(file_only.validate().is_ok());
        let too_many = NewThreadMessage {
            body: "Here".into(),
            attachment_ids: vec![Uuid::nil(); MAX_ATTACHMENTS + 1],
        };
        assert!(too_many.validate().is_err());
    }

    #[test]
    fn a_new_conversation_needs_a_subject() {
        let t = NewThread {
            patient_id: None,
            subject: " ".into(),
            body: "Hello".into(),
            with_staff_id: None,
            attachment_ids: vec![],
        };
        assert!(t.validate().is_err());
    }

    #[test]
    fn live_frames_are_tagged_by_type() {
        let f = LiveFrame::Thread {
            thread_id: Uuid::nil(),
            patient_id: Uuid::nil(),
        };
        let s = serde_json::to_string(&f).unwrap_or_default();
        assert!(s.contains("\"type\":\"thread\""), "{s}");
        let r: LiveRequest =
            serde_json::from_str(r#"{"type":"auth","token":"abc"}"#).expect("an auth frame");
        assert_eq!(
            r,
            LiveRequest::Auth {
                token: "abc".into()
            }
        );
    }
}
