//! Calls providers make to the practice, each checked for the provider's signature and logged.

mod log;
mod mailgun;
mod twilio;

pub use log::last_call as last_provider_call;
pub(super) use log::list_webhook_events;
pub(super) use mailgun::{file_held, mailgun_message};
pub(super) use twilio::{twilio_message, twilio_message_status};
