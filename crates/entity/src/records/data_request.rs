use api_types::sharing::DataRequestStatus;
use sea_orm::entity::prelude::*;

/// A patient's request about their data: a correction (rectification) or erasure. What they
/// asked and the practice's answer are encrypted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    /// `rectification` or `erasure`.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub details_enc: String,
    /// `open`, `completed` or `declined`.
    pub status: DataRequestStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_enc: Option<String>,
    pub requested_by: Option<Uuid>,
    pub resolved_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
