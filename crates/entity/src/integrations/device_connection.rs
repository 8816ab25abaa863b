use api_types::integrations::ConnectionState;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    /// `withings`.
    pub vendor: String,
    /// The account's id at the vendor; notifications name it.
    pub external_user_id: String,
    pub access_token_enc: String,
    pub refresh_token_enc: String,
    pub expires_at: DateTimeUtc,
    pub scope: String,
    /// The secret in the notification callback's path.
    pub notify_token: String,
    /// `active` or `error`.
    pub status: ConnectionState,
    pub last_sync_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// Everything up to here has been fetched.
    pub synced_until: Option<DateTimeUtc>,
    pub connected_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
