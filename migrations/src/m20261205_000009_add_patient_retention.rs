//! The day an erased patient's kept health record may be destroyed: the end of the retention the
//! law requires (seven years after the last service, or until a child turns 25), set when the
//! patient's personal data is erased. Expand only: a patient without it is kept.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Patients {
    Table,
    RetainUntil,
}

const INDEX: &str = "ix_patients_retain_until";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Patients::Table)
                    .add_column(date_null(Patients::RetainUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Patients::Table)
                    .col(Patients::RetainUntil)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Patients::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Patients::Table)
                    .drop_column(Patients::RetainUntil)
                    .to_owned(),
            )
            .await
    }
}
