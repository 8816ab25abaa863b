use api_types::admin::OutboxStatus;
use sea_orm::entity::prelude::*;

/// An outbound message. It is written in the same transaction as the change that causes it and
/// delivered by a worker, so a crash never loses one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel: String,
    pub recipient_enc: String,
    pub recipient_bidx: String,
    pub subject_enc: String,
    pub body_enc: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub next_attempt_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// A JSON array of attachments (file name, content type, content), encrypted.
    pub attachments_enc: Option<String>,
    /// The message holds a one-time link (an invitation, a password reset): the outbox shows
    /// that it was sent, and to whom, never its text.
    pub carries_secret: bool,
    /// When a worker began handing it to the provider; cleared with the outcome. Still set
    /// once the lease is over, the worker's server stopped mid-handover.
    pub sending_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
