//! Outside services' credentials entered by an administrator in the app, encrypted; a server's
//! configuration file, when it has them, takes precedence.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntegrationCredentials {
    Table,
    Provider,
    DataEnc,
    UpdatedBy,
    UpdatedAt,
    LastCheckOk,
    LastCheckMessage,
    LastCheckedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntegrationCredentials::Table)
                    .col(string_len(IntegrationCredentials::Provider, 32).primary_key())
                    .col(text(IntegrationCredentials::DataEnc))
                    .col(uuid_null(IntegrationCredentials::UpdatedBy))
                    .col(timestamp_with_time_zone(IntegrationCredentials::UpdatedAt))
                    .col(boolean_null(IntegrationCredentials::LastCheckOk))
                    .col(text_null(IntegrationCredentials::LastCheckMessage))
                    .col(timestamp_with_time_zone_null(
                        IntegrationCredentials::LastCheckedAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(IntegrationCredentials::Table)
                    .to_owned(),
            )
            .await
    }
}
