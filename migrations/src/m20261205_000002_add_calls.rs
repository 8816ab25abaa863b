//! Telephone calls: what a call entry in the correspondence knows beyond a message (how long it
//! lasted, its recording and transcript), and the phone each member of staff is rung on.
//! Expand only: older servers ignore the new columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Correspondence {
    Table,
    CallSeconds,
    RecordingSid,
    RecordingState,
    RecordingDocumentId,
    TranscriptState,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    PhoneEnc,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for col in [
            integer_null(Correspondence::CallSeconds),
            string_null(Correspondence::RecordingSid),
            string_null(Correspondence::RecordingState),
            uuid_null(Correspondence::RecordingDocumentId),
            string_null(Correspondence::TranscriptState),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Correspondence::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(text_null(Users::PhoneEnc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::PhoneEnc)
                    .to_owned(),
            )
            .await?;
        for col in [
            Correspondence::CallSeconds,
            Correspondence::RecordingSid,
            Correspondence::RecordingState,
            Correspondence::RecordingDocumentId,
            Correspondence::TranscriptState,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Correspondence::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
