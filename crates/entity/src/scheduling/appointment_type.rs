use sea_orm::entity::prelude::*;

/// A kind of appointment the practice offers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub duration_minutes: i32,
    pub colour: String,
    pub price_cents: i64,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    /// `in_person` or `telehealth`.
    pub mode: String,
    pub online_bookable: bool,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
