//! The shared job queue for work with outside services, which any replica may run: each job is
//! claimed under a lease, retried with backoff, and kept for administrators to see. Pending
//! Google Calendar syncs move onto it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Subject,
    Reason,
    Status,
    Attempts,
    RunAt,
    LockedUntil,
    Claim,
    Rerun,
    LastError,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum CalendarSyncJobs {
    Table,
    AppointmentId,
    QueuedAt,
    Attempts,
    NextAttemptAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(uuid(Jobs::Id).primary_key())
                    .col(string_len(Jobs::Kind, 64))
                    .col(uuid(Jobs::Subject))
                    .col(string_len_null(Jobs::Reason, 64))
                    .col(string_len(Jobs::Status, 16))
                    .col(integer(Jobs::Attempts))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                    .col(uuid_null(Jobs::Claim))
                    .col(boolean(Jobs::Rerun))
                    .col(text_null(Jobs::LastError))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // One pending job per kind and subject: a change made while one waits or runs joins it.
        manager
            .create_index(
                Index::create()
                    .name("ux_jobs_pending")
                    .table(Jobs::Table)
                    .col(Jobs::Kind)
                    .col(Jobs::Subject)
                    .unique()
                    .and_where(Expr::col(Jobs::Status).is_in(["queued", "running"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_due")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::RunAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_updated")
                    .table(Jobs::Table)
                    .col(Jobs::UpdatedAt)
                    .to_owned(),
            )
            .await?;

        let moved = Query::insert()
            .into_table(Jobs::Table)
            .columns([
                Jobs::Id,
                Jobs::Kind,
                Jobs::Subject,
                Jobs::Status,
                Jobs::Attempts,
                Jobs::RunAt,
                Jobs::Rerun,
                Jobs::LastError,
                Jobs::CreatedAt,
                Jobs::UpdatedAt,
            ])
            .select_from(
                Query::select()
                    .column(CalendarSyncJobs::AppointmentId)
                    .expr(Expr::val("google_calendar.event"))
                    .column(CalendarSyncJobs::AppointmentId)
                    .expr(Expr::val("queued"))
                    .column(CalendarSyncJobs::Attempts)
                    .column(CalendarSyncJobs::NextAttemptAt)
                    .expr(Expr::val(false))
                    .column(CalendarSyncJobs::LastError)
                    .column(CalendarSyncJobs::QueuedAt)
                    .column(CalendarSyncJobs::QueuedAt)
                    .from(CalendarSyncJobs::Table)
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(moved).await?;
        manager
            .drop_table(Table::drop().table(CalendarSyncJobs::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarSyncJobs::Table)
                    .col(uuid(CalendarSyncJobs::AppointmentId).primary_key())
                    .col(timestamp_with_time_zone(CalendarSyncJobs::QueuedAt))
                    .col(integer(CalendarSyncJobs::Attempts))
                    .col(timestamp_with_time_zone(CalendarSyncJobs::NextAttemptAt))
                    .col(text_null(CalendarSyncJobs::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
