//! What the security review asked of the schema: invitations approved by a clinician before they
//! are sent, second-factor failures counted per account, erasure as a state of its own, repeated
//! critical readings collapsed into one open alert with at most one email per patient per window,
//! OAuth states that work once, and one-time links kept out of the outbox's view.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Invitations {
    Table,
    ApprovedBy,
    ApprovedAt,
}

#[derive(DeriveIden)]
enum Patients {
    Table,
    ErasedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MfaAttempts {
    Table,
    UserId,
    Failures,
    LockedUntil,
    LastFailureAt,
}

#[derive(DeriveIden)]
enum HealthAlerts {
    Table,
    Readings,
    LastEffectiveAt,
    LastValue,
}

#[derive(DeriveIden)]
enum CareTeamNotices {
    Table,
    PatientId,
    SentAt,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    CarriesSecret,
}

#[derive(DeriveIden)]
enum OauthStatesUsed {
    Table,
    Nonce,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for col in [
            uuid_null(Invitations::ApprovedBy),
            timestamp_with_time_zone_null(Invitations::ApprovedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Invitations::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        // Invitations sent before approval existed were sent by someone allowed to send them.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE invitations SET approved_by = created_by, approved_at = created_at",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Patients::Table)
                    .add_column(timestamp_with_time_zone_null(Patients::ErasedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MfaAttempts::Table)
                    .col(uuid(MfaAttempts::UserId).primary_key())
                    .col(integer(MfaAttempts::Failures))
                    .col(timestamp_with_time_zone_null(MfaAttempts::LockedUntil))
                    .col(timestamp_with_time_zone(MfaAttempts::LastFailureAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mfa_attempts_user")
                            .from(MfaAttempts::Table, MfaAttempts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for col in [
            integer(HealthAlerts::Readings).default(1).to_owned(),
            timestamp_with_time_zone_null(HealthAlerts::LastEffectiveAt),
            double_null(HealthAlerts::LastValue),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(HealthAlerts::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        // A message holding a one-time link is shown in the outbox without its text.
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .add_column(boolean(OutboxMessages::CarriesSecret).default(false))
                    .to_owned(),
            )
            .await?;
        // When the care team was last emailed about a patient: at most one notice per window.
        manager
            .create_table(
                Table::create()
                    .table(CareTeamNotices::Table)
                    .col(uuid(CareTeamNotices::PatientId).primary_key())
                    .col(timestamp_with_time_zone(CareTeamNotices::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthStatesUsed::Table)
                    .col(string_len(OauthStatesUsed::Nonce, 64).primary_key())
                    .col(timestamp_with_time_zone(OauthStatesUsed::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthStatesUsed::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MfaAttempts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CareTeamNotices::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .drop_column(OutboxMessages::CarriesSecret)
                    .to_owned(),
            )
            .await?;
        for col in [
            HealthAlerts::Readings,
            HealthAlerts::LastEffectiveAt,
            HealthAlerts::LastValue,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(HealthAlerts::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Patients::Table)
                    .drop_column(Patients::ErasedAt)
                    .to_owned(),
            )
            .await?;
        for col in [Invitations::ApprovedBy, Invitations::ApprovedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Invitations::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
