//! Correspondence: the Correspondence tab of a patient's page (the history of every message to
//! and from them, and writing to them by SMS or email) and the practice's Communications page
//! (everything sent and received, replies waiting for an answer first, and messages whose
//! patient has to be chosen).

mod communications;
mod compose;
mod entry;
mod history;

use communications::CommunicationsPage;
use history::CorrespondenceTab;
use leptos::prelude::*;
use uuid::Uuid;

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
}

/// A correspondence screen; the area's code arrives the first time one is shown.
#[cfg_attr(feature = "split", leptos::lazy(comms))]
pub async fn page(screen: CommsScreen) -> AnyView {
    match screen {
        CommsScreen::Communications => view! { <CommunicationsPage /> }.into_any(),
        CommsScreen::Patient(patient) => view! { <CorrespondenceTab patient /> }.into_any(),
    }
}

/// How often an open list asks for news, so that delivery reports and replies appear by
/// themselves.
const PATIENT_REFRESH_MS: u64 = 5_000;
const PRACTICE_REFRESH_MS: u64 = 10_000;

/// Reloads `reload` every `ms` while the calling view is on screen.
fn refresh_every(ms: u64, reload: impl Fn() + 'static) {
    if let Ok(handle) = set_interval_with_handle(reload, std::time::Duration::from_millis(ms)) {
        on_cleanup(move || handle.clear());
    }
}
