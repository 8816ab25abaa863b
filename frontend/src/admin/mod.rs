//! Administration: staff and invitations, API keys, the audit log, the outbox of messages and
//! practice settings.

mod api_keys;
mod audit;
mod integrations;
mod jobs;
mod note_templates;
mod outbox;
mod settings;
mod staff;

pub use api_keys::ApiKeysPage;
pub use audit::AuditLogPage;
pub use integrations::IntegrationsPage;
pub use jobs::JobsPage;
pub use outbox::OutboxPage;
pub use settings::SettingsPage;
pub use staff::StaffPage;
