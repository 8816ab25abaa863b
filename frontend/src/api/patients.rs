//! Patients: search, demographics, archive, care team and clinical access.

use api_types::admin::Invitation;
use api_types::patients::{
    AddCareTeamMemberRequest, BreakGlassRequest, CareTeamMember, ClinicalAccess,
    InvitePatientRequest, Patient, PatientInput, PatientPatch, PatientQuery, PatientSummary,
};
use api_types::Page;
use uuid::Uuid;

use super::{ApiResult, Client};

pub async fn list(client: &Client, query: &PatientQuery) -> ApiResult<Page<PatientSummary>> {
    client.get_query("/patients", query).await
}

/// The names of patients a screen shows by id (at most 100 at a time); ids of no patient are
/// left out.
pub async fn names(
    client: &Client,
    ids: &[Uuid],
) -> ApiResult<Vec<api_types::patients::PatientName>> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    client
        .get(&format!("/patient-names?ids={}", ids.join(",")))
        .await
}

pub async fn get(client: &Client, id: Uuid) -> ApiResult<Patient> {
    client.get(&format!("/patients/{id}")).await
}

pub async fn create(client: &Client, input: &PatientInput) -> ApiResult<Patient> {
    client.post("/patients", input).await
}

/// Saves a change, refused with 412 if the record changed since `version` was read.
pub async fn update(
    client: &Client,
    id: Uuid,
    patch: &PatientPatch,
    version: i32,
) -> ApiResult<Patient> {
    client
        .patch(&format!("/patients/{id}"), patch, Some(version))
        .await
}

pub async fn archive(client: &Client, id: Uuid, version: i32) -> ApiResult<Patient> {
    client
        .delete_returning(&format!("/patients/{id}"), Some(version))
        .await
}

pub async fn restore(client: &Client, id: Uuid, version: i32) -> ApiResult<Patient> {
    client
        .post_empty(&format!("/patients/{id}/restore"), Some(version))
        .await
}

pub async fn care_team(client: &Client, id: Uuid) -> ApiResult<Vec<CareTeamMember>> {
    client.get(&format!("/patients/{id}/care-team")).await
}

pub async fn add_to_care_team(
    client: &Client,
    id: Uuid,
    user_id: Uuid,
) -> ApiResult<CareTeamMember> {
    client
        .post(
            &format!("/patients/{id}/care-team"),
            &AddCareTeamMemberRequest { user_id },
        )
        .await
}

pub async fn remove_from_care_team(client: &Client, id: Uuid, user_id: Uuid) -> ApiResult<()> {
    client
        .delete(&format!("/patients/{id}/care-team/{user_id}"), None)
        .await
}

pub async fn clinical_access(client: &Client, id: Uuid) -> ApiResult<ClinicalAccess> {
    client.get(&format!("/patients/{id}/clinical-access")).await
}

/// Emergency access to a record outside the care team, with the reason on the audit log.
pub async fn break_glass(client: &Client, id: Uuid, reason: String) -> ApiResult<ClinicalAccess> {
    client
        .post(
            &format!("/patients/{id}/break-glass"),
            &BreakGlassRequest { reason },
        )
        .await
}

/// Invites the patient to the portal, at `email` or the address on their record.
pub async fn invite_to_portal(
    client: &Client,
    id: Uuid,
    email: Option<String>,
) -> ApiResult<Invitation> {
    client
        .post(
            &format!("/patients/{id}/portal-invitation"),
            &InvitePatientRequest { email },
        )
        .await
}

/// The patient's portal: an account, or the invitation waiting, and whether the caller may
/// approve it.
pub async fn portal_status(
    client: &Client,
    id: Uuid,
) -> ApiResult<api_types::patients::PortalStatus> {
    client
        .get(&format!("/patients/{id}/portal-invitation"))
        .await
}

/// Approves the invitation waiting for a clinician: its email goes out now.
pub async fn approve_portal_invitation(client: &Client, id: Uuid) -> ApiResult<Invitation> {
    client
        .post(
            &format!("/patients/{id}/portal-invitation/approve"),
            &serde_json::json!({}),
        )
        .await
}

pub async fn consents(client: &Client, id: Uuid) -> ApiResult<Vec<api_types::sharing::Consent>> {
    client.get(&format!("/patients/{id}/consents")).await
}

pub async fn set_consent(
    client: &Client,
    id: Uuid,
    kind: api_types::sharing::ConsentKind,
    given: bool,
) -> ApiResult<api_types::sharing::Consent> {
    client
        .put(
            &format!("/patients/{id}/consents/{}", kind.as_str()),
            &api_types::sharing::SetConsent { given },
        )
        .await
}

pub async fn access_log(
    client: &Client,
    id: Uuid,
    query: &api_types::sharing::AccessLogQuery,
) -> ApiResult<Page<api_types::sharing::RecordAccess>> {
    client
        .get_query(&format!("/patients/{id}/access-log"), query)
        .await
}

pub async fn access_grants(
    client: &Client,
    id: Uuid,
) -> ApiResult<Vec<api_types::sharing::AccessGrant>> {
    client.get(&format!("/patients/{id}/access-grants")).await
}

pub async fn grant_access(
    client: &Client,
    id: Uuid,
    grant: &api_types::sharing::NewAccessGrant,
) -> ApiResult<api_types::sharing::AccessGrant> {
    client
        .post(&format!("/patients/{id}/access-grants"), grant)
        .await
}

pub async fn revoke_access(client: &Client, grant: Uuid) -> ApiResult<()> {
    client
        .delete(&format!("/access-grants/{grant}"), None)
        .await
}

pub async fn sharing_candidates(
    client: &Client,
    id: Uuid,
) -> ApiResult<Vec<api_types::sharing::SharingCandidate>> {
    client
        .get(&format!("/patients/{id}/access-grants/candidates"))
        .await
}

/// The patient's whole record as a ZIP archive.
pub async fn export(client: &Client, id: Uuid) -> ApiResult<Vec<u8>> {
    client.get_bytes(&format!("/patients/{id}/export")).await
}

pub mod requests {
    //! Requests to correct or erase a patient's data.
    use api_types::sharing::{
        DataRequest, DataRequestQuery, DataRequestStatus, ErasureReport, NewDataRequest,
        ResolveDataRequest,
    };
    use uuid::Uuid;

    use crate::api::{ApiResult, Client};

    pub async fn of_patient(client: &Client, id: Uuid) -> ApiResult<Vec<DataRequest>> {
        client.get(&format!("/patients/{id}/data-requests")).await
    }

    pub async fn create(
        client: &Client,
        id: Uuid,
        input: &NewDataRequest,
    ) -> ApiResult<DataRequest> {
        client
            .post(&format!("/patients/{id}/data-requests"), input)
            .await
    }

    pub async fn queue(client: &Client, status: DataRequestStatus) -> ApiResult<Vec<DataRequest>> {
        client
            .get_query(
                "/data-requests",
                &DataRequestQuery {
                    status: Some(status),
                },
            )
            .await
    }

    pub async fn resolve(
        client: &Client,
        id: Uuid,
        input: &ResolveDataRequest,
    ) -> ApiResult<DataRequest> {
        client
            .post(&format!("/data-requests/{id}/resolve"), input)
            .await
    }

    pub async fn erasure_preview(client: &Client, patient: Uuid) -> ApiResult<ErasureReport> {
        client.get(&format!("/patients/{patient}/erasure")).await
    }
}
