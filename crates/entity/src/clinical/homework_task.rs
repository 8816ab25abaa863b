use api_types::therapy::HomeworkStatus;
use sea_orm::entity::prelude::*;

/// Homework assigned to a patient. Title and instructions are one encrypted JSON value, the
/// patient's reflection another; the due date and status are clear for the overdue list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "homework_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub session_id: Option<Uuid>,
    pub assigned_by: Uuid,
    pub due_date: Date,
    #[sea_orm(column_type = "Text")]
    pub details_enc: String,
    /// `assigned` or `done`.
    pub status: HomeworkStatus,
    pub completed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reflection_enc: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
