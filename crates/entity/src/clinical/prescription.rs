use sea_orm::entity::prelude::*;

/// A prescription for a medication on the list; quantity, repeats and instructions encrypted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prescriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub medication_id: Uuid,
    pub patient_id: Uuid,
    pub prescriber_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub details_enc: String,
    pub issued_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
