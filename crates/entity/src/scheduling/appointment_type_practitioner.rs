use sea_orm::entity::prelude::*;

/// Who offers an appointment type.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_type_practitioners")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub appointment_type_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
