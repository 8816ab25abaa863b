//! Communications with patients. Every outbound message is written to the outbox first, in the
//! same transaction as the change that causes it, and a worker delivers it when a sender is
//! configured (with no sender, messages stay in the outbox, where admins can read them). A
//! message to a patient is also an entry in their correspondence, the one history of every
//! message to or from them on any channel, which follows its delivery. Inbound messages arrive
//! through provider webhooks, each checked for the provider's signature and logged. Patients
//! and staff write to each other in conversations (secure messaging), and open apps hear of
//! changes at once through the live connection.

mod calls;
mod correspondence;
mod delivery;
mod live;
mod messaging;
mod outbox;
mod records;
mod templates;
mod webhooks;

pub use calls::keep_call;
pub use delivery::{deliver_due, run_worker, Senders};
pub use live::connections as live_connections;
pub use messaging::{has_conversations, record_conversation, send_due_notices};
pub use outbox::{
    enqueue, enqueue_email, enqueue_secret_email, read_in_full, About, Channel, Outbound,
};
pub use records::{destroy_patient, erase_patient, export_patient};
pub use webhooks::last_provider_call;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    outbox::configure(cfg);
    cfg.service(correspondence::patient_correspondence)
        .service(correspondence::send_message)
        .service(correspondence::list_correspondence)
        .service(correspondence::retry_message)
        .service(correspondence::mark_answered)
        .service(correspondence::assign_message)
        .service(templates::get_staff_templates)
        .service(templates::put_staff_templates)
        .service(calls::call_setup)
        .service(calls::start_call)
        .service(webhooks::twilio_call_connect)
        .service(webhooks::twilio_call_announce)
        .service(webhooks::twilio_call_dialed)
        .service(webhooks::twilio_call_status)
        .service(webhooks::twilio_call_recording)
        .service(webhooks::twilio_message)
        .service(webhooks::twilio_message_status)
        .service(webhooks::mailgun_message)
        .service(webhooks::list_webhook_events)
        .service(messaging::list_threads)
        .service(messaging::create_thread)
        .service(messaging::get_thread)
        .service(messaging::reply)
        .service(messaging::mark_read)
        .service(messaging::assign_thread)
        .service(messaging::close_thread)
        .service(messaging::reopen_thread)
        .service(messaging::unread)
        .service(messaging::recipients)
        .service(live::live);
}

/// What sending a notice needs beyond the database: keys for the outbox, and the app's address
/// for the link in it.
pub struct Notify<'a> {
    pub crypto: &'a crate::platform::crypto::Crypto,
    pub public_url: &'a str,
}

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text(
        "correspondence",
        "counterpart_enc",
        "correspondence.counterpart",
    ),
    crate::platform::rotation::Sealed::text(
        "correspondence",
        "subject_enc",
        "correspondence.subject",
    ),
    crate::platform::rotation::Sealed::text("correspondence", "body_enc", "correspondence.body"),
    crate::platform::rotation::Sealed::text(
        "correspondence",
        "attachments_enc",
        "correspondence.attachments",
    ),
    crate::platform::rotation::Sealed::text(
        "correspondence",
        "held_files_enc",
        "correspondence.held_files",
    ),
    crate::platform::rotation::Sealed::text(
        "outbox_messages",
        "recipient_enc",
        "outbox_messages.recipient",
    ),
    crate::platform::rotation::Sealed::text(
        "outbox_messages",
        "subject_enc",
        "outbox_messages.subject",
    ),
    crate::platform::rotation::Sealed::text("outbox_messages", "body_enc", "outbox_messages.body"),
    crate::platform::rotation::Sealed::text(
        "outbox_messages",
        "attachments_enc",
        "outbox_messages.attachments",
    ),
    crate::platform::rotation::Sealed::text("thread_messages", "body_enc", "thread_messages.body"),
    crate::platform::rotation::Sealed::text(
        "thread_messages",
        "attachments_enc",
        "thread_messages.attachments",
    ),
    crate::platform::rotation::Sealed::text(
        "message_threads",
        "subject_enc",
        "message_threads.subject",
    ),
];
