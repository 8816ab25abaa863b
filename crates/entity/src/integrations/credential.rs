use sea_orm::entity::prelude::*;

/// An outside service's credentials as an administrator entered them: one encrypted JSON
/// document of the provider's fields, and the outcome of the last connection check.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integration_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: String,
    pub data_enc: String,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
    pub last_check_ok: Option<bool>,
    pub last_check_message: Option<String>,
    pub last_checked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
