//! Administration: staff, invitations, API keys, the audit log, the outbox and practice
//! settings.

use api_types::admin::{
    ApiKey, ApiKeyCreated, CreateApiKeyRequest, Invitation, InviteStaffRequest, OutboxMessage,
    OutboxQuery, PracticeSettings, UpdateUserRequest, User, UserQuery,
};
use api_types::audit::{AuditEvent, AuditQuery, AuditVerification};
use api_types::integrations::{
    ConnectionCheck, Integration, Job, JobCounts, JobQuery, Provider, SaveCredentials,
};
use api_types::{Page, PageQuery};
use uuid::Uuid;

use super::{ApiResult, Client};

pub async fn users(client: &Client, query: &UserQuery) -> ApiResult<Page<User>> {
    client.get_query("/users", query).await
}

pub async fn update_user(
    client: &Client,
    id: Uuid,
    request: &UpdateUserRequest,
) -> ApiResult<User> {
    client.patch(&format!("/users/{id}"), request, None).await
}

pub async fn invitations(client: &Client, query: &PageQuery) -> ApiResult<Page<Invitation>> {
    client.get_query("/invitations", query).await
}

pub async fn invite_staff(client: &Client, request: &InviteStaffRequest) -> ApiResult<Invitation> {
    client.post("/invitations", request).await
}

pub async fn revoke_invitation(client: &Client, id: Uuid) -> ApiResult<()> {
    client.delete(&format!("/invitations/{id}"), None).await
}

pub async fn api_keys(client: &Client, query: &PageQuery) -> ApiResult<Page<ApiKey>> {
    client.get_query("/api-keys", query).await
}

pub async fn create_api_key(
    client: &Client,
    request: &CreateApiKeyRequest,
) -> ApiResult<ApiKeyCreated> {
    client.post("/api-keys", request).await
}

pub async fn revoke_api_key(client: &Client, id: Uuid) -> ApiResult<()> {
    client.delete(&format!("/api-keys/{id}"), None).await
}

pub async fn audit_events(client: &Client, query: &AuditQuery) -> ApiResult<Page<AuditEvent>> {
    client.get_query("/audit-events", query).await
}

/// The events matching `query` as CSV.
pub async fn export_audit_events(client: &Client, query: &AuditQuery) -> ApiResult<String> {
    let query = AuditQuery {
        limit: None,
        offset: None,
        ..query.clone()
    };
    let path = format!(
        "/audit-events/export?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    );
    client.get_text(&path).await
}

pub async fn verify_audit_chain(client: &Client) -> ApiResult<AuditVerification> {
    client.get("/audit-events/verify").await
}

pub async fn outbox(client: &Client, query: &OutboxQuery) -> ApiResult<Page<OutboxMessage>> {
    client.get_query("/outbox", query).await
}

/// Sends a failed message again.
pub async fn retry_outbox_message(client: &Client, id: Uuid) -> ApiResult<()> {
    client
        .post_no_content(&format!("/outbox/{id}/retry"), &serde_json::json!({}))
        .await
}

pub async fn settings(client: &Client) -> ApiResult<PracticeSettings> {
    client.get("/settings").await
}

pub async fn save_settings(
    client: &Client,
    settings: &PracticeSettings,
) -> ApiResult<PracticeSettings> {
    client.put("/settings", settings).await
}

pub async fn integrations(client: &Client) -> ApiResult<Vec<Integration>> {
    client.get("/integrations").await
}

pub async fn save_integration(
    client: &Client,
    provider: Provider,
    request: &SaveCredentials,
) -> ApiResult<Integration> {
    client
        .put(&format!("/integrations/{}", provider.as_str()), request)
        .await
}

pub async fn remove_integration(client: &Client, provider: Provider) -> ApiResult<()> {
    client
        .delete(&format!("/integrations/{}", provider.as_str()), None)
        .await
}

pub async fn check_integration(client: &Client, provider: Provider) -> ApiResult<ConnectionCheck> {
    client
        .post_empty(&format!("/integrations/{}/check", provider.as_str()), None)
        .await
}

pub async fn jobs(client: &Client, query: &JobQuery) -> ApiResult<Page<Job>> {
    client.get_query("/jobs", query).await
}

pub async fn job_counts(client: &Client) -> ApiResult<JobCounts> {
    client.get("/jobs/counts").await
}

pub async fn retry_job(client: &Client, id: Uuid) -> ApiResult<Job> {
    client.post_empty(&format!("/jobs/{id}/retry"), None).await
}
