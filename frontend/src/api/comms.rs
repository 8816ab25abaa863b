//! Correspondence: a patient's messages, writing to them, the practice's communications
//! (retrying, answering, choosing the patient of an unmatched message), and the log of calls
//! the messaging provider makes to the practice.

use api_types::comms::{
    AssignCorrespondence, CallSetup, Correspondence, CorrespondenceQuery,
    PatientCorrespondenceQuery, SendMessage, StaffTemplates, StartCall, WebhookEvent,
    WebhookEventQuery,
};
use api_types::Page;
use uuid::Uuid;

use super::{ApiResult, Client};

pub async fn of_patient(
    client: &Client,
    patient_id: Uuid,
    query: &PatientCorrespondenceQuery,
) -> ApiResult<Page<Correspondence>> {
    client
        .get_query(&format!("/patients/{patient_id}/correspondence"), query)
        .await
}

/// Queues an SMS or email to the patient; refused with `consent_withdrawn` when they withdrew
/// consent to that channel.
pub async fn send(
    client: &Client,
    patient_id: Uuid,
    message: &SendMessage,
) -> ApiResult<Correspondence> {
    client
        .post(&format!("/patients/{patient_id}/correspondence"), message)
        .await
}

/// The messages staff start from when they write to a patient, as the practice keeps them.
pub async fn staff_templates(client: &Client) -> ApiResult<StaffTemplates> {
    client.get("/staff-templates").await
}

/// Replaces the practice's staff templates (administrators); refused at the fields with an
/// unknown placeholder, a name used twice, or too many templates.
pub async fn save_staff_templates(
    client: &Client,
    templates: &StaffTemplates,
) -> ApiResult<StaffTemplates> {
    client.put("/staff-templates", templates).await
}

/// What a call to the patient can be: whether calls can be made, the numbers, and whether it
/// may be recorded and transcribed.
pub async fn call_setup(client: &Client, patient_id: Uuid) -> ApiResult<CallSetup> {
    client
        .get(&format!("/patients/{patient_id}/calls/setup"))
        .await
}

/// Starts a call to the patient: the member of staff's phone rings first. Refused with
/// `consent_withdrawn` when recording was asked without the patient's consent.
pub async fn start_call(
    client: &Client,
    patient_id: Uuid,
    call: &StartCall,
) -> ApiResult<Correspondence> {
    client
        .post(&format!("/patients/{patient_id}/calls"), call)
        .await
}

/// A call's recording (MP3), read through the documents API, to be played in place.
pub async fn recording(client: &Client, document_id: Uuid) -> ApiResult<Vec<u8>> {
    client
        .get_bytes(&format!(
            "/documents/{document_id}/content?disposition=inline"
        ))
        .await
}

pub async fn list(client: &Client, query: &CorrespondenceQuery) -> ApiResult<Page<Correspondence>> {
    client.get_query("/correspondence", query).await
}

pub async fn retry(client: &Client, id: Uuid) -> ApiResult<Correspondence> {
    client
        .post_empty(&format!("/correspondence/{id}/retry"), None)
        .await
}

pub async fn mark_answered(client: &Client, id: Uuid) -> ApiResult<Correspondence> {
    client
        .post_empty(&format!("/correspondence/{id}/answered"), None)
        .await
}

pub async fn assign(client: &Client, id: Uuid, patient_id: Uuid) -> ApiResult<Correspondence> {
    client
        .post(
            &format!("/correspondence/{id}/assign"),
            &AssignCorrespondence { patient_id },
        )
        .await
}

pub async fn webhook_events(
    client: &Client,
    query: &WebhookEventQuery,
) -> ApiResult<Page<WebhookEvent>> {
    client.get_query("/webhook-events", query).await
}
