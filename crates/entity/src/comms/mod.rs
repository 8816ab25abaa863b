pub mod correspondence;
pub mod outbox_message;
pub mod webhook_event;
