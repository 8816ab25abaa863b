//! Operations on a patient's whole record, above the other domains: the export ("download my
//! data"), requests to correct or erase the record, and erasure. It never touches another
//! domain's tables: every domain that holds patient data is a [`Holder`], with its own part of an
//! export and of an erasure, and owns what happens to its rows.
//!
//! Adding a domain with patient data means adding its `Holder` (the compiler then asks for its
//! export and erasure), and `every_domain_with_patient_data_is_a_holder` fails until it is added.

mod erasure;
mod export;
mod requests;
mod retention;

use sea_orm::DatabaseTransaction;

use crate::auth::Principal;
use crate::platform::db::Destroyed;
use crate::platform::export::Archive;
use crate::platform::ApiResult;
use crate::platform::PatientId;
use crate::AppState;

pub use retention::{destroy_past_retention, run_retention, Retention};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    export::configure(cfg);
    requests::configure(cfg);
    erasure::configure(cfg);
}

/// A domain that holds patient data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Patients,
    Users,
    Auth,
    Scheduling,
    Clinical,
    Health,
    Integrations,
    Comms,
    Records,
    Audit,
}

impl Holder {
    /// Every holder, in the order an export is written and an erasure done (the patient's own
    /// record first: it refuses a patient already erased).
    pub const ALL: [Holder; 10] = [
        Holder::Patients,
        Holder::Users,
        Holder::Auth,
        Holder::Scheduling,
        Holder::Clinical,
        Holder::Health,
        Holder::Integrations,
        Holder::Comms,
        Holder::Records,
        Holder::Audit,
    ];

    /// Its tables' module in the `entity` crate.
    pub fn entity_module(self) -> &'static str {
        match self {
            Holder::Patients => "patients",
            Holder::Users => "users",
            Holder::Auth => "auth",
            Holder::Scheduling => "scheduling",
            Holder::Clinical => "clinical",
            Holder::Health => "health",
            Holder::Integrations => "integrations",
            Holder::Comms => "comms",
            Holder::Records => "records",
            Holder::Audit => "audit",
        }
    }

    /// Adds its part to an export, read with the exporter's own access.
    async fn export(
        self,
        state: &AppState,
        principal: &Principal,
        patient_id: PatientId,
        archive: &mut Archive,
    ) -> ApiResult<()> {
        match self {
            Holder::Patients => {
                crate::patients::export_patient(state, principal, patient_id, archive).await
            }
            Holder::Users => {
                crate::users::export_patient(state, principal, patient_id, archive).await
            }
            // Invitations are the practice's administration, not the patient's record.
            Holder::Auth => Ok(()),
            Holder::Scheduling => {
                crate::scheduling::export_patient(state, principal, patient_id, archive).await
            }
            Holder::Clinical => {
                crate::clinical::export_patient(state, principal, patient_id, archive).await
            }
            Holder::Health => {
                crate::health::export_patient(state, principal, patient_id, archive).await
            }
            Holder::Integrations => {
                crate::integrations::export_device_connections(state, patient_id, archive).await
            }
            Holder::Comms => {
                crate::comms::export_patient(state, principal, patient_id, archive).await
            }
            Holder::Records => match requests::requests_of(state, principal, patient_id).await {
                Ok(items) => archive.section("data_requests", items),
                Err(e) if e.is_refusal() => {
                    archive.withhold("data_requests");
                    Ok(())
                }
                Err(e) => Err(e),
            },
            // Who saw the record is exported by patients, as the access log shows it.
            Holder::Audit => Ok(()),
        }
    }

    /// Erases its part in the erasure's transaction. Returns how many accounts were closed.
    async fn erase(
        self,
        txn: &DatabaseTransaction,
        state: &AppState,
        principal: &Principal,
        patient_id: PatientId,
    ) -> ApiResult<usize> {
        let by = principal.user_id();
        match self {
            Holder::Patients => {
                crate::patients::erase_patient(txn, &state.crypto, by, patient_id).await?
            }
            Holder::Users => {
                return crate::users::erase_patient(txn, &state.crypto, patient_id).await
            }
            Holder::Auth => {
                crate::auth::withdraw_invitations_for_patient(txn, patient_id).await?;
            }
            Holder::Scheduling => crate::scheduling::erase_patient(txn, by, patient_id).await?,
            // The clinical record is kept for its retention period.
            Holder::Clinical => {}
            Holder::Health => {}
            Holder::Integrations => {
                crate::integrations::end_device_connections(txn, patient_id).await?
            }
            Holder::Comms => crate::comms::erase_patient(txn, &state.crypto, patient_id).await?,
            // The requests show what the patient asked and what the practice did.
            Holder::Records => {}
            // The audit log cannot be altered.
            Holder::Audit => {}
        }
        Ok(0)
    }
}

impl Holder {
    /// Destroys its part of a record past its retention, in the destruction's transaction
    /// (every holder's part, the patient's own last).
    async fn destroy(
        self,
        txn: &DatabaseTransaction,
        patient_id: PatientId,
    ) -> ApiResult<Destroyed> {
        Ok(match self {
            Holder::Patients => crate::patients::destroy_patient(txn, patient_id)
                .await?
                .into(),
            Holder::Users => crate::users::destroy_patient(txn, patient_id).await?.into(),
            Holder::Auth => crate::auth::destroy_patient(txn, patient_id).await?.into(),
            Holder::Scheduling => crate::scheduling::destroy_patient(txn, patient_id)
                .await?
                .into(),
            Holder::Clinical => crate::clinical::destroy_patient(txn, patient_id).await?,
            Holder::Health => crate::health::destroy_patient(txn, patient_id)
                .await?
                .into(),
            Holder::Integrations => {
                crate::integrations::destroy_device_connections(txn, patient_id)
                    .await?
                    .into()
            }
            Holder::Comms => crate::comms::destroy_patient(txn, patient_id).await?.into(),
            Holder::Records => retention::destroy_requests(txn, patient_id).await?.into(),
            // The audit log cannot be altered: its events name the patient only by an id that,
            // once the record is gone, leads nowhere.
            Holder::Audit => Destroyed::default(),
        })
    }
}

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text(
        "data_requests",
        "details_enc",
        "data_requests.details",
    ),
    crate::platform::rotation::Sealed::text(
        "data_requests",
        "response_enc",
        "data_requests.response",
    ),
];

#[cfg(test)]
mod tests {
    use super::Holder;

    #[test]
    fn every_domain_with_patient_data_is_a_holder() {
        let entity = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../entity/src");
        let mut missing = Vec::new();
        for dir in std::fs::read_dir(&entity).into_iter().flatten().flatten() {
            let path = dir.path();
            if !path.is_dir() {
                continue;
            }
            let module = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let holds = std::fs::read_dir(&path)
                .into_iter()
                .flatten()
                .flatten()
                .any(|f| {
                    std::fs::read_to_string(f.path())
                        .is_ok_and(|text| text.contains("pub patient_id:"))
                });
            if holds && !Holder::ALL.iter().any(|h| h.entity_module() == module) {
                missing.push(module);
            }
        }
        assert!(
            missing.is_empty(),
            "domains holding patient data without their part of exports and erasure: {missing:?}"
        );
    }
}
