//! Clinical notes. A note starts as a draft, private to its author, written from one of the
//! practice's templates; its rich text is sanitised on the way in. Signing locks it as
//! version 1; every later change is an amendment with a reason, kept as the next version, so
//! what was signed can always be read as it was. Title, text and reasons are encrypted.

mod attachments;
mod handlers;
mod queries;
mod sanitize;
mod sign;
mod templates;
mod wire;

pub use queries::last_note_at;
pub(crate) use queries::{readable, visible_to};
pub(crate) use sign::write_signed;
pub(crate) use wire::to_wire;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(templates::list_templates)
        .service(templates::create_template)
        .service(templates::update_template)
        .service(handlers::list_notes)
        .service(handlers::create_note)
        .service(handlers::get_note)
        .service(handlers::update_note)
        .service(handlers::delete_note)
        .service(sign::sign_note)
        .service(sign::amend_note)
        .service(attachments::upload_attachment);
}
