//! Correspondence: a patient's messages, writing to them, the practice's communications
//! (retrying, answering, choosing the patient of an unmatched message), and the log of calls
//! the messaging provider makes to the practice.

use api_types::comms::{
    AssignCorrespondence, Correspondence, CorrespondenceQuery, PatientCorrespondenceQuery,
    SendMessage, WebhookEvent, WebhookEventQuery,
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
