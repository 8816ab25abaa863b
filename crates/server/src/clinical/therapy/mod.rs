//! Therapy sessions and homework. A session records goals, interventions, progress and plan,
//! linked to the appointment it took place in; homework set in it has a due date, shows in the
//! patient's portal to be marked done with a reflection, and, once overdue, in the clinician's
//! overdue list. Sessions and homework are part of the patient's notes for sharing.

mod homework;
mod queries;
mod sessions;
mod wire;

pub(crate) use queries::{insert_homework, insert_session, readable_homework, readable_sessions};
pub(crate) use wire::{homework_to_wire, sessions_to_wire};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(sessions::list_sessions)
        .service(sessions::create_session)
        .service(sessions::update_session)
        .service(homework::list_homework)
        .service(homework::assign_homework)
        .service(homework::complete_homework)
        .service(homework::overdue_homework);
}
