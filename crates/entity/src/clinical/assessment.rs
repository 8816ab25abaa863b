use sea_orm::entity::prelude::*;

/// A completed questionnaire. The answers are encrypted; the score, severity and flags are
/// computed from them when read. `urgent` marks answers that alerted the care team, until a
/// clinician reviews them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub instrument: String,
    #[sea_orm(column_type = "Text")]
    pub answers_enc: String,
    pub urgent: bool,
    /// `patient` or `staff`.
    pub source: String,
    pub entered_by: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    pub completed_at: DateTimeUtc,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note_enc: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
