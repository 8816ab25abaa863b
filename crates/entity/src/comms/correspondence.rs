use api_types::comms::{
    CorrespondenceChannel, CorrespondenceKind, CorrespondenceStatus, Direction, RecordingState,
    TranscriptState,
};
use sea_orm::entity::prelude::*;

/// One message to or from a patient, on any channel. Its content and the patient's number or
/// address are encrypted; an outbound message delivered by the outbox points to its outbox row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "correspondence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` while an inbound message waits in triage.
    pub patient_id: Option<Uuid>,
    pub channel: CorrespondenceChannel,
    pub direction: Direction,
    pub kind: CorrespondenceKind,
    pub status: CorrespondenceStatus,
    pub counterpart_enc: String,
    /// Blind index of the counterpart, to find a patient's messages by number or address.
    pub counterpart_bidx: String,
    pub subject_enc: Option<String>,
    pub body_enc: String,
    pub staff_id: Option<Uuid>,
    pub outbox_id: Option<Uuid>,
    /// The provider's id of the message or call (Twilio's `SM…`), unique.
    pub provider_ref: Option<String>,
    pub error: Option<String>,
    /// A JSON array of the patient ids an unmatched inbound message may be from.
    pub candidates: Option<String>,
    /// A JSON array of the names of files that came with it, encrypted.
    pub attachments_enc: Option<String>,
    /// Files of an inbound message still waiting in triage (JSON, encrypted): filed in the
    /// patient's documents when staff choose the patient.
    pub held_files_enc: Option<String>,
    /// A portal message: its conversation, where its content is kept.
    pub thread_id: Option<Uuid>,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<Uuid>,
    /// A call: how long the patient was on the line.
    pub call_seconds: Option<i32>,
    /// A recorded call: Twilio's id of the recording, until the practice has its copy.
    pub recording_sid: Option<String>,
    pub recording_state: Option<RecordingState>,
    /// The recording, filed in the patient's documents.
    pub recording_document_id: Option<Uuid>,
    pub transcript_state: Option<TranscriptState>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
