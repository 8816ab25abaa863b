use sea_orm::entity::prelude::*;

/// Leave or extra hours over a range of dates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_exceptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// `unavailable` or `available`.
    pub kind: String,
    pub start_date: Date,
    pub end_date: Date,
    /// Whole days when both are absent.
    pub start_minute: Option<i32>,
    pub end_minute: Option<i32>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
