use api_types::notes::NoteStatus;
use sea_orm::entity::prelude::*;

/// A clinical note. `title_enc` and `body_enc` hold the current text: the draft while
/// `status` is `draft`, else the latest locked version in `clinical_note_versions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinical_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub note_type: String,
    /// `draft`, `signed` or `amended`.
    pub status: NoteStatus,
    #[sea_orm(column_type = "Text")]
    pub title_enc: String,
    #[sea_orm(column_type = "Text")]
    pub body_enc: String,
    pub appointment_id: Option<Uuid>,
    pub author_id: Uuid,
    /// The number of locked versions (0 for a draft).
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub signed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
