use api_types::messaging::Side;
use sea_orm::entity::prelude::*;

/// One message of a conversation; its text and the names of its files are encrypted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thread_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub thread_id: Uuid,
    pub patient_id: Uuid,
    pub side: Side,
    /// The account that wrote it (the patient's portal account, or a member of staff).
    pub author_id: Uuid,
    pub body_enc: String,
    /// JSON `[{document_id, name}]`, encrypted.
    pub attachments_enc: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
