//! Sign-in rate limits shared by every replica: hits per client address per minute.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateLimitWindows {
    Table,
    Key,
    Minute,
    Hits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateLimitWindows::Table)
                    .col(string_len(RateLimitWindows::Key, 128))
                    .col(big_integer(RateLimitWindows::Minute))
                    .col(integer(RateLimitWindows::Hits))
                    .primary_key(
                        Index::create()
                            .col(RateLimitWindows::Key)
                            .col(RateLimitWindows::Minute),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateLimitWindows::Table).to_owned())
            .await
    }
}
