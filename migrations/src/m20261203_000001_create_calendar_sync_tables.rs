//! Google Calendar sync: a practitioner's connection to their own calendar (tokens encrypted),
//! which appointment is which event there, and the queue of appointments whose events are due
//! to be brought up to date.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CalendarConnections {
    Table,
    Id,
    UserId,
    Provider,
    Account,
    CalendarId,
    AccessTokenEnc,
    RefreshTokenEnc,
    ExpiresAt,
    Scope,
    IncludePatientNames,
    Status,
    LastError,
    LastSyncAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarEventLinks {
    Table,
    Id,
    AppointmentId,
    ConnectionId,
    EventId,
    Etag,
    SyncedAt,
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
                    .table(CalendarConnections::Table)
                    .col(uuid(CalendarConnections::Id).primary_key())
                    .col(uuid(CalendarConnections::UserId).unique_key())
                    .col(string(CalendarConnections::Provider))
                    .col(string(CalendarConnections::Account))
                    .col(string(CalendarConnections::CalendarId))
                    .col(text(CalendarConnections::AccessTokenEnc))
                    .col(text(CalendarConnections::RefreshTokenEnc))
                    .col(timestamp_with_time_zone(CalendarConnections::ExpiresAt))
                    .col(string(CalendarConnections::Scope))
                    .col(boolean(CalendarConnections::IncludePatientNames))
                    .col(string(CalendarConnections::Status))
                    .col(text_null(CalendarConnections::LastError))
                    .col(timestamp_with_time_zone_null(
                        CalendarConnections::LastSyncAt,
                    ))
                    .col(timestamp_with_time_zone(CalendarConnections::CreatedAt))
                    .col(timestamp_with_time_zone(CalendarConnections::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calendar_connections_user")
                            .from(CalendarConnections::Table, CalendarConnections::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarEventLinks::Table)
                    .col(uuid(CalendarEventLinks::Id).primary_key())
                    .col(uuid(CalendarEventLinks::AppointmentId))
                    .col(uuid(CalendarEventLinks::ConnectionId))
                    .col(string(CalendarEventLinks::EventId))
                    .col(string_null(CalendarEventLinks::Etag))
                    .col(timestamp_with_time_zone(CalendarEventLinks::SyncedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calendar_event_links_appointment")
                            .from(CalendarEventLinks::Table, CalendarEventLinks::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calendar_event_links_connection")
                            .from(CalendarEventLinks::Table, CalendarEventLinks::ConnectionId)
                            .to(CalendarConnections::Table, CalendarConnections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_calendar_event_links_appointment_connection")
                    .table(CalendarEventLinks::Table)
                    .col(CalendarEventLinks::AppointmentId)
                    .col(CalendarEventLinks::ConnectionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_calendar_event_links_connection")
                    .table(CalendarEventLinks::Table)
                    .col(CalendarEventLinks::ConnectionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarSyncJobs::Table)
                    .col(uuid(CalendarSyncJobs::AppointmentId).primary_key())
                    .col(timestamp_with_time_zone(CalendarSyncJobs::QueuedAt))
                    .col(integer(CalendarSyncJobs::Attempts))
                    .col(timestamp_with_time_zone(CalendarSyncJobs::NextAttemptAt))
                    .col(text_null(CalendarSyncJobs::LastError))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calendar_sync_jobs_appointment")
                            .from(CalendarSyncJobs::Table, CalendarSyncJobs::AppointmentId)
                            .to(Appointments::Table, Appointments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_calendar_sync_jobs_due")
                    .table(CalendarSyncJobs::Table)
                    .col(CalendarSyncJobs::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CalendarSyncJobs::Table.into_iden(),
            CalendarEventLinks::Table.into_iden(),
            CalendarConnections::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
