//! Correspondence: every message to or from a patient, on any channel, as one history; outbox
//! messages point to the entry they deliver; the log of calls providers make to the practice; and
//! the tokens of signed calls already taken.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Correspondence {
    Table,
    Id,
    PatientId,
    Channel,
    Direction,
    Kind,
    Status,
    CounterpartEnc,
    CounterpartBidx,
    SubjectEnc,
    BodyEnc,
    StaffId,
    OutboxId,
    ProviderRef,
    Error,
    Candidates,
    AttachmentsEnc,
    HeldFilesEnc,
    AnsweredAt,
    AnsweredBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    Provider,
    Endpoint,
    Verified,
    Refusal,
    Outcome,
    Reference,
    DurationMs,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum WebhookTokens {
    Table,
    Provider,
    Token,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Correspondence::Table)
                    .col(uuid(Correspondence::Id).primary_key())
                    .col(uuid_null(Correspondence::PatientId))
                    .col(string_len(Correspondence::Channel, 16))
                    .col(string_len(Correspondence::Direction, 16))
                    .col(string_len(Correspondence::Kind, 16))
                    .col(string_len(Correspondence::Status, 16))
                    .col(text(Correspondence::CounterpartEnc))
                    .col(string_len(Correspondence::CounterpartBidx, 64))
                    .col(text_null(Correspondence::SubjectEnc))
                    .col(text(Correspondence::BodyEnc))
                    .col(uuid_null(Correspondence::StaffId))
                    .col(uuid_null(Correspondence::OutboxId))
                    .col(string_len_null(Correspondence::ProviderRef, 128))
                    .col(text_null(Correspondence::Error))
                    .col(text_null(Correspondence::Candidates))
                    .col(text_null(Correspondence::AttachmentsEnc))
                    .col(text_null(Correspondence::HeldFilesEnc))
                    .col(timestamp_with_time_zone_null(Correspondence::AnsweredAt))
                    .col(uuid_null(Correspondence::AnsweredBy))
                    .col(timestamp_with_time_zone(Correspondence::CreatedAt))
                    .col(timestamp_with_time_zone(Correspondence::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_correspondence_patient",
                vec![Correspondence::PatientId, Correspondence::CreatedAt],
            ),
            ("ix_correspondence_created", vec![Correspondence::CreatedAt]),
            ("ix_correspondence_outbox", vec![Correspondence::OutboxId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Correspondence::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // A provider's message id is stored once: a webhook delivered twice finds it.
        manager
            .create_index(
                Index::create()
                    .name("ux_correspondence_provider_ref")
                    .table(Correspondence::Table)
                    .col(Correspondence::ProviderRef)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Inbound messages nobody has answered come first in the practice's view.
        manager
            .create_index(
                Index::create()
                    .name("ix_correspondence_unanswered")
                    .table(Correspondence::Table)
                    .col(Correspondence::Direction)
                    .col(Correspondence::AnsweredAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(uuid(WebhookEvents::Id).primary_key())
                    .col(string_len(WebhookEvents::Provider, 32))
                    .col(string_len(WebhookEvents::Endpoint, 64))
                    .col(boolean(WebhookEvents::Verified))
                    .col(text_null(WebhookEvents::Refusal))
                    .col(string_len(WebhookEvents::Outcome, 32))
                    .col(string_len_null(WebhookEvents::Reference, 128))
                    .col(integer(WebhookEvents::DurationMs))
                    .col(timestamp_with_time_zone(WebhookEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_events_received")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        // Tokens of signed calls already taken (Mailgun signs only a timestamp and a token).
        manager
            .create_table(
                Table::create()
                    .table(WebhookTokens::Table)
                    .col(string_len(WebhookTokens::Provider, 32))
                    .col(string_len(WebhookTokens::Token, 128))
                    .col(timestamp_with_time_zone(WebhookTokens::UsedAt))
                    .primary_key(
                        Index::create()
                            .col(WebhookTokens::Provider)
                            .col(WebhookTokens::Token),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Correspondence::Table).to_owned())
            .await
    }
}
