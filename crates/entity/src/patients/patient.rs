use sea_orm::entity::prelude::*;

/// A patient. Every demographic field lives in `data_enc`, one encrypted JSON document.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub data_enc: String,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub created_by: Option<Uuid>,
    /// Set when the patient's personal data was erased: a final state, never undone.
    pub erased_at: Option<DateTimeUtc>,
    /// For an erased patient, the last day the kept health record must be held; after it, the
    /// whole record is destroyed.
    pub retain_until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
