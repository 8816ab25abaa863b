use api_types::medications::MedicationStatus;
use sea_orm::entity::prelude::*;

/// A medication on a patient's list. Name, strength, dose, route, frequency, prescriber, reason
/// and instructions are one encrypted JSON value; status and dates are kept in the clear for
/// lists and adherence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "medications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub status: MedicationStatus,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub doses_per_day: Option<i32>,
    pub prescriber_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub details_enc: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
