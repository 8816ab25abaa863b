//! Questionnaires completed by patients or entered by staff (PHQ-9, GAD-7, K10, DASS-21), with
//! the review of answers that alerted the care team.

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
enum Assessments {
    Table,
    Id,
    PatientId,
    Instrument,
    AnswersEnc,
    Urgent,
    Source,
    EnteredBy,
    AppointmentId,
    CompletedAt,
    ReviewedBy,
    ReviewedAt,
    ReviewNoteEnc,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Assessments::Table)
                    .col(uuid(Assessments::Id).primary_key())
                    .col(uuid(Assessments::PatientId))
                    .col(string(Assessments::Instrument))
                    .col(text(Assessments::AnswersEnc))
                    .col(boolean(Assessments::Urgent))
                    .col(string(Assessments::Source))
                    .col(uuid_null(Assessments::EnteredBy))
                    .col(uuid_null(Assessments::AppointmentId))
                    .col(timestamp_with_time_zone(Assessments::CompletedAt))
                    .col(uuid_null(Assessments::ReviewedBy))
                    .col(timestamp_with_time_zone_null(Assessments::ReviewedAt))
                    .col(text_null(Assessments::ReviewNoteEnc))
                    .col(timestamp_with_time_zone(Assessments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assessments_patient")
                            .from(Assessments::Table, Assessments::PatientId)
                            .to(Patients::Table, Patients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assessments_patient_completed")
                    .table(Assessments::Table)
                    .col(Assessments::PatientId)
                    .col(Assessments::CompletedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assessments_urgent")
                    .table(Assessments::Table)
                    .col(Assessments::Urgent)
                    .col(Assessments::ReviewedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Assessments::Table).to_owned())
            .await
    }
}
