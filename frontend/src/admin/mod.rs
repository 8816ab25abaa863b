//! Administration: staff and invitations, API keys, the audit log, the outbox of messages, the
//! calls providers make to the practice, and practice settings (with the practice's note
//! templates and the messages staff start from when they write to a patient).

mod api_keys;
mod audit;
mod integrations;
mod jobs;
mod note_templates;
mod outbox;
mod settings;
mod staff;
mod staff_templates;
mod webhooks;

use leptos::prelude::*;

use api_keys::ApiKeysPage;
use audit::AuditLogPage;
use integrations::IntegrationsPage;
use jobs::JobsPage;
use outbox::OutboxPage;
use settings::SettingsPage;
use staff::StaffPage;
use webhooks::WebhookEventsPage;

/// A screen of the administration area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminPage {
    Staff,
    ApiKeys,
    Audit,
    Outbox,
    DataRequests,
    Settings,
    Integrations,
    Jobs,
    Webhooks,
}

/// An administration screen; the area's code arrives the first time one is opened.
#[cfg_attr(feature = "split", leptos::lazy(admin))]
pub async fn page(page: AdminPage) -> AnyView {
    match page {
        AdminPage::Staff => view! { <StaffPage /> }.into_any(),
        AdminPage::ApiKeys => view! { <ApiKeysPage /> }.into_any(),
        AdminPage::Audit => view! { <AuditLogPage /> }.into_any(),
        AdminPage::Outbox => view! { <OutboxPage /> }.into_any(),
        AdminPage::DataRequests => view! { <crate::sharing::DataRequestsPage /> }.into_any(),
        AdminPage::Settings => view! { <SettingsPage /> }.into_any(),
        AdminPage::Integrations => view! { <IntegrationsPage /> }.into_any(),
        AdminPage::Jobs => view! { <JobsPage /> }.into_any(),
        AdminPage::Webhooks => view! { <WebhookEventsPage /> }.into_any(),
    }
}
