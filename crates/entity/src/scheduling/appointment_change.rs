use sea_orm::entity::prelude::*;

/// One entry of an appointment's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub actor_kind: Option<String>,
    pub action: String,
    pub from_starts_at: Option<DateTimeUtc>,
    pub to_starts_at: Option<DateTimeUtc>,
    pub from_practitioner_id: Option<Uuid>,
    pub to_practitioner_id: Option<Uuid>,
    pub status: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
