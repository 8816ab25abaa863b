//! Medications with their prescriptions and recorded doses, therapy sessions and homework, and
//! patients' requests to correct or erase their data.

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
enum Medications {
    Table,
    Id,
    PatientId,
    Status,
    StartDate,
    EndDate,
    DosesPerDay,
    PrescriberId,
    DetailsEnc,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Prescriptions {
    Table,
    Id,
    MedicationId,
    PatientId,
    PrescriberId,
    DetailsEnc,
    IssuedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum MedicationDoses {
    Table,
    Id,
    MedicationId,
    PatientId,
    Taken,
    At,
    NoteEnc,
    ByPatient,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TherapySessions {
    Table,
    Id,
    PatientId,
    AppointmentId,
    ClinicianId,
    SessionDate,
    DetailsEnc,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HomeworkTasks {
    Table,
    Id,
    PatientId,
    SessionId,
    AssignedBy,
    DueDate,
    DetailsEnc,
    Status,
    CompletedAt,
    ReflectionEnc,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DataRequests {
    Table,
    Id,
    PatientId,
    Kind,
    DetailsEnc,
    Status,
    ResponseEnc,
    RequestedBy,
    ResolvedBy,
    CreatedAt,
    ResolvedAt,
}

fn patient_fk(
    name: &str,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Patients::Table, Patients::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(
    name: &str,
    table: impl IntoIden + 'static,
    columns: Vec<DynIden>,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in columns {
        i.col(c);
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Medications::Table)
                    .col(uuid(Medications::Id).primary_key())
                    .col(uuid(Medications::PatientId))
                    .col(string(Medications::Status))
                    .col(date(Medications::StartDate))
                    .col(date_null(Medications::EndDate))
                    .col(integer_null(Medications::DosesPerDay))
                    .col(uuid_null(Medications::PrescriberId))
                    .col(text(Medications::DetailsEnc))
                    .col(uuid_null(Medications::CreatedBy))
                    .col(timestamp_with_time_zone(Medications::CreatedAt))
                    .col(timestamp_with_time_zone(Medications::UpdatedAt))
                    .foreign_key(&mut patient_fk(
                        "fk_medications_patient",
                        Medications::Table,
                        Medications::PatientId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_medications_patient",
                Medications::Table,
                vec![Medications::PatientId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Prescriptions::Table)
                    .col(uuid(Prescriptions::Id).primary_key())
                    .col(uuid(Prescriptions::MedicationId))
                    .col(uuid(Prescriptions::PatientId))
                    .col(uuid(Prescriptions::PrescriberId))
                    .col(text(Prescriptions::DetailsEnc))
                    .col(timestamp_with_time_zone(Prescriptions::IssuedAt))
                    .col(timestamp_with_time_zone_null(Prescriptions::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_prescriptions_medication")
                            .from(Prescriptions::Table, Prescriptions::MedicationId)
                            .to(Medications::Table, Medications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_prescriptions_medication",
                Prescriptions::Table,
                vec![Prescriptions::MedicationId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MedicationDoses::Table)
                    .col(uuid(MedicationDoses::Id).primary_key())
                    .col(uuid(MedicationDoses::MedicationId))
                    .col(uuid(MedicationDoses::PatientId))
                    .col(boolean(MedicationDoses::Taken))
                    .col(timestamp_with_time_zone(MedicationDoses::At))
                    .col(text_null(MedicationDoses::NoteEnc))
                    .col(boolean(MedicationDoses::ByPatient))
                    .col(uuid_null(MedicationDoses::RecordedBy))
                    .col(timestamp_with_time_zone(MedicationDoses::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_medication_doses_medication")
                            .from(MedicationDoses::Table, MedicationDoses::MedicationId)
                            .to(Medications::Table, Medications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_medication_doses_medication_at",
                MedicationDoses::Table,
                vec![
                    MedicationDoses::MedicationId.into_iden(),
                    MedicationDoses::At.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TherapySessions::Table)
                    .col(uuid(TherapySessions::Id).primary_key())
                    .col(uuid(TherapySessions::PatientId))
                    .col(uuid_null(TherapySessions::AppointmentId))
                    .col(uuid(TherapySessions::ClinicianId))
                    .col(date(TherapySessions::SessionDate))
                    .col(text(TherapySessions::DetailsEnc))
                    .col(timestamp_with_time_zone(TherapySessions::CreatedAt))
                    .col(timestamp_with_time_zone(TherapySessions::UpdatedAt))
                    .foreign_key(&mut patient_fk(
                        "fk_therapy_sessions_patient",
                        TherapySessions::Table,
                        TherapySessions::PatientId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_therapy_sessions_patient_date",
                TherapySessions::Table,
                vec![
                    TherapySessions::PatientId.into_iden(),
                    TherapySessions::SessionDate.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HomeworkTasks::Table)
                    .col(uuid(HomeworkTasks::Id).primary_key())
                    .col(uuid(HomeworkTasks::PatientId))
                    .col(uuid_null(HomeworkTasks::SessionId))
                    .col(uuid(HomeworkTasks::AssignedBy))
                    .col(date(HomeworkTasks::DueDate))
                    .col(text(HomeworkTasks::DetailsEnc))
                    .col(string(HomeworkTasks::Status))
                    .col(timestamp_with_time_zone_null(HomeworkTasks::CompletedAt))
                    .col(text_null(HomeworkTasks::ReflectionEnc))
                    .col(timestamp_with_time_zone(HomeworkTasks::CreatedAt))
                    .col(timestamp_with_time_zone(HomeworkTasks::UpdatedAt))
                    .foreign_key(&mut patient_fk(
                        "fk_homework_tasks_patient",
                        HomeworkTasks::Table,
                        HomeworkTasks::PatientId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_homework_tasks_status_due",
                HomeworkTasks::Table,
                vec![
                    HomeworkTasks::Status.into_iden(),
                    HomeworkTasks::DueDate.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_homework_tasks_patient",
                HomeworkTasks::Table,
                vec![HomeworkTasks::PatientId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DataRequests::Table)
                    .col(uuid(DataRequests::Id).primary_key())
                    .col(uuid(DataRequests::PatientId))
                    .col(string(DataRequests::Kind))
                    .col(text(DataRequests::DetailsEnc))
                    .col(string(DataRequests::Status))
                    .col(text_null(DataRequests::ResponseEnc))
                    .col(uuid_null(DataRequests::RequestedBy))
                    .col(uuid_null(DataRequests::ResolvedBy))
                    .col(timestamp_with_time_zone(DataRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(DataRequests::ResolvedAt))
                    .foreign_key(&mut patient_fk(
                        "fk_data_requests_patient",
                        DataRequests::Table,
                        DataRequests::PatientId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_data_requests_status",
                DataRequests::Table,
                vec![
                    DataRequests::Status.into_iden(),
                    DataRequests::CreatedAt.into_iden(),
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DataRequests::Table.into_iden(),
            HomeworkTasks::Table.into_iden(),
            TherapySessions::Table.into_iden(),
            MedicationDoses::Table.into_iden(),
            Prescriptions::Table.into_iden(),
            Medications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
