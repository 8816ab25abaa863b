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
