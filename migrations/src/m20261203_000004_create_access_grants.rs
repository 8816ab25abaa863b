//! Patient-controlled access: a patient shares their record, or some categories of it, with a
//! practitioner outside their care team, for good or until a date, until they revoke it.

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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AccessGrants {
    Table,
    Id,
    PatientId,
    GranteeId,
    AllRecords,
    Categories,
    ExpiresAt,
    Source,
    GrantedBy,
    CreatedAt,
    RevokedAt,
    RevokedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessGrants::Table)
                    .col(uuid(AccessGrants::Id).primary_key())
                    .col(uuid(AccessGrants::PatientId))
                    .col(uuid(AccessGrants::GranteeId))
                    .col(boolean(AccessGrants::AllRecords))
                    .col(string(AccessGrants::Categories))
                    .col(timestamp_with_time_zone_null(AccessGrants::ExpiresAt))
                    .col(string(AccessGrants::Source))
                    .col(uuid_null(AccessGrants::GrantedBy))
                    .col(timestamp_with_time_zone(AccessGrants::CreatedAt))
                    .col(timestamp_with_time_zone_null(AccessGrants::RevokedAt))
                    .col(uuid_null(AccessGrants::RevokedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_grants_patient")
                            .from(AccessGrants::Table, AccessGrants::PatientId)
                            .to(Patients::Table, Patients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_grants_grantee")
                            .from(AccessGrants::Table, AccessGrants::GranteeId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_access_grants_grantee_patient")
                    .table(AccessGrants::Table)
                    .col(AccessGrants::GranteeId)
                    .col(AccessGrants::PatientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccessGrants::Table).to_owned())
            .await
    }
}
