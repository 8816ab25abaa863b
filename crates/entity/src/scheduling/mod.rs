//! Scheduling. Availability is wall-clock time in the practice's time zone (minutes after local
//! midnight); appointments and blocks are instants in UTC. An appointment's `busy_from`/`busy_to`
//! is the practitioner's time it takes, buffers included, which is what conflicts are checked
//! on. Booking notes and cancellation reasons (`_enc`) are encrypted.

pub mod appointment;
pub mod appointment_change;
pub mod appointment_type;
pub mod appointment_type_practitioner;
pub mod availability_exception;
pub mod availability_rule;
pub mod calendar_block;
pub mod calendar_feed;
pub mod practice_closure;
pub mod practitioner_schedule;
