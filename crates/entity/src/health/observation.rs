use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "observations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub patient_id: Uuid,
    /// The catalogue id of the metric (`api_types::health::Metric::id`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub metric: i16,
    #[sea_orm(primary_key, auto_increment = false)]
    pub effective_at: DateTimeUtc,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source_id: Uuid,
    pub value: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
