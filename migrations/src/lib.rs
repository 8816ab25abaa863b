//! Every schema change, in order. A shipped migration is never edited: changes are new
//! migrations, expand first and contract later, so replicas on the old version keep working.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_platform_tables;
mod m20261124_000001_create_health_tables;
mod m20261124_000002_create_device_connections;
mod m20261202_000001_create_scheduling_tables;
mod m20261203_000001_create_calendar_sync_tables;
mod m20261203_000002_create_assessments;
mod m20261203_000003_create_consent_events;
mod m20261203_000004_create_access_grants;
mod m20261203_000005_create_notes_and_documents;
mod m20261203_000006_create_medications_therapy_and_requests;
mod m20261204_000001_create_audit_pending;
mod m20261204_000002_close_review_findings;
mod m20261204_000003_create_integration_credentials;
mod m20261204_000004_create_jobs;
mod m20261204_000005_create_correspondence;
mod m20261204_000006_create_rate_limit_windows;
mod m20261205_000001_create_message_threads;
mod m20261205_000002_add_calls;
mod m20261205_000003_add_session_idle;
mod m20261205_000004_add_api_key_issuer;
mod m20261205_000005_guard_staged_audit_events;
mod m20261205_000006_add_appointment_confirmation;
mod m20261205_000007_create_document_chunks;
mod m20261205_000008_index_unarchived_patients;
mod m20261205_000009_add_patient_retention;
mod m20261205_000010_add_outbox_sending;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_platform_tables::Migration),
            Box::new(m20261124_000001_create_health_tables::Migration),
            Box::new(m20261124_000002_create_device_connections::Migration),
            Box::new(m20261202_000001_create_scheduling_tables::Migration),
            Box::new(m20261203_000001_create_calendar_sync_tables::Migration),
            Box::new(m20261203_000002_create_assessments::Migration),
            Box::new(m20261203_000003_create_consent_events::Migration),
            Box::new(m20261203_000004_create_access_grants::Migration),
            Box::new(m20261203_000005_create_notes_and_documents::Migration),
            Box::new(m20261203_000006_create_medications_therapy_and_requests::Migration),
            Box::new(m20261204_000001_create_audit_pending::Migration),
            Box::new(m20261204_000002_close_review_findings::Migration),
            Box::new(m20261204_000003_create_integration_credentials::Migration),
            Box::new(m20261204_000004_create_jobs::Migration),
            Box::new(m20261204_000005_create_correspondence::Migration),
            Box::new(m20261204_000006_create_rate_limit_windows::Migration),
            Box::new(m20261205_000001_create_message_threads::Migration),
            Box::new(m20261205_000002_add_calls::Migration),
            Box::new(m20261205_000003_add_session_idle::Migration),
            Box::new(m20261205_000004_add_api_key_issuer::Migration),
            Box::new(m20261205_000005_guard_staged_audit_events::Migration),
            Box::new(m20261205_000006_add_appointment_confirmation::Migration),
            Box::new(m20261205_000007_create_document_chunks::Migration),
            Box::new(m20261205_000008_index_unarchived_patients::Migration),
            Box::new(m20261205_000009_add_patient_retention::Migration),
            Box::new(m20261205_000010_add_outbox_sending::Migration),
        ]
    }
}
