use sea_orm::entity::prelude::*;

/// One locked version of a signed note; rows are only ever added.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinical_note_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub note_id: Uuid,
    pub version: i32,
    /// `original` or `amendment`.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub title_enc: String,
    #[sea_orm(column_type = "Text")]
    pub body_enc: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason_enc: Option<String>,
    pub author_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
