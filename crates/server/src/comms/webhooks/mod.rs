//! Calls providers make to the practice, each checked for the provider's signature and logged.

mod log;
mod twilio;

pub(super) use log::list_webhook_events;
pub(super) use twilio::{twilio_message, twilio_message_status};
