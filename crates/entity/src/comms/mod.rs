pub mod outbox_message;
