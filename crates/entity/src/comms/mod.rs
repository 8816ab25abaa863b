pub mod correspondence;
pub mod live_presence;
pub mod message_thread;
pub mod outbox_message;
pub mod thread_message;
pub mod webhook_event;
pub mod webhook_token;
