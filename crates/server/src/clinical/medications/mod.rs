//! The patient's medication list, prescriptions written by practitioners, and adherence: doses
//! recorded as taken or missed (by the patient in the portal, or staff on their word), counted
//! per day in the practice's time zone against the medication's daily schedule.

mod adherence;
mod handlers;
mod prescriptions;
mod queries;
mod wire;

pub(crate) use queries::{insert, readable};
pub(crate) use wire::to_wire;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_medications)
        .service(handlers::create_medication)
        .service(handlers::update_medication)
        .service(prescriptions::prescribe)
        .service(prescriptions::cancel_prescription)
        .service(adherence::record_dose)
        .service(adherence::adherence);
}
