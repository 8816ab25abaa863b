use sea_orm::entity::prelude::*;

/// Failed second-factor codes per account. Kept apart from the password failures, so that a
/// correct password never clears them; only a correct code does.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mfa_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub failures: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_failure_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
