//! When practitioners take bookings: weekly windows, their exceptions (leave, extra hours),
//! practice closures and public holidays, and the time they add up to on given days.
//!
//! For each day: the weekly windows that apply (none on a public holiday, unless the
//! practitioner works public holidays), plus extra hours, less leave and practice closures.
//! Extra hours on a holiday are taken as the practitioner's choice to work it; a closure shuts
//! the practice whatever else says.

mod compute;
mod handlers;
mod queries;
#[cfg(test)]
mod tests;

use utoipa_actix_web::service_config::ServiceConfig;

pub use compute::{compute, dates_covering, is_available, local_span, to_time_off, Days};
pub use handlers::{bookable, practitioners};
pub use queries::load_rules;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_practitioners)
        .service(handlers::get_availability)
        .service(handlers::put_availability);
}
