use api_types::admin::UserStatus;
use sea_orm::entity::prelude::*;

/// A staff or patient account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email_enc: String,
    #[sea_orm(unique)]
    pub email_bidx: String,
    pub name_enc: String,
    pub role: String,
    pub status: UserStatus,
    pub patient_id: Option<Uuid>,
    pub password_hash: Option<String>,
    pub mfa_enabled: bool,
    pub mfa_secret_enc: Option<String>,
    pub mfa_pending_secret_enc: Option<String>,
    pub totp_last_step: Option<i64>,
    /// Staff: the phone a call to a patient rings first, encrypted.
    pub phone_enc: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
