//! Scheduling: appointment types, practitioners' availability (weekly patterns, exceptions,
//! practice closures, public holidays), slot search, conflict-safe booking, calendar blocks, the
//! calendar view, appointment messages and reminders, and private iCalendar feeds.
//!
//! Times: appointments are instants (UTC); availability is wall-clock time in the practice's
//! time zone, turned into instants for each day by the practice's
//! [`Clock`](crate::settings::Clock). Conflicts are checked on the
//! practitioner's time an appointment takes (buffers included) and on the patient's time, inside
//! one transaction that first takes a lock per practitioner and patient (a PostgreSQL advisory
//! lock; SQLite runs one write transaction at a time anyway), so two bookings of one slot can
//! never both succeed.

mod appointments;
mod availability;
mod blocks;
mod calendar;
mod closures;
mod feeds;
mod holidays;
mod ics;
mod notify;
mod outside_calendars;
mod practice;
mod refs;
mod rules;
mod search;
mod slots;
mod types;

pub use appointments::{
    confirm_by_text, destroy_patient, erase_patient, export_patient, last_attended,
};
pub use feeds::end_for as end_feed_for;
pub use holidays::{between as public_holidays, for_year as public_holidays_of_year};
pub use notify::{run_reminders, send_due_reminders};
pub use outside_calendars::{
    appointments_of_practitioner, appointments_starting_from, for_outside_calendar,
    practitioner_appointments_since,
};
pub use practice::Practice;
pub use refs::{appointment_refs, is_patients_appointment, past_appointment_refs, AppointmentRef};

/// Registers the scheduling routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    types::configure(cfg);
    availability::configure(cfg);
    closures::configure(cfg);
    rules::configure(cfg);
    appointments::configure(cfg);
    blocks::configure(cfg);
    search::configure(cfg);
    calendar::configure(cfg);
    feeds::configure(cfg);
}

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text("appointments", "notes_enc", "appointments.notes"),
    crate::platform::rotation::Sealed::text(
        "appointments",
        "cancel_reason_enc",
        "appointments.cancel_reason",
    ),
];
