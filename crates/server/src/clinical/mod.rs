//! The clinical record: notes, questionnaires, medications, therapy and homework, documents and
//! imaging, and the timeline over them. Every read and write goes through `patients::access` (the care team, a patient's
//! grant, break-the-glass, or the patient's own record) and is audited with the patient.

pub mod assessments;
pub mod documents;
pub mod files;
pub mod medications;
pub mod notes;
pub mod therapy;
pub mod timeline;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    assessments::configure(cfg);
    notes::configure(cfg);
    documents::configure(cfg);
    medications::configure(cfg);
    therapy::configure(cfg);
    timeline::configure(cfg);
}
