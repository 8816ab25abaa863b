//! Scheduling: appointment types, practitioners' availability, practice closures and public
//! holidays, bookable slots, appointments, calendar blocks, the calendar view, and the messages
//! sent when appointments change.
//!
//! Instants are UTC on the wire (`starts_at`). Availability is wall-clock time in the practice's
//! time zone (`"09:00"` on Mondays means 09:00 in Sydney whatever the season), and every instant
//! also comes with its practice-local form (`local_start`) so that a client needs no time-zone
//! database to lay out a calendar. A client may book by local time; a local time that does not
//! exist (inside a daylight-saving gap) is refused, and one that occurs twice must say which.

mod appointments;
mod availability;
mod blocks;
mod calendar;
mod clock;
pub mod double_option;
mod feeds;
mod google;
mod settings;
mod slots;
mod types;

pub use appointments::*;
pub use availability::*;
pub use blocks::*;
pub use calendar::*;
pub use clock::*;
pub use feeds::*;
pub use google::*;
pub use settings::*;
pub use slots::*;
pub use types::*;
