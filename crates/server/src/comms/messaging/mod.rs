//! Secure messaging: conversations between a patient and their care team (or one clinician),
//! in the portal and in the staff app. Messages are encrypted; files are documents in the
//! patient's record. Staff who may not read a conversation see that it exists. Each message is
//! also an entry in the patient's correspondence (without its content), and a recipient who
//! has not read it after a while, and is not online, gets a notice with no health information.

mod access;
mod handlers;
mod manage;
mod notices;
mod queries;
mod wire;

pub(super) use handlers::{create_thread, get_thread, list_threads, reply};
pub(super) use manage::{
    assign_thread, close_thread, mark_read, recipients, reopen_thread, unread,
};
pub use notices::send_due as send_due_notices;
pub(super) use queries::{erase_patient, leave, present, prune_presence};
pub use queries::{has_any as has_conversations, record_conversation};
pub(super) use wire::export_patient;
