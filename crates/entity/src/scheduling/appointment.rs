use api_types::scheduling::AppointmentStatus;
use sea_orm::entity::prelude::*;

/// An appointment: a patient with a practitioner at a time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub patient_id: Uuid,
    pub appointment_type_id: Uuid,
    pub block_id: Option<Uuid>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// `starts_at` less the buffer before: where the practitioner's time begins.
    pub busy_from: DateTimeUtc,
    /// `ends_at` plus the buffer after.
    pub busy_to: DateTimeUtc,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub mode: String,
    /// `booked`, `arrived`, `completed`, `cancelled` or `no_show`.
    pub status: AppointmentStatus,
    pub notes_enc: Option<String>,
    pub cancel_reason_enc: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancelled_by: Option<Uuid>,
    pub series_id: Option<Uuid>,
    pub series_index: Option<i32>,
    pub series_count: Option<i32>,
    /// `staff`, `portal` or `api`.
    pub source: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub reminder_sent_at: Option<DateTimeUtc>,
    /// When the patient confirmed they are coming; cleared when the appointment moves.
    pub confirmed_at: Option<DateTimeUtc>,
    /// `desk` (the practice marked it) or `portal` (the patient did).
    pub confirmed_via: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
