//! Device connections: a patient's account at a device maker (Withings), with its tokens
//! encrypted, the sync cursors, and the sync's last outcome.

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
enum DeviceConnections {
    Table,
    Id,
    PatientId,
    Vendor,
    ExternalUserId,
    AccessTokenEnc,
    RefreshTokenEnc,
    ExpiresAt,
    Scope,
    NotifyToken,
    Status,
    LastSyncAt,
    LastError,
    SyncedUntil,
    ConnectedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeviceConnections::Table)
                    .col(uuid(DeviceConnections::Id).primary_key())
                    .col(uuid(DeviceConnections::PatientId))
                    .col(string(DeviceConnections::Vendor))
                    .col(string(DeviceConnections::ExternalUserId))
                    .col(text(DeviceConnections::AccessTokenEnc))
                    .col(text(DeviceConnections::RefreshTokenEnc))
                    .col(timestamp_with_time_zone(DeviceConnections::ExpiresAt))
                    .col(string(DeviceConnections::Scope))
                    // The secret in the notification callback's path.
                    .col(string(DeviceConnections::NotifyToken))
                    // active | error
                    .col(string(DeviceConnections::Status))
                    .col(timestamp_with_time_zone_null(DeviceConnections::LastSyncAt))
                    .col(text_null(DeviceConnections::LastError))
                    // Everything up to here has been fetched.
                    .col(timestamp_with_time_zone_null(
                        DeviceConnections::SyncedUntil,
                    ))
                    .col(uuid_null(DeviceConnections::ConnectedBy))
                    .col(timestamp_with_time_zone(DeviceConnections::CreatedAt))
                    .col(timestamp_with_time_zone(DeviceConnections::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_device_connections_patient")
                            .from(DeviceConnections::Table, DeviceConnections::PatientId)
                            .to(Patients::Table, Patients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_device_connections_patient_vendor")
                    .table(DeviceConnections::Table)
                    .col(DeviceConnections::PatientId)
                    .col(DeviceConnections::Vendor)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_device_connections_external_user")
                    .table(DeviceConnections::Table)
                    .col(DeviceConnections::Vendor)
                    .col(DeviceConnections::ExternalUserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeviceConnections::Table).to_owned())
            .await
    }
}
