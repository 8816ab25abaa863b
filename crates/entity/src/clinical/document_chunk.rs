use sea_orm::entity::prelude::*;

/// One piece of a document's bytes (at most 256 KiB of the file), AES-256-GCM encrypted with
/// the document id and the piece's number as associated data, so pieces cannot be swapped
/// between files or reordered. Read in `seq` order, they make the file; the document's
/// `size_bytes` says where it ends.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_chunks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i16,
    #[sea_orm(column_type = "Blob")]
    pub data: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
