use sea_orm::entity::prelude::*;

/// One call a provider made to the practice: whether its signature held, what came of it and how
/// long it took. It holds no message content.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    pub endpoint: String,
    pub verified: bool,
    pub refusal: Option<String>,
    pub outcome: String,
    pub reference: Option<String>,
    pub duration_ms: i32,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
