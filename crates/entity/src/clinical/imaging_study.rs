use sea_orm::entity::prelude::*;

/// An imaging study. The body part, facility, description and report are one encrypted JSON
/// value; the modality and date are kept in the clear for ordering and filtering.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imaging_studies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub modality: String,
    pub study_date: Date,
    #[sea_orm(column_type = "Text")]
    pub details_enc: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
