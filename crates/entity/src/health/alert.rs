use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "health_alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub metric: i16,
    pub effective_at: DateTimeUtc,
    pub value: f64,
    /// 0 = open, 1 = acknowledged.
    pub status: i16,
    pub created_at: DateTimeUtc,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub note_enc: Option<String>,
    /// Critical readings of this metric collapsed into this alert while it was open.
    pub readings: i32,
    pub last_effective_at: Option<DateTimeUtc>,
    pub last_value: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
