//! The clinical record: notes, questionnaires, medications, therapy and homework, documents and
//! imaging, and the timeline over them. Every read and write goes through `patients::access` (the care team, a patient's
//! grant, break-the-glass, or the patient's own record) and is audited with the patient.

mod assessments;
mod documents;
mod export;
mod files;
mod imaging;
mod medications;
mod notes;
mod retention;
mod shared;
mod therapy;
mod timeline;

pub use documents::{
    attachable as attachable_documents, file_call_recording, file_from_patient, Attachable,
};
pub use export::export_patient;
pub(crate) use medications::insert as insert_medication;
pub use notes::last_note_at;
pub(crate) use notes::write_signed as write_signed_note;
pub use retention::destroy_patient;
pub(crate) use therapy::{insert_homework, insert_session as insert_therapy_session};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    assessments::configure(cfg);
    notes::configure(cfg);
    documents::configure(cfg);
    imaging::configure(cfg);
    medications::configure(cfg);
    therapy::configure(cfg);
    timeline::configure(cfg);
}

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text("documents", "name_enc", "documents.name"),
    crate::platform::rotation::Sealed::text(
        "documents",
        "description_enc",
        "documents.description",
    ),
    crate::platform::rotation::Sealed::text("medications", "details_enc", "medications.details"),
    crate::platform::rotation::Sealed::text(
        "prescriptions",
        "details_enc",
        "prescriptions.details",
    ),
    crate::platform::rotation::Sealed::text(
        "medication_doses",
        "note_enc",
        "medication_doses.details",
    ),
    crate::platform::rotation::Sealed::text(
        "therapy_sessions",
        "details_enc",
        "therapy_sessions.details",
    ),
    crate::platform::rotation::Sealed::text(
        "homework_tasks",
        "details_enc",
        "homework_tasks.details",
    ),
    crate::platform::rotation::Sealed::text(
        "homework_tasks",
        "reflection_enc",
        "homework_tasks.reflection",
    ),
    crate::platform::rotation::Sealed::text("clinical_notes", "title_enc", "clinical_notes.title"),
    crate::platform::rotation::Sealed::text("clinical_notes", "body_enc", "clinical_notes.body"),
    crate::platform::rotation::Sealed::text(
        "clinical_note_versions",
        "title_enc",
        "clinical_note_versions.title",
    ),
    crate::platform::rotation::Sealed::text(
        "clinical_note_versions",
        "body_enc",
        "clinical_note_versions.body",
    ),
    crate::platform::rotation::Sealed::text(
        "clinical_note_versions",
        "reason_enc",
        "clinical_note_versions.reason",
    ),
    crate::platform::rotation::Sealed::text(
        "imaging_studies",
        "details_enc",
        "imaging_studies.details",
    ),
    crate::platform::rotation::Sealed::text("assessments", "answers_enc", "assessments.answers"),
    crate::platform::rotation::Sealed::text(
        "assessments",
        "review_note_enc",
        "assessments.review_note",
    ),
    crate::platform::rotation::Sealed {
        table: "document_chunks",
        column: "data",
        aad: "documents.chunk",
        keys: &[
            crate::platform::rotation::Key::Uuid("document_id"),
            crate::platform::rotation::Key::SmallInt("seq"),
        ],
        bytes: true,
    },
    crate::platform::rotation::Sealed {
        table: "document_blobs",
        column: "data",
        aad: "documents.data",
        keys: &[crate::platform::rotation::Key::Uuid("document_id")],
        bytes: true,
    },
];
