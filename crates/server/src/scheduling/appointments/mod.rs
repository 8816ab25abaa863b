//! Appointments: booking (once or repeating), rescheduling, status changes and cancellation,
//! and the history of every change.
//!
//! Conflict safety: every write that takes time first locks the practitioners and the patient
//! involved ([`lock_for_booking`]), then checks for overlaps, then writes, all in one
//! transaction. Of two simultaneous bookings of one slot, the second sees the first and answers
//! `409 slot_conflict`.

mod book;
mod conflicts;
mod history;
mod list;
mod queries;
mod records;
mod reschedule;
mod status;
mod update;
mod wire;

use utoipa_actix_web::service_config::ServiceConfig;

pub use conflicts::requested_start;
pub use list::bound;
pub use queries::{last_attended, lock_for_booking};
pub use records::{destroy_patient, erase_patient, export_patient};
pub use status::confirm_by_text;
pub use wire::{status_of, to_wire_many, Viewer};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list::list_appointments)
        .service(book::create_appointment)
        .service(list::get_appointment)
        .service(update::update_appointment)
        .service(history::appointment_history);
}
