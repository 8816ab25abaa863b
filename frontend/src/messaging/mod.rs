//! Secure messaging, as both the patient portal and the staff app show it: one conversation's
//! messages (kept current by the live connection, marked read while on screen), replying with
//! files, and starting a conversation. The portal's pages are in `portal`, the staff's in
//! `comms`; whichever opens first fetches this code.

mod attachments;
mod new;
mod thread;

pub use new::{NewConversationForm, Writer};
pub use thread::{open_for_writing, thread_loader, with_label, MessageList, ReplyBox};
