//! Outbound messages. Every message is written to the outbox first, in the same transaction as
//! the change that causes it; a worker delivers it when a sender is configured. With no SMTP
//! configured, messages stay in the outbox, where admins can read them.

mod outbox;

pub use outbox::{
    configure, deliver_due, enqueue, enqueue_email, enqueue_secret_email, read_in_full, run_worker,
    Channel, Outbound, Senders,
};

/// What sending a notice needs beyond the database: keys for the outbox, and the app's address
/// for the link in it.
pub struct Notify<'a> {
    pub crypto: &'a crate::platform::crypto::Crypto,
    pub public_url: &'a str,
}
