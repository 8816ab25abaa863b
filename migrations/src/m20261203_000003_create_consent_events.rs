//! Consents (data processing, SMS and email contact, AI analysis, research), each decision kept
//! with its time and who recorded it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Patients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ConsentEvents {
    Table,
    Id,
    PatientId,
    Kind,
    Given,
    Source,
    RecordedBy,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConsentEvents::Table)
                    .col(uuid(ConsentEvents::Id).primary_key())
                    .col(uuid(ConsentEvents::PatientId))
                    .col(string(ConsentEvents::Kind))
                    .col(boolean(ConsentEvents::Given))
                    .col(string(ConsentEvents::Source))
                    .col(uuid_null(ConsentEvents::RecordedBy))
                    .col(timestamp_with_time_zone(ConsentEvents::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consent_events_patient")
                            .from(ConsentEvents::Table, ConsentEvents::PatientId)
                            .to(Patients::Table, Patients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_consent_events_patient_kind")
                    .table(ConsentEvents::Table)
                    .col(ConsentEvents::PatientId)
                    .col(ConsentEvents::Kind)
                    .col(ConsentEvents::RecordedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentEvents::Table).to_owned())
            .await
    }
}
