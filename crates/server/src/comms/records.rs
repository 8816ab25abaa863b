//! Communications' part of a patient's export and erasure.

use api_types::Permission;
use sea_orm::ConnectionTrait;

use super::{correspondence, messaging, outbox};
use crate::auth::Principal;
use crate::platform::crypto::Crypto;
use crate::platform::export::Archive;
use crate::platform::{ApiResult, PatientId};
use crate::AppState;

/// The patient's correspondence, as `GET /patients/{id}/correspondence` shows it to the
/// exporter: staff who read correspondence, or the patient.
pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient_id: PatientId,
    archive: &mut Archive,
) -> ApiResult<()> {
    let own = principal.own_patient_id() == Some(patient_id.0);
    let staff =
        principal.has(Permission::CorrespondenceRead) && principal.has(Permission::PatientsRead);
    if !own && !staff {
        archive.withhold("correspondence");
        return Ok(());
    }
    let rows = correspondence::all_of_patient(&state.db, patient_id).await?;
    let items = correspondence::to_wire(&state.db, &state.crypto, rows).await?;
    archive.section("correspondence", items)?;
    let conversations = messaging::export_patient(state, principal, patient_id).await?;
    archive.section("messages", conversations)
}

/// Erasure: the patient's conversations are deleted; their messages' entries in the
/// correspondence (which never held content) stay. The patient's messages keep when and how they went, without their content, the
/// number or address, or the provider's words; the outbox keeps no copy, and messages not yet
/// sent are withdrawn.
pub async fn erase_patient(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: PatientId,
) -> ApiResult<()> {
    messaging::erase_patient(db, patient_id).await?;
    let outbox_ids = correspondence::erase_patient(db, crypto, patient_id).await?;
    outbox::remove(db, outbox_ids).await?;
    Ok(())
}

/// Retention: at the end of an erased patient's retention their entries in the correspondence go
/// too, with any conversation or outbox copy left. Returns how many rows went.
pub async fn destroy_patient(db: &impl ConnectionTrait, patient_id: PatientId) -> ApiResult<u64> {
    let threads = messaging::erase_patient(db, patient_id).await?;
    let (entries, outbox_ids) = correspondence::destroy_patient(db, patient_id).await?;
    let sent = outbox::remove(db, outbox_ids).await?;
    Ok(threads + entries + sent)
}
