//! Scheduling: appointment types and who offers them, practitioners' weekly availability and its
//! exceptions, practice closures, calendar blocks, appointments with their change history, and
//! private calendar feeds. Outbound messages gain attachments (an appointment's `.ics`).

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
enum PractitionerSchedules {
    Table,
    UserId,
    WorksPublicHolidays,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AvailabilityRules {
    Table,
    Id,
    UserId,
    Weekday,
    StartMinute,
    EndMinute,
    EffectiveFrom,
    EffectiveUntil,
}

#[derive(DeriveIden)]
enum AvailabilityExceptions {
    Table,
    Id,
    UserId,
    Kind,
    StartDate,
    EndDate,
    StartMinute,
    EndMinute,
    Reason,
}

#[derive(DeriveIden)]
enum PracticeClosures {
    Table,
    Id,
    StartDate,
    EndDate,
    Reason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppointmentTypes {
    Table,
    Id,
    Name,
    Description,
    DurationMinutes,
    Colour,
    PriceCents,
    BufferBeforeMinutes,
    BufferAfterMinutes,
    Mode,
    OnlineBookable,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppointmentTypePractitioners {
    Table,
    AppointmentTypeId,
    UserId,
}

#[derive(DeriveIden)]
enum CalendarBlocks {
    Table,
    Id,
    PractitionerId,
    Kind,
    Label,
    StartsAt,
    EndsAt,
    Capacity,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Appointments {
    Table,
    Id,
    PractitionerId,
    PatientId,
    AppointmentTypeId,
    BlockId,
    StartsAt,
    EndsAt,
    BusyFrom,
    BusyTo,
    BufferBeforeMinutes,
    BufferAfterMinutes,
    Mode,
    Status,
    NotesEnc,
    CancelReasonEnc,
    CancelledAt,
    CancelledBy,
    SeriesId,
    SeriesIndex,
    SeriesCount,
    Source,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
    ReminderSentAt,
}

#[derive(DeriveIden)]
enum AppointmentChanges {
    Table,
    Id,
    AppointmentId,
    OccurredAt,
    ActorId,
    ActorKind,
    Action,
    FromStartsAt,
    ToStartsAt,
    FromPractitionerId,
    ToPractitionerId,
    Status,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    UserId,
    TokenHash,
    IncludePatientNames,
    CreatedAt,
    LastFetchedAt,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    AttachmentsEnc,
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

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    manager.create_index(i.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PractitionerSchedules::Table)
                    .col(uuid(PractitionerSchedules::UserId).primary_key())
                    .col(boolean(PractitionerSchedules::WorksPublicHolidays))
                    .col(uuid_null(PractitionerSchedules::UpdatedBy))
                    .col(timestamp_with_time_zone(PractitionerSchedules::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_practitioner_schedules_user",
                        (PractitionerSchedules::Table, PractitionerSchedules::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Wall-clock rules in the practice's time zone: 09:00 on Mondays is 09:00 local in every
        // season, so these cannot be stored as instants.
        manager
            .create_table(
                Table::create()
                    .table(AvailabilityRules::Table)
                    .col(uuid(AvailabilityRules::Id).primary_key())
                    .col(uuid(AvailabilityRules::UserId))
                    // 1 = Monday … 7 = Sunday
                    .col(small_integer(AvailabilityRules::Weekday))
                    .col(integer(AvailabilityRules::StartMinute))
                    .col(integer(AvailabilityRules::EndMinute))
                    .col(date_null(AvailabilityRules::EffectiveFrom))
                    .col(date_null(AvailabilityRules::EffectiveUntil))
                    .check(
                        Expr::col(AvailabilityRules::StartMinute)
                            .lt(Expr::col(AvailabilityRules::EndMinute)),
                    )
                    .foreign_key(&mut fk(
                        "fk_availability_rules_user",
                        (AvailabilityRules::Table, AvailabilityRules::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_availability_rules_user",
            AvailabilityRules::Table,
            &["user_id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(AvailabilityExceptions::Table)
                    .col(uuid(AvailabilityExceptions::Id).primary_key())
                    .col(uuid(AvailabilityExceptions::UserId))
                    .col(string(AvailabilityExceptions::Kind))
                    .col(date(AvailabilityExceptions::StartDate))
                    .col(date(AvailabilityExceptions::EndDate))
                    .col(integer_null(AvailabilityExceptions::StartMinute))
                    .col(integer_null(AvailabilityExceptions::EndMinute))
                    .col(string_null(AvailabilityExceptions::Reason))
                    .check(
                        Expr::col(AvailabilityExceptions::Kind).is_in(["unavailable", "available"]),
                    )
                    .foreign_key(&mut fk(
                        "fk_availability_exceptions_user",
                        (
                            AvailabilityExceptions::Table,
                            AvailabilityExceptions::UserId,
                        ),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_availability_exceptions_user",
            AvailabilityExceptions::Table,
            &["user_id", "end_date"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PracticeClosures::Table)
                    .col(uuid(PracticeClosures::Id).primary_key())
                    .col(date(PracticeClosures::StartDate))
                    .col(date(PracticeClosures::EndDate))
                    .col(string(PracticeClosures::Reason))
                    .col(uuid_null(PracticeClosures::CreatedBy))
                    .col(timestamp_with_time_zone(PracticeClosures::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppointmentTypes::Table)
                    .col(uuid(AppointmentTypes::Id).primary_key())
                    .col(string(AppointmentTypes::Name))
                    .col(text_null(AppointmentTypes::Description))
                    .col(integer(AppointmentTypes::DurationMinutes))
                    .col(string(AppointmentTypes::Colour))
                    .col(big_integer(AppointmentTypes::PriceCents))
                    .col(integer(AppointmentTypes::BufferBeforeMinutes))
                    .col(integer(AppointmentTypes::BufferAfterMinutes))
                    .col(string(AppointmentTypes::Mode))
                    .col(boolean(AppointmentTypes::OnlineBookable))
                    .col(boolean(AppointmentTypes::Active))
                    .col(integer(AppointmentTypes::Version))
                    .col(timestamp_with_time_zone(AppointmentTypes::CreatedAt))
                    .col(timestamp_with_time_zone(AppointmentTypes::UpdatedAt))
                    .check(Expr::col(AppointmentTypes::DurationMinutes).gt(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppointmentTypePractitioners::Table)
                    .col(uuid(AppointmentTypePractitioners::AppointmentTypeId))
                    .col(uuid(AppointmentTypePractitioners::UserId))
                    .primary_key(
                        Index::create()
                            .col(AppointmentTypePractitioners::AppointmentTypeId)
                            .col(AppointmentTypePractitioners::UserId),
                    )
                    .foreign_key(&mut fk(
                        "fk_appointment_type_practitioners_type",
                        (
                            AppointmentTypePractitioners::Table,
                            AppointmentTypePractitioners::AppointmentTypeId,
                        ),
                        (AppointmentTypes::Table, AppointmentTypes::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_appointment_type_practitioners_user",
                        (
                            AppointmentTypePractitioners::Table,
                            AppointmentTypePractitioners::UserId,
                        ),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarBlocks::Table)
                    .col(uuid(CalendarBlocks::Id).primary_key())
                    .col(uuid(CalendarBlocks::PractitionerId))
                    .col(string(CalendarBlocks::Kind))
                    .col(string(CalendarBlocks::Label))
                    .col(timestamp_with_time_zone(CalendarBlocks::StartsAt))
                    .col(timestamp_with_time_zone(CalendarBlocks::EndsAt))
                    .col(integer(CalendarBlocks::Capacity))
                    .col(uuid_null(CalendarBlocks::CreatedBy))
                    .col(timestamp_with_time_zone(CalendarBlocks::CreatedAt))
                    .col(timestamp_with_time_zone(CalendarBlocks::UpdatedAt))
                    .col(integer(CalendarBlocks::Version))
                    .check(Expr::col(CalendarBlocks::Kind).is_in(["admin", "walk_in", "group"]))
                    .check(
                        Expr::col(CalendarBlocks::StartsAt).lt(Expr::col(CalendarBlocks::EndsAt)),
                    )
                    .foreign_key(&mut fk(
                        "fk_calendar_blocks_practitioner",
                        (CalendarBlocks::Table, CalendarBlocks::PractitionerId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_calendar_blocks_practitioner",
            CalendarBlocks::Table,
            &["practitioner_id", "starts_at"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Appointments::Table)
                    .col(uuid(Appointments::Id).primary_key())
                    .col(uuid(Appointments::PractitionerId))
                    .col(uuid(Appointments::PatientId))
                    .col(uuid(Appointments::AppointmentTypeId))
                    .col(uuid_null(Appointments::BlockId))
                    .col(timestamp_with_time_zone(Appointments::StartsAt))
                    .col(timestamp_with_time_zone(Appointments::EndsAt))
                    // The practitioner's time the appointment takes: buffers included.
                    .col(timestamp_with_time_zone(Appointments::BusyFrom))
                    .col(timestamp_with_time_zone(Appointments::BusyTo))
                    .col(integer(Appointments::BufferBeforeMinutes))
                    .col(integer(Appointments::BufferAfterMinutes))
                    .col(string(Appointments::Mode))
                    .col(string(Appointments::Status))
                    .col(text_null(Appointments::NotesEnc))
                    .col(text_null(Appointments::CancelReasonEnc))
                    .col(timestamp_with_time_zone_null(Appointments::CancelledAt))
                    .col(uuid_null(Appointments::CancelledBy))
                    .col(uuid_null(Appointments::SeriesId))
                    .col(integer_null(Appointments::SeriesIndex))
                    .col(integer_null(Appointments::SeriesCount))
                    .col(string(Appointments::Source))
                    .col(uuid_null(Appointments::CreatedBy))
                    .col(timestamp_with_time_zone(Appointments::CreatedAt))
                    .col(timestamp_with_time_zone(Appointments::UpdatedAt))
                    .col(integer(Appointments::Version))
                    .col(timestamp_with_time_zone_null(Appointments::ReminderSentAt))
                    .check(Expr::col(Appointments::StartsAt).lt(Expr::col(Appointments::EndsAt)))
                    .check(Expr::col(Appointments::Status).is_in([
                        "booked",
                        "arrived",
                        "completed",
                        "cancelled",
                        "no_show",
                    ]))
                    .foreign_key(&mut fk(
                        "fk_appointments_practitioner",
                        (Appointments::Table, Appointments::PractitionerId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_appointments_patient",
                        (Appointments::Table, Appointments::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_appointments_type",
                        (Appointments::Table, Appointments::AppointmentTypeId),
                        (AppointmentTypes::Table, AppointmentTypes::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_appointments_block",
                        (Appointments::Table, Appointments::BlockId),
                        (CalendarBlocks::Table, CalendarBlocks::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_appointments_practitioner_busy",
            Appointments::Table,
            &["practitioner_id", "busy_from"],
        )
        .await?;
        index(
            manager,
            "ix_appointments_patient",
            Appointments::Table,
            &["patient_id", "starts_at"],
        )
        .await?;
        index(
            manager,
            "ix_appointments_starts",
            Appointments::Table,
            &["starts_at"],
        )
        .await?;
        index(
            manager,
            "ix_appointments_series",
            Appointments::Table,
            &["series_id"],
        )
        .await?;
        index(
            manager,
            "ix_appointments_block",
            Appointments::Table,
            &["block_id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppointmentChanges::Table)
                    .col(uuid(AppointmentChanges::Id).primary_key())
                    .col(uuid(AppointmentChanges::AppointmentId))
                    .col(timestamp_with_time_zone(AppointmentChanges::OccurredAt))
                    .col(uuid_null(AppointmentChanges::ActorId))
                    .col(string_null(AppointmentChanges::ActorKind))
                    .col(string(AppointmentChanges::Action))
                    .col(timestamp_with_time_zone_null(
                        AppointmentChanges::FromStartsAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        AppointmentChanges::ToStartsAt,
                    ))
                    .col(uuid_null(AppointmentChanges::FromPractitionerId))
                    .col(uuid_null(AppointmentChanges::ToPractitionerId))
                    .col(string_null(AppointmentChanges::Status))
                    .foreign_key(&mut fk(
                        "fk_appointment_changes_appointment",
                        (AppointmentChanges::Table, AppointmentChanges::AppointmentId),
                        (Appointments::Table, Appointments::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_appointment_changes_appointment",
            AppointmentChanges::Table,
            &["appointment_id", "occurred_at"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(uuid(CalendarFeeds::UserId).primary_key())
                    .col(string(CalendarFeeds::TokenHash).unique_key())
                    .col(boolean(CalendarFeeds::IncludePatientNames))
                    .col(timestamp_with_time_zone(CalendarFeeds::CreatedAt))
                    .col(timestamp_with_time_zone_null(CalendarFeeds::LastFetchedAt))
                    .foreign_key(&mut fk(
                        "fk_calendar_feeds_user",
                        (CalendarFeeds::Table, CalendarFeeds::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .add_column(text_null(OutboxMessages::AttachmentsEnc))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .drop_column(OutboxMessages::AttachmentsEnc)
                    .to_owned(),
            )
            .await?;
        for table in [
            CalendarFeeds::Table.into_iden(),
            AppointmentChanges::Table.into_iden(),
            Appointments::Table.into_iden(),
            CalendarBlocks::Table.into_iden(),
            AppointmentTypePractitioners::Table.into_iden(),
            AppointmentTypes::Table.into_iden(),
            PracticeClosures::Table.into_iden(),
            AvailabilityExceptions::Table.into_iden(),
            AvailabilityRules::Table.into_iden(),
            PractitionerSchedules::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
