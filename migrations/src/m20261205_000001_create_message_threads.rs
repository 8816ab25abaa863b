//! Secure messaging: conversations between a patient and the practice, their messages, and who
//! has a live connection open (so that someone online is not also sent a notice).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MessageThreads {
    Table,
    Id,
    PatientId,
    SubjectEnc,
    WithStaffId,
    AssignedTo,
    Status,
    MessageCount,
    LastFrom,
    LastMessageAt,
    LastPatientMessageAt,
    LastPracticeMessageAt,
    PatientReadAt,
    PracticeReadAt,
    PatientNoticedAt,
    PracticeNoticedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
    ClosedBy,
}

#[derive(DeriveIden)]
enum ThreadMessages {
    Table,
    Id,
    ThreadId,
    PatientId,
    Side,
    AuthorId,
    BodyEnc,
    AttachmentsEnc,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LivePresence {
    Table,
    UserId,
    Process,
    Until,
}

#[derive(DeriveIden)]
enum Correspondence {
    Table,
    ThreadId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MessageThreads::Table)
                    .col(uuid(MessageThreads::Id).primary_key())
                    .col(uuid(MessageThreads::PatientId))
                    .col(text(MessageThreads::SubjectEnc))
                    .col(uuid_null(MessageThreads::WithStaffId))
                    .col(uuid_null(MessageThreads::AssignedTo))
                    .col(string_len(MessageThreads::Status, 16))
                    .col(integer(MessageThreads::MessageCount))
                    .col(string_len(MessageThreads::LastFrom, 16))
                    .col(timestamp_with_time_zone(MessageThreads::LastMessageAt))
                    .col(timestamp_with_time_zone_null(
                        MessageThreads::LastPatientMessageAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        MessageThreads::LastPracticeMessageAt,
                    ))
                    .col(timestamp_with_time_zone_null(MessageThreads::PatientReadAt))
                    .col(timestamp_with_time_zone_null(
                        MessageThreads::PracticeReadAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        MessageThreads::PatientNoticedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        MessageThreads::PracticeNoticedAt,
                    ))
                    .col(uuid(MessageThreads::CreatedBy))
                    .col(timestamp_with_time_zone(MessageThreads::CreatedAt))
                    .col(timestamp_with_time_zone(MessageThreads::UpdatedAt))
                    .col(timestamp_with_time_zone_null(MessageThreads::ClosedAt))
                    .col(uuid_null(MessageThreads::ClosedBy))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_message_threads_patient",
                vec![MessageThreads::PatientId, MessageThreads::LastMessageAt],
            ),
            (
                "idx_message_threads_status",
                vec![MessageThreads::Status, MessageThreads::LastMessageAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(MessageThreads::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ThreadMessages::Table)
                    .col(uuid(ThreadMessages::Id).primary_key())
                    .col(uuid(ThreadMessages::ThreadId))
                    .col(uuid(ThreadMessages::PatientId))
                    .col(string_len(ThreadMessages::Side, 16))
                    .col(uuid(ThreadMessages::AuthorId))
                    .col(text(ThreadMessages::BodyEnc))
                    .col(text_null(ThreadMessages::AttachmentsEnc))
                    .col(timestamp_with_time_zone(ThreadMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadMessages::Table, ThreadMessages::ThreadId)
                            .to(MessageThreads::Table, MessageThreads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_thread_messages_thread")
                    .table(ThreadMessages::Table)
                    .col(ThreadMessages::ThreadId)
                    .col(ThreadMessages::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_thread_messages_patient")
                    .table(ThreadMessages::Table)
                    .col(ThreadMessages::PatientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LivePresence::Table)
                    .col(uuid(LivePresence::UserId))
                    .col(uuid(LivePresence::Process))
                    .col(timestamp_with_time_zone(LivePresence::Until))
                    .primary_key(
                        Index::create()
                            .col(LivePresence::UserId)
                            .col(LivePresence::Process),
                    )
                    .to_owned(),
            )
            .await?;
        // Expand only: a portal message's entry in the correspondence names its conversation.
        manager
            .alter_table(
                Table::alter()
                    .table(Correspondence::Table)
                    .add_column(uuid_null(Correspondence::ThreadId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Correspondence::Table)
                    .drop_column(Correspondence::ThreadId)
                    .to_owned(),
            )
            .await?;
        for t in ["live_presence", "thread_messages", "message_threads"] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
