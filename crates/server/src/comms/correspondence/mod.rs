//! Correspondence: one history per patient of every message to or from them, on any channel.
//! Outbound messages the product queues for a patient are entries from the moment they are
//! queued and follow their delivery; inbound ones are written by the provider webhooks.

mod handlers;
mod queries;
mod wire;

pub(super) use handlers::{
    assign_message, consent_for, list_correspondence, mark_answered, patient_correspondence,
    retry_message, send_message,
};
pub(super) use queries::{
    advance, all_of_patient, answered_by_itself, by_outbox, by_provider_ref, destroy_patient,
    encrypt_body, erase_patient, follow_delivery, get, insert, mark_answered as answer,
    thread_read, Answered, Delivery, HeldFile, NewEntry,
};
pub(super) use wire::{one_to_wire, to_wire};
