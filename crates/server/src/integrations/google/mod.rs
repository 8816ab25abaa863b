//! Google Calendar sync. A practitioner connects their own Google account (OAuth2 with offline
//! access; tokens stored encrypted), and from then on their appointments appear in its primary
//! calendar as events that move and disappear as the appointments do.
//!
//! Every change to an appointment queues a job for it on the shared queue, in the transaction
//! that makes the change, so a crash loses nothing. The job then makes the events match the
//! appointment as it is now, whatever happened in between: the event id is derived from the
//! appointment's, so a retried insert finds the event instead of making a second one. Events
//! carry only the appointment type unless the practitioner chooses to include patients' names.

mod connection;
mod handlers;
mod sync;

pub use connection::{end_for, run_remove_job};
pub use handlers::configure;
pub use sync::{appointments_changed, run_event_job, Changed};
