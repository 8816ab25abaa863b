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

/// A portal screen; the area's code arrives the first time one is opened.
#[cfg_attr(feature = "split", leptos::lazy(portal))]
pub async fn page(page: PortalPage) -> AnyView {
    match page {
        PortalPage::Details => view! { <MyDetailsPage /> }.into_any(),
        PortalPage::Appointments => view! { <MyAppointmentsPage /> }.into_any(),
        PortalPage::Health => view! { <MyHealthPage /> }.into_any(),
        PortalPage::Privacy => view! { <crate::sharing::MyPrivacyPage /> }.into_any(),
        PortalPage::Medications => view! { <MyMedicationsPage /> }.into_any(),
        PortalPage::Homework => view! { <MyHomeworkPage /> }.into_any(),
        PortalPage::Records => view! { <MyRecordsPage /> }.into_any(),
        PortalPage::Questionnaires => view! { <MyQuestionnairesPage /> }.into_any(),
        PortalPage::Messages => view! { <MyMessagesPage /> }.into_any(),
        PortalPage::Conversation => view! { <MyConversationPage /> }.into_any(),
    }
}
