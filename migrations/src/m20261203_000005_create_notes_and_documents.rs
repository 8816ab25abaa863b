//! Clinical notes with their locked versions and practice templates (a default for each note
//! type), documents with their encrypted bytes, and imaging studies.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Patients {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NoteTemplates {
    Table,
    Id,
    Name,
    NoteType,
    BodyHtml,
    IsDefault,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ClinicalNotes {
    Table,
    Id,
    PatientId,
    NoteType,
    Status,
    TitleEnc,
    BodyEnc,
    AppointmentId,
    AuthorId,
    Version,
    CreatedAt,
    UpdatedAt,
    SignedAt,
}

#[derive(DeriveIden)]
enum ClinicalNoteVersions {
    Table,
    Id,
    NoteId,
    Version,
    Kind,
    TitleEnc,
    BodyEnc,
    ReasonEnc,
    AuthorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    PatientId,
    Kind,
    NameEnc,
    DescriptionEnc,
    MediaType,
    SizeBytes,
    NoteId,
    StudyId,
    Source,
    UploadedBy,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum DocumentBlobs {
    Table,
    DocumentId,
    Data,
}

#[derive(DeriveIden)]
enum ImagingStudies {
    Table,
    Id,
    PatientId,
    Modality,
    StudyDate,
    DetailsEnc,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

/// The templates every practice starts with: (id, name, type, body).
const TEMPLATES: [(&str, &str, &str, &str); 5] = [
    (
        "0193a000-0000-7000-8000-000000000001",
        "SOAP",
        "soap",
        "<h3>Subjective</h3><p><br></p><h3>Objective</h3><p><br></p><h3>Assessment</h3><p><br></p><h3>Plan</h3><p><br></p>",
    ),
    (
        "0193a000-0000-7000-8000-000000000002",
        "Progress",
        "progress",
        "<h3>Since last visit</h3><p><br></p><h3>Today</h3><p><br></p><h3>Plan</h3><p><br></p>",
    ),
    (
        "0193a000-0000-7000-8000-000000000003",
        "Initial assessment",
        "initial_assessment",
        "<h3>Presenting concern</h3><p><br></p><h3>History</h3><p><br></p><h3>Examination</h3><p><br></p><h3>Risk</h3><p><br></p><h3>Formulation</h3><p><br></p><h3>Plan</h3><p><br></p>",
    ),
    (
        "0193a000-0000-7000-8000-000000000004",
        "Phone call",
        "phone_call",
        "<h3>Caller and reason</h3><p><br></p><h3>Advice given</h3><p><br></p><h3>Follow-up</h3><p><br></p>",
    ),
    (
        "0193a000-0000-7000-8000-000000000005",
        "Admin",
        "admin",
        "<p><br></p>",
    ),
];

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NoteTemplates::Table)
                    .col(uuid(NoteTemplates::Id).primary_key())
                    .col(string(NoteTemplates::Name))
                    .col(string(NoteTemplates::NoteType))
                    .col(text(NoteTemplates::BodyHtml))
                    .col(boolean(NoteTemplates::IsDefault))
                    .col(boolean(NoteTemplates::Archived))
                    .col(timestamp_with_time_zone(NoteTemplates::CreatedAt))
                    .col(timestamp_with_time_zone(NoteTemplates::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table(NoteTemplates::Table).columns([
            NoteTemplates::Id,
            NoteTemplates::Name,
            NoteTemplates::NoteType,
            NoteTemplates::BodyHtml,
            NoteTemplates::IsDefault,
            NoteTemplates::Archived,
            NoteTemplates::CreatedAt,
            NoteTemplates::UpdatedAt,
        ]);
        for (id, name, note_type, body) in TEMPLATES {
            let id = Uuid::parse_str(id).map_err(|e| DbErr::Custom(e.to_string()))?;
            insert.values_panic([
                id.into(),
                name.into(),
                note_type.into(),
                body.into(),
                true.into(),
                false.into(),
                Expr::current_timestamp(),
                Expr::current_timestamp(),
            ]);
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                Table::create()
                    .table(ClinicalNotes::Table)
                    .col(uuid(ClinicalNotes::Id).primary_key())
                    .col(uuid(ClinicalNotes::PatientId))
                    .col(string(ClinicalNotes::NoteType))
                    .col(string(ClinicalNotes::Status))
                    .col(text(ClinicalNotes::TitleEnc))
                    .col(text(ClinicalNotes::BodyEnc))
                    .col(uuid_null(ClinicalNotes::AppointmentId))
                    .col(uuid(ClinicalNotes::AuthorId))
                    .col(integer(ClinicalNotes::Version))
                    .col(timestamp_with_time_zone(ClinicalNotes::CreatedAt))
                    .col(timestamp_with_time_zone(ClinicalNotes::UpdatedAt))
                    .col(timestamp_with_time_zone_null(ClinicalNotes::SignedAt))
                    .foreign_key(&mut patient_fk(
                        "fk_clinical_notes_patient",
                        ClinicalNotes::Table,
                        ClinicalNotes::PatientId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_clinical_notes_patient_created")
                    .table(ClinicalNotes::Table)
                    .col(ClinicalNotes::PatientId)
                    .col(ClinicalNotes::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClinicalNoteVersions::Table)
                    .col(uuid(ClinicalNoteVersions::Id).primary_key())
                    .col(uuid(ClinicalNoteVersions::NoteId))
                    .col(integer(ClinicalNoteVersions::Version))
                    .col(string(ClinicalNoteVersions::Kind))
                    .col(text(ClinicalNoteVersions::TitleEnc))
                    .col(text(ClinicalNoteVersions::BodyEnc))
                    .col(text_null(ClinicalNoteVersions::ReasonEnc))
                    .col(uuid(ClinicalNoteVersions::AuthorId))
                    .col(timestamp_with_time_zone(ClinicalNoteVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_clinical_note_versions_note")
                            .from(ClinicalNoteVersions::Table, ClinicalNoteVersions::NoteId)
                            .to(ClinicalNotes::Table, ClinicalNotes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_clinical_note_versions_note_version")
                    .table(ClinicalNoteVersions::Table)
                    .col(ClinicalNoteVersions::NoteId)
                    .col(ClinicalNoteVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ImagingStudies::Table)
                    .col(uuid(ImagingStudies::Id).primary_key())
                    .col(uuid(ImagingStudies::PatientId))
                    .col(string(ImagingStudies::Modality))
                    .col(date(ImagingStudies::StudyDate))
                    .col(text(ImagingStudies::DetailsEnc))
                    .col(uuid_null(ImagingStudies::CreatedBy))
                    .col(timestamp_with_time_zone(ImagingStudies::CreatedAt))
                    .col(timestamp_with_time_zone(ImagingStudies::UpdatedAt))
                    .foreign_key(&mut patient_fk(
                        "fk_imaging_studies_patient",
                        ImagingStudies::Table,
                        ImagingStudies::PatientId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_imaging_studies_patient_date")
                    .table(ImagingStudies::Table)
                    .col(ImagingStudies::PatientId)
                    .col(ImagingStudies::StudyDate)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(uuid(Documents::Id).primary_key())
                    .col(uuid(Documents::PatientId))
                    .col(string(Documents::Kind))
                    .col(text(Documents::NameEnc))
                    .col(text_null(Documents::DescriptionEnc))
                    .col(string(Documents::MediaType))
                    .col(big_integer(Documents::SizeBytes))
                    .col(uuid_null(Documents::NoteId))
                    .col(uuid_null(Documents::StudyId))
                    .col(string(Documents::Source))
                    .col(uuid_null(Documents::UploadedBy))
                    .col(timestamp_with_time_zone(Documents::CreatedAt))
                    .col(timestamp_with_time_zone_null(Documents::DeletedAt))
                    .foreign_key(&mut patient_fk(
                        "fk_documents_patient",
                        Documents::Table,
                        Documents::PatientId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_documents_patient_created")
                    .table(Documents::Table)
                    .col(Documents::PatientId)
                    .col(Documents::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentBlobs::Table)
                    .col(uuid(DocumentBlobs::DocumentId).primary_key())
                    .col(blob(DocumentBlobs::Data))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_document_blobs_document")
                            .from(DocumentBlobs::Table, DocumentBlobs::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DocumentBlobs::Table.into_iden(),
            Documents::Table.into_iden(),
            ImagingStudies::Table.into_iden(),
            ClinicalNoteVersions::Table.into_iden(),
            ClinicalNotes::Table.into_iden(),
            NoteTemplates::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
