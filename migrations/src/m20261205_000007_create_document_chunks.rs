//! Files kept in pieces: each document's bytes as numbered chunks of at most 256 KiB, each
//! encrypted on its own, so that a file is written and read a chunk at a time and no request
//! holds a whole file in memory. Expand only: documents stored before keep their one row in
//! `document_blobs`, which is still read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DocumentChunks {
    Table,
    DocumentId,
    Seq,
    Data,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DocumentChunks::Table)
                    .col(uuid(DocumentChunks::DocumentId))
                    .col(small_integer(DocumentChunks::Seq))
                    .col(blob(DocumentChunks::Data))
                    .primary_key(
                        Index::create()
                            .col(DocumentChunks::DocumentId)
                            .col(DocumentChunks::Seq),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_document_chunks_document")
                            .from(DocumentChunks::Table, DocumentChunks::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentChunks::Table).to_owned())
            .await
    }
}
