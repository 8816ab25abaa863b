use sea_orm::entity::prelude::*;

/// A patient's permission for a practitioner to see their record. `categories` is
/// `,health,notes,` (commas around each, so one can be matched with `LIKE`), empty with
/// `all_records`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub grantee_id: Uuid,
    pub all_records: bool,
    pub categories: String,
    pub expires_at: Option<DateTimeUtc>,
    /// `patient` or `staff`.
    pub source: String,
    pub granted_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
