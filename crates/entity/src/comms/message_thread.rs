use api_types::messaging::{Side, ThreadStatus};
use sea_orm::entity::prelude::*;

/// A conversation between a patient and the practice. The subject is encrypted; the times of
/// each side's last message, last read and last notice decide unread state and notices.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_threads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub subject_enc: String,
    /// The one clinician it is with; `None` for the care team.
    pub with_staff_id: Option<Uuid>,
    pub assigned_to: Option<Uuid>,
    pub status: ThreadStatus,
    pub message_count: i32,
    pub last_from: Side,
    pub last_message_at: DateTimeUtc,
    pub last_patient_message_at: Option<DateTimeUtc>,
    pub last_practice_message_at: Option<DateTimeUtc>,
    pub patient_read_at: Option<DateTimeUtc>,
    pub practice_read_at: Option<DateTimeUtc>,
    pub patient_noticed_at: Option<DateTimeUtc>,
    pub practice_noticed_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub closed_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
