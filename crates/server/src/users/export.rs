//! The accounts' part of a patient's export: their portal account (its email, when it was made
//! and last used, whether two-step verification is on), as the patient sees it under their
//! account and staff see it in the directory.

use api_types::Permission;

use super::queries;
use crate::auth::Principal;
use crate::platform::export::Archive;
use crate::platform::ApiResult;
use crate::platform::{PatientId, UserId};
use crate::AppState;

pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient_id: PatientId,
    archive: &mut Archive,
) -> ApiResult<()> {
    let own = principal.own_patient_id() == Some(patient_id.0);
    if !own && !principal.has(Permission::UsersRead) {
        archive.withhold("portal_accounts");
        return Ok(());
    }
    let mut accounts = Vec::new();
    for id in queries::accounts_of_patient(&state.db, patient_id.0).await? {
        if let Some(user) = queries::find(&state.db, &state.crypto, UserId(id)).await? {
            accounts.push(user.to_wire());
        }
    }
    archive.section("portal_accounts", accounts)
}
