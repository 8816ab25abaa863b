//! When a worker began handing an outbox message to its provider, cleared once the outcome is
//! recorded. A message still marked when its lease runs out was being handed over when its
//! server stopped: it may have gone, and is not simply sent again. Expand only: a message
//! without it is sent as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    SendingAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .add_column(timestamp_with_time_zone_null(OutboxMessages::SendingAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .drop_column(OutboxMessages::SendingAt)
                    .to_owned(),
            )
            .await
    }
}
