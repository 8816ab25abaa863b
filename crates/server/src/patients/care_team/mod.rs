//! The care team: the practitioners and nurses who look after a patient, and the notices they are
//! sent about the patient.

mod handlers;
mod notices;
mod queries;

pub(super) use notices::forget_notices;
pub use notices::{email_care_team, Notice, NOTICE_WINDOW_MINUTES};
pub use queries::members;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_care_team)
        .service(handlers::add_care_team_member)
        .service(handlers::remove_care_team_member);
}
