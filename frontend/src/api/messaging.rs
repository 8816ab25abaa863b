//! Secure messaging: conversations between a patient and their care team, their messages, who
//! may be written to or given a conversation, and the count of unread ones for the navigation.

use api_types::messaging::{
    AssignThread, MessageThread, NewThread, NewThreadMessage, RecipientsQuery, StaffRef,
    ThreadDetail, ThreadMessage, ThreadQuery, UnreadMessages,
};
use api_types::Page;
use uuid::Uuid;

use super::{ApiResult, Client, EmptyBody};

pub async fn threads(client: &Client, query: &ThreadQuery) -> ApiResult<Page<MessageThread>> {
    client.get_query("/messages/threads", query).await
}

pub async fn thread(client: &Client, id: Uuid) -> ApiResult<ThreadDetail> {
    client.get(&format!("/messages/threads/{id}")).await
}

pub async fn start(client: &Client, new: &NewThread) -> ApiResult<ThreadDetail> {
    client.post("/messages/threads", new).await
}

/// Refused with 409 when the conversation is closed.
pub async fn reply(
    client: &Client,
    id: Uuid,
    message: &NewThreadMessage,
) -> ApiResult<ThreadMessage> {
    client
        .post(&format!("/messages/threads/{id}/messages"), message)
        .await
}

/// Marks the caller's side as having read the conversation.
pub async fn mark_read(client: &Client, id: Uuid) -> ApiResult<()> {
    client
        .post_no_content(&format!("/messages/threads/{id}/read"), &EmptyBody {})
        .await
}

pub async fn assign(client: &Client, id: Uuid, user_id: Option<Uuid>) -> ApiResult<MessageThread> {
    client
        .post(
            &format!("/messages/threads/{id}/assign"),
            &AssignThread { user_id },
        )
        .await
}

pub async fn close(client: &Client, id: Uuid) -> ApiResult<MessageThread> {
    client
        .post_empty(&format!("/messages/threads/{id}/close"), None)
        .await
}

pub async fn reopen(client: &Client, id: Uuid) -> ApiResult<MessageThread> {
    client
        .post_empty(&format!("/messages/threads/{id}/reopen"), None)
        .await
}

pub async fn unread(client: &Client) -> ApiResult<UnreadMessages> {
    client.get("/messages/unread").await
}

/// For a patient (`None`): the clinicians on their care team they may write to alone. For staff:
/// the clinicians a conversation with `patient_id` may be given to.
pub async fn recipients(client: &Client, patient_id: Option<Uuid>) -> ApiResult<Vec<StaffRef>> {
    client
        .get_query("/messages/recipients", &RecipientsQuery { patient_id })
        .await
}
