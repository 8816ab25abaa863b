use sea_orm::entity::prelude::*;

/// An invitation to set a password and join, as staff or as a patient using the portal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email_enc: String,
    pub email_bidx: String,
    pub name_enc: String,
    pub role: String,
    pub patient_id: Option<Uuid>,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Who allowed the link to be sent: the inviting admin for staff, a clinician for a patient.
    /// A patient invitation from reception waits, unsent, until a clinician approves it.
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
