use sea_orm::entity::prelude::*;

/// A dose recorded as taken or missed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "medication_doses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub medication_id: Uuid,
    pub patient_id: Uuid,
    pub taken: bool,
    pub at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub note_enc: Option<String>,
    pub by_patient: bool,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
