//! A key made by another key records which one, so that revoking a key revokes the keys it
//! made, and theirs. Expand only: a key without it (made before, or by a person) was issued by
//! no key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    IssuedByKey,
}

const INDEX: &str = "idx_api_keys_issued_by_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(uuid_null(ApiKeys::IssuedByKey))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(ApiKeys::Table)
                    .col(ApiKeys::IssuedByKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(ApiKeys::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .drop_column(ApiKeys::IssuedByKey)
                    .to_owned(),
            )
            .await
    }
}
