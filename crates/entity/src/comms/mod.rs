pub mod correspondence;
pub mod outbox_message;
pub mod webhook_event;
pub mod webhook_token;
