//! The patient portal: a patient's own home, messages with the practice, appointments, health,
//! records, questionnaires, details and privacy.

mod appointments;
mod conversation;
mod details;
mod health;
mod home;
mod homework;
mod medications;
mod messages;
mod questionnaires;
mod records;

use leptos::prelude::*;

use appointments::MyAppointmentsPage;
use conversation::MyConversationPage;
use details::MyDetailsPage;
use health::MyHealthPage;
pub use home::PortalHome;
use homework::MyHomeworkPage;
use medications::MyMedicationsPage;
use messages::MyMessagesPage;
use questionnaires::MyQuestionnairesPage;
use records::MyRecordsPage;

/// A screen of the patient portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortalPage {
    Details,
    Appointments,
    Health,
    Privacy,
    Medications,
    Homework,
    Records,
    Questionnaires,
    /// Their conversations with the practice.
    Messages,
    /// One conversation, named by the address.
    Conversation,
}

/// A portal screen. The portal comes in four parts, each fetched the first time one of its
/// screens is opened, so that a patient opening their messages does not wait for the code of
/// their clinical record: conversations, the record, appointments, and their own details,
/// health and privacy.
pub async fn page(page: PortalPage) -> AnyView {
    match page {
        PortalPage::Messages | PortalPage::Conversation => conversations(page).await,
        PortalPage::Records
        | PortalPage::Medications
        | PortalPage::Homework
        | PortalPage::Questionnaires => record(page).await,
        PortalPage::Appointments => appointments().await,
        PortalPage::Details | PortalPage::Health | PortalPage::Privacy => own(page).await,
    }
}

/// Fetches the part of the portal `page` is in, ahead of its being opened.
#[cfg(feature = "split")]
pub async fn preload(page: PortalPage) {
    match page {
        PortalPage::Messages | PortalPage::Conversation => __preload_conversations().await,
        PortalPage::Records
        | PortalPage::Medications
        | PortalPage::Homework
        | PortalPage::Questionnaires => __preload_record().await,
        PortalPage::Appointments => __preload_appointments().await,
        PortalPage::Details | PortalPage::Health | PortalPage::Privacy => __preload_own().await,
    }
}

#[cfg_attr(feature = "split", leptos::lazy(portal_messages))]
async fn conversations(page: PortalPage) -> AnyView {
    match page {
        PortalPage::Conversation => view! { <MyConversationPage /> }.into_any(),
        _ => view! { <MyMessagesPage /> }.into_any(),
    }
}

#[cfg_attr(feature = "split", leptos::lazy(portal_record))]
async fn record(page: PortalPage) -> AnyView {
    match page {
        PortalPage::Medications => view! { <MyMedicationsPage /> }.into_any(),
        PortalPage::Homework => view! { <MyHomeworkPage /> }.into_any(),
        PortalPage::Questionnaires => view! { <MyQuestionnairesPage /> }.into_any(),
        _ => view! { <MyRecordsPage /> }.into_any(),
    }
}

#[cfg_attr(feature = "split", leptos::lazy(portal_appointments))]
async fn appointments() -> AnyView {
    view! { <MyAppointmentsPage /> }.into_any()
}

#[cfg_attr(feature = "split", leptos::lazy(portal))]
async fn own(page: PortalPage) -> AnyView {
    match page {
        PortalPage::Health => view! { <MyHealthPage /> }.into_any(),
        PortalPage::Privacy => view! { <crate::sharing::MyPrivacyPage /> }.into_any(),
        _ => view! { <MyDetailsPage /> }.into_any(),
    }
}
