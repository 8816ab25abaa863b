use sea_orm::entity::prelude::*;

/// A stored file's description; its encrypted bytes are in `document_blobs`. The name and
/// description are encrypted; the detected type and size are not.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub name_enc: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description_enc: Option<String>,
    pub media_type: String,
    pub size_bytes: i64,
    pub note_id: Option<Uuid>,
    pub study_id: Option<Uuid>,
    /// `patient` or `staff`.
    pub source: String,
    pub uploaded_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
