use sea_orm::entity::prelude::*;

/// A weekly window of working time, in local minutes after midnight.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    pub start_minute: i32,
    pub end_minute: i32,
    pub effective_from: Option<Date>,
    pub effective_until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
