//! Audit events written inside the transaction of the change they describe. A change and its
//! event commit together; the audit writer then moves staged events onto the hash chain in
//! `audit_events`, one batch at a time under the chain's lock.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditPending {
    Table,
    Id,
    OccurredAt,
    ActorId,
    ActorKind,
    ActorRole,
    Action,
    PatientId,
    ResourceType,
    ResourceId,
    Ip,
    Outcome,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditPending::Table)
                    .col(uuid(AuditPending::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditPending::OccurredAt))
                    .col(uuid_null(AuditPending::ActorId))
                    .col(string_len_null(AuditPending::ActorKind, 16))
                    .col(string_len_null(AuditPending::ActorRole, 32))
                    .col(string_len(AuditPending::Action, 64))
                    .col(uuid_null(AuditPending::PatientId))
                    .col(string_len_null(AuditPending::ResourceType, 64))
                    .col(string_len_null(AuditPending::ResourceId, 64))
                    .col(string_len_null(AuditPending::Ip, 64))
                    .col(string_len(AuditPending::Outcome, 16))
                    .col(text_null(AuditPending::Detail))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditPending::Table).to_owned())
            .await
    }
}
