//! Clinical records. Answers and free text (`_enc`) are encrypted; what is kept in the clear is
//! only what lists and queues are ordered and filtered by.

pub mod assessment;
pub mod clinical_note;
pub mod clinical_note_version;
pub mod document;
pub mod document_blob;
pub mod document_chunk;
pub mod homework_task;
pub mod imaging_study;
pub mod medication;
pub mod medication_dose;
pub mod note_template;
pub mod prescription;
pub mod therapy_session;
