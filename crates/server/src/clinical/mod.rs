//! The clinical record: questionnaires so far. Every read and write goes through
//! `patients::access` (the care team, break-the-glass, or the patient's own record) and is
//! audited with the patient.

pub mod assessments;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    assessments::configure(cfg);
}
