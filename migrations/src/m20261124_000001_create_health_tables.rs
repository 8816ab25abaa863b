//! Health data: observations (compact rows keyed by patient, metric, time and source), their
//! sources, hourly and daily roll-ups for charts, target ranges and alerts.

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
enum ObservationSources {
    Table,
    Id,
    PatientId,
    SourceKey,
    Kind,
    Vendor,
    DeviceId,
    Model,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Observations {
    Table,
    PatientId,
    Metric,
    EffectiveAt,
    SourceId,
    Value,
}

#[derive(DeriveIden)]
enum ObservationRollups {
    Table,
    PatientId,
    Metric,
    Granularity,
    BucketStart,
    Count,
    Sum,
    Min,
    Max,
}

#[derive(DeriveIden)]
enum TargetProfiles {
    Table,
    PatientId,
    Conditions,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TargetOverrides {
    Table,
    PatientId,
    Metric,
    Low,
    High,
    CriticalLow,
    CriticalHigh,
    NoteEnc,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum HealthAlerts {
    Table,
    Id,
    PatientId,
    Metric,
    EffectiveAt,
    Value,
    Status,
    CreatedAt,
    AcknowledgedBy,
    AcknowledgedAt,
    NoteEnc,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ObservationSources::Table)
                    .col(uuid(ObservationSources::Id).primary_key())
                    .col(uuid(ObservationSources::PatientId))
                    // manual:<user id>, or device:<vendor>:<device id>:<model>
                    .col(string(ObservationSources::SourceKey))
                    .col(small_integer(ObservationSources::Kind))
                    .col(string_null(ObservationSources::Vendor))
                    .col(string_null(ObservationSources::DeviceId))
                    .col(string_null(ObservationSources::Model))
                    .col(uuid_null(ObservationSources::RecordedBy))
                    .col(timestamp_with_time_zone(ObservationSources::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_observation_sources_patient",
                        (ObservationSources::Table, ObservationSources::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_observation_sources_key")
                    .table(ObservationSources::Table)
                    .col(ObservationSources::PatientId)
                    .col(ObservationSources::SourceKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // No surrogate key: the natural key is what makes a re-sync idempotent, and rows stay
        // small (a year of minute-level heart rate is half a million of them).
        manager
            .create_table(
                Table::create()
                    .table(Observations::Table)
                    .col(uuid(Observations::PatientId))
                    .col(small_integer(Observations::Metric))
                    .col(timestamp_with_time_zone(Observations::EffectiveAt))
                    .col(uuid(Observations::SourceId))
                    .col(double(Observations::Value))
                    .primary_key(
                        Index::create()
                            .col(Observations::PatientId)
                            .col(Observations::Metric)
                            .col(Observations::EffectiveAt)
                            .col(Observations::SourceId),
                    )
                    .foreign_key(&mut fk(
                        "fk_observations_source",
                        (Observations::Table, Observations::SourceId),
                        (ObservationSources::Table, ObservationSources::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ObservationRollups::Table)
                    .col(uuid(ObservationRollups::PatientId))
                    .col(small_integer(ObservationRollups::Metric))
                    // 1 = hour, 2 = day (UTC)
                    .col(small_integer(ObservationRollups::Granularity))
                    .col(timestamp_with_time_zone(ObservationRollups::BucketStart))
                    .col(big_integer(ObservationRollups::Count))
                    .col(double(ObservationRollups::Sum))
                    .col(double(ObservationRollups::Min))
                    .col(double(ObservationRollups::Max))
                    .primary_key(
                        Index::create()
                            .col(ObservationRollups::PatientId)
                            .col(ObservationRollups::Metric)
                            .col(ObservationRollups::Granularity)
                            .col(ObservationRollups::BucketStart),
                    )
                    .foreign_key(&mut fk(
                        "fk_observation_rollups_patient",
                        (ObservationRollups::Table, ObservationRollups::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TargetProfiles::Table)
                    .col(uuid(TargetProfiles::PatientId).primary_key())
                    // A JSON array of condition codes.
                    .col(text(TargetProfiles::Conditions))
                    .col(uuid_null(TargetProfiles::UpdatedBy))
                    .col(timestamp_with_time_zone(TargetProfiles::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_target_profiles_patient",
                        (TargetProfiles::Table, TargetProfiles::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TargetOverrides::Table)
                    .col(uuid(TargetOverrides::PatientId))
                    .col(small_integer(TargetOverrides::Metric))
                    .col(double_null(TargetOverrides::Low))
                    .col(double_null(TargetOverrides::High))
                    .col(double_null(TargetOverrides::CriticalLow))
                    .col(double_null(TargetOverrides::CriticalHigh))
                    .col(text_null(TargetOverrides::NoteEnc))
                    .col(uuid_null(TargetOverrides::SetBy))
                    .col(timestamp_with_time_zone(TargetOverrides::SetAt))
                    .primary_key(
                        Index::create()
                            .col(TargetOverrides::PatientId)
                            .col(TargetOverrides::Metric),
                    )
                    .foreign_key(&mut fk(
                        "fk_target_overrides_patient",
                        (TargetOverrides::Table, TargetOverrides::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HealthAlerts::Table)
                    .col(uuid(HealthAlerts::Id).primary_key())
                    .col(uuid(HealthAlerts::PatientId))
                    .col(small_integer(HealthAlerts::Metric))
                    .col(timestamp_with_time_zone(HealthAlerts::EffectiveAt))
                    .col(double(HealthAlerts::Value))
                    // 0 = open, 1 = acknowledged
                    .col(small_integer(HealthAlerts::Status))
                    .col(timestamp_with_time_zone(HealthAlerts::CreatedAt))
                    .col(uuid_null(HealthAlerts::AcknowledgedBy))
                    .col(timestamp_with_time_zone_null(HealthAlerts::AcknowledgedAt))
                    .col(text_null(HealthAlerts::NoteEnc))
                    .foreign_key(&mut fk(
                        "fk_health_alerts_patient",
                        (HealthAlerts::Table, HealthAlerts::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_health_alerts_acknowledged_by",
                        (HealthAlerts::Table, HealthAlerts::AcknowledgedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // One alert per critical reading, however often it is re-sent.
        manager
            .create_index(
                Index::create()
                    .name("ux_health_alerts_reading")
                    .table(HealthAlerts::Table)
                    .col(HealthAlerts::PatientId)
                    .col(HealthAlerts::Metric)
                    .col(HealthAlerts::EffectiveAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_health_alerts_status")
                    .table(HealthAlerts::Table)
                    .col(HealthAlerts::Status)
                    .col(HealthAlerts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HealthAlerts::Table.into_iden(),
            TargetOverrides::Table.into_iden(),
            TargetProfiles::Table.into_iden(),
            ObservationRollups::Table.into_iden(),
            Observations::Table.into_iden(),
            ObservationSources::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
