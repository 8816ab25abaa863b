//! Correspondence: the Correspondence tab of a patient's page (the history of every message to
//! and from them, writing to them by SMS or email, and calling them), the practice's Communications page
//! (everything sent and received, replies waiting for an answer first, and messages whose
//! patient has to be chosen), and secure messaging for staff: the Messages page, one
//! conversation, and a patient's Messages tab.

mod call;
mod communications;
mod compose;
mod conversation;
mod entry;
mod history;
mod messages;
mod patient_messages;

use api_types::messaging::LiveFrame;
use communications::CommunicationsPage;
use conversation::ConversationPage;
use history::CorrespondenceTab;
use leptos::prelude::*;
use messages::MessagesPage;
use patient_messages::PatientMessagesTab;
use uuid::Uuid;

use crate::api::live;

/// What the Correspondence tab needs to know about the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correspondent {
    pub id: Uuid,
    pub first_name: String,
    pub has_mobile: bool,
    pub has_email: bool,
}

/// A screen of the correspondence area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommsScreen {
    /// The practice's communications.
    Communications,
    /// A patient's Correspondence tab.
    Patient(Correspondent),
    /// The practice's conversations with patients.
    Messages,
    /// One conversation, named by the address.
    Conversation,
    /// A patient's Messages tab.
    PatientMessages(Correspondent),
}

/// A correspondence screen; the area's code arrives the first time one is shown.
#[cfg_attr(feature = "split", leptos::lazy(comms))]
pub async fn page(screen: CommsScreen) -> AnyView {
    match screen {
        CommsScreen::Communications => view! { <CommunicationsPage /> }.into_any(),
        CommsScreen::Patient(patient) => view! { <CorrespondenceTab patient /> }.into_any(),
        CommsScreen::Messages => view! { <MessagesPage /> }.into_any(),
        CommsScreen::Conversation => view! { <ConversationPage /> }.into_any(),
        CommsScreen::PatientMessages(patient) => {
            view! { <PatientMessagesTab patient /> }.into_any()
        }
    }
}

/// A correspondence list follows changes as the live connection reports them; this slow
/// refresh only covers what it cannot (a connection that is down and not yet back).
const SAFETY_REFRESH_MS: u64 = 60_000;

/// Reloads `reload` when the live connection says correspondence changed (for `patient`, when
/// given) or events may have been missed, and every minute besides, while the calling view is
/// on screen.
fn follow_correspondence(patient: Option<Uuid>, reload: impl Fn() + Clone + 'static) {
    live::on_change(
        move |frame| match frame {
            LiveFrame::Correspondence { patient_id } => {
                patient.is_none() || patient_id.is_none() || *patient_id == patient
            }
            _ => false,
        },
        reload.clone(),
    );
    if let Ok(handle) =
        set_interval_with_handle(reload, std::time::Duration::from_millis(SAFETY_REFRESH_MS))
    {
        on_cleanup(move || handle.clear());
    }
}
