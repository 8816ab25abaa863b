use api_types::integrations::ConnectionState;
use sea_orm::entity::prelude::*;

/// A practitioner's connection to their own Google Calendar. Tokens are encrypted; `status` is
/// `active`, or `reconnect` once Google stops accepting the grant.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub user_id: Uuid,
    pub provider: String,
    /// The Google account (its primary calendar's id, an email address).
    pub account: String,
    pub calendar_id: String,
    #[sea_orm(column_type = "Text")]
    pub access_token_enc: String,
    #[sea_orm(column_type = "Text")]
    pub refresh_token_enc: String,
    pub expires_at: DateTimeUtc,
    pub scope: String,
    pub include_patient_names: bool,
    pub status: ConnectionState,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub last_sync_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
