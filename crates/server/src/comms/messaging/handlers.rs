//! Conversations over HTTP: listing them, reading one, starting one and replying. Every read of
//! content and every message written is audited with the patient; every change is announced to
//! the open apps of every replica (ids only) in the transaction that makes it.

use std::collections::HashSet;

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::comms::{
    CorrespondenceChannel, CorrespondenceKind, CorrespondenceStatus, Direction,
};
use api_types::messaging::{
    MessageAttachment, MessageThread, NewThread, NewThreadMessage, Side, ThreadDetail,
    ThreadMessage, ThreadQuery, ThreadStatus,
};
use api_types::Page;
use entity::comms::message_thread;
use sea_orm::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use super::{access, queries, wire};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::comms::correspondence;
use crate::platform::events::Staged;
use crate::platform::http::{page_bounds, Body, Query};
use crate::platform::{ApiError, ApiResult, PatientId, UserId};
use crate::{clinical, patients, AppState};

/// The conversations the caller may see, the most recently active first: a patient their own;
/// staff every conversation, with subjects only where they may read them.
#[utoipa::path(
    tag = "messages",
    params(ThreadQuery),
    security(("bearer" = ["correspondence:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<MessageThread>))
)]
#[get("/messages/threads")]
pub async fn list_threads(
    auth: Authorized<require::CorrespondenceReadOrOwn>,
    state: web::Data<AppState>,
    query: Query<ThreadQuery>,
) -> ApiResult<web::Json<Page<MessageThread>>> {
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let asker = queries::Asker {
        user: auth.user_id().map(UserId),
        own_patient: auth.own_patient_id().map(PatientId),
    };
    if asker.own_patient.is_none() && auth.role() == Some(api_types::Role::Patient) {
        return Err(ApiError::not_found());
    }
    let (total, rows) = queries::page(&state.db, &asker, &q, limit, offset).await?;
    let ids: Vec<Uuid> = rows.iter().map(|t| t.id).collect();
    let readable: HashSet<Uuid> = queries::readable_among(&state.db, &ids, access::readable(&auth))
        .await?
        .into_iter()
        .collect();
    let shown: Vec<Uuid> = rows.iter().map(|t| t.patient_id).collect();
    let items = wire::threads(&state, &auth, rows, &readable).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ThreadList)
                .patients(&shown)
                .also(format!(
                    "threads={} readable={}",
                    items.len(),
                    readable.len()
                )),
        )
        .await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// The conversation and its messages, oldest first. Staff who may see that it exists but not
/// read it are refused (403).
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["correspondence:read"]), ("bearer" = ["own_record"])),
    responses(
        (status = 200, body = ThreadDetail),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
    )
)]
#[get("/messages/threads/{id}")]
pub async fn get_thread(
    auth: Authorized<require::CorrespondenceReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ThreadDetail>> {
    let thread = open(&state.db, &auth, *id).await?;
    let messages = queries::messages(&state.db, thread.id).await?;
    let count = messages.len();
    let detail = ThreadDetail {
        messages: wire::messages(&state, &thread, messages).await?,
        thread: wire::thread(&state, &auth, thread.clone()).await?,
    };
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ThreadRead)
                .patient(thread.patient_id)
                .resource("message_thread", thread.id)
                .detail(format!("messages={count}")),
        )
        .await?;
    Ok(web::Json(detail))
}

/// Start a conversation. A patient writes to their care team, or to one clinician on it;
/// staff write to a patient (`patient_id`), and must be able to read what they start.
#[utoipa::path(
    tag = "messages",
    request_body = NewThread,
    security(("bearer" = ["correspondence:write"]), ("bearer" = ["own_record"])),
    responses(
        (status = 201, body = ThreadDetail),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "The patient's data was erased", body = api_types::Problem),
    )
)]
#[post("/messages/threads")]
pub async fn create_thread(
    auth: Authorized<require::CorrespondenceWriteOrOwn>,
    state: web::Data<AppState>,
    body: Body<NewThread>,
) -> ApiResult<HttpResponse> {
    let side = access::side_of(&auth)?;
    let author = UserId(auth.require_user()?);
    let new = body.into_inner();
    let patient = match (auth.own_patient_id(), new.patient_id) {
        (Some(own), _) => PatientId(own),
        (None, Some(p)) => PatientId(p),
        (None, None) => {
            return Err(ApiError::field(
                "patient_id",
                "required",
                "Choose the patient to write to.",
            ))
        }
    };
    patients::ensure_demographics(&auth, patient)?;
    new.validate().map_err(ApiError::Validation)?;
    patients::get_for_change(&state.db, &state.crypto, patient).await?;
    if let Some(with) = new.with_staff_id {
        let clinicians = super::manage::clinicians_of(&state, patient).await?;
        if !clinicians.iter().any(|c| c.id == with) {
            return Err(ApiError::field(
                "with_staff_id",
                "not_on_care_team",
                "Choose someone on the patient's care team.",
            ));
        }
    }
    let files = attachments(&state, patient, &new.attachment_ids).await?;
    let txn = state.db.begin().await?;
    let thread = queries::insert_thread(
        &txn,
        &state.crypto,
        queries::NewThread {
            patient,
            subject: new.subject.trim(),
            with_staff: new.with_staff_id.map(UserId),
            author,
            side,
        },
    )
    .await?;
    if queries::readable_among(&txn, &[thread.id], access::readable(&auth))
        .await?
        .is_empty()
    {
        return Err(access::refused(&auth));
    }
    let (message, staged) =
        write(&txn, &state, &thread, side, author, new.body.trim(), &files).await?;
    let thread = queries::get(&txn, thread.id).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ThreadCreate)
                .patient(patient.0)
                .resource("message_thread", thread.id)
                .detail(format!("attachments={}", files.len())),
        )
        .await?;
    state.events.release(staged);
    let detail = ThreadDetail {
        messages: wire::messages(&state, &thread, vec![message]).await?,
        thread: wire::thread(&state, &auth, thread).await?,
    };
    Ok(HttpResponse::Created().json(detail))
}

/// Reply in a conversation. A closed conversation takes no more messages (409); the patient
/// starts a new one.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path)),
    request_body = NewThreadMessage,
    security(("bearer" = ["correspondence:write"]), ("bearer" = ["own_record"])),
    responses(
        (status = 201, body = ThreadMessage),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "The conversation is closed, or the patient's data was erased", body = api_types::Problem),
    )
)]
#[post("/messages/threads/{id}/messages")]
pub async fn reply(
    auth: Authorized<require::CorrespondenceWriteOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewThreadMessage>,
) -> ApiResult<HttpResponse> {
    let side = access::side_of(&auth)?;
    let author = UserId(auth.require_user()?);
    let thread = open(&state.db, &auth, *id).await?;
    let new = body.into_inner();
    new.validate().map_err(ApiError::Validation)?;
    let patient = PatientId(thread.patient_id);
    patients::get_for_change(&state.db, &state.crypto, patient).await?;
    let files = attachments(&state, patient, &new.attachment_ids).await?;
    let txn = state.db.begin().await?;
    let thread = queries::get_for_update(&txn, thread.id).await?;
    if thread.status == ThreadStatus::Closed {
        return Err(ApiError::conflict(
            "This conversation is closed. Start a new one to write again.",
        ));
    }
    let (message, staged) =
        write(&txn, &state, &thread, side, author, new.body.trim(), &files).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ThreadReply)
                .patient(patient.0)
                .resource("message_thread", thread.id)
                .detail(format!("attachments={}", files.len())),
        )
        .await?;
    state.events.release(staged);
    let thread = queries::get(&state.db, thread.id).await?;
    let mut out = wire::messages(&state, &thread, vec![message]).await?;
    let message = out
        .pop()
        .ok_or_else(|| anyhow::anyhow!("a message went missing"))?;
    Ok(HttpResponse::Created().json(message))
}

/// The conversation, if the caller may read it: 404 when it does not exist or is another
/// patient's, 403 for staff who may only see that it exists.
pub(super) async fn open(
    db: &impl ConnectionTrait,
    auth: &Principal,
    id: Uuid,
) -> ApiResult<message_thread::Model> {
    let thread = queries::get(db, id).await?;
    if auth
        .own_patient_id()
        .is_some_and(|own| own != thread.patient_id)
    {
        return Err(ApiError::not_found());
    }
    if queries::readable_among(db, &[thread.id], access::readable(auth))
        .await?
        .is_empty()
    {
        return Err(access::refused(auth));
    }
    Ok(thread)
}

/// The files to send: documents already in the patient's record.
async fn attachments(
    state: &AppState,
    patient: PatientId,
    ids: &[Uuid],
) -> ApiResult<Vec<MessageAttachment>> {
    Ok(
        clinical::attachable_documents(&state.db, &state.crypto, patient, ids, "attachment_ids")
            .await?
            .into_iter()
            .map(|a| MessageAttachment {
                document_id: a.id,
                name: a.name,
                media_type: a.media_type,
                size_bytes: a.size_bytes,
            })
            .collect(),
    )
}

/// Writes the message, its entry in the patient's correspondence (which carries no content:
/// that stays in the conversation, under its access rules) and stages the announcement, in
/// `txn`. A reply from the practice answers the patient's earlier portal messages.
async fn write(
    txn: &impl ConnectionTrait,
    state: &AppState,
    thread: &message_thread::Model,
    side: Side,
    author: UserId,
    text: &str,
    files: &[MessageAttachment],
) -> ApiResult<(entity::comms::thread_message::Model, Staged)> {
    let message =
        queries::insert_message(txn, &state.crypto, thread, side, author, text, files).await?;
    let patient = PatientId(thread.patient_id);
    let (direction, kind, status) = match side {
        Side::Patient => (
            Direction::Inbound,
            CorrespondenceKind::Reply,
            CorrespondenceStatus::Received,
        ),
        Side::Practice => (
            Direction::Outbound,
            CorrespondenceKind::Written,
            CorrespondenceStatus::Sent,
        ),
    };
    correspondence::insert(
        txn,
        &state.crypto,
        correspondence::NewEntry {
            patient: Some(patient),
            channel: CorrespondenceChannel::Portal,
            direction,
            kind,
            status,
            counterpart: "portal",
            subject: None,
            body: "",
            staff: (side == Side::Practice).then_some(author.0),
            outbox_id: None,
            provider_ref: None,
            candidates: &[],
            attachments: &[],
            held_files: &[],
            thread: Some(thread.id),
        },
    )
    .await?;
    if side == Side::Practice {
        correspondence::answer(
            txn,
            correspondence::Answered::From(patient, CorrespondenceChannel::Portal),
            Some(author.0),
        )
        .await?;
    }
    let staged = changed(txn, state, thread).await?;
    Ok((message, staged))
}

/// Stages the announcement of a change of the conversation to every open app: the caller
/// releases it once `txn` has committed.
pub(super) async fn changed(
    txn: &impl ConnectionTrait,
    state: &AppState,
    thread: &message_thread::Model,
) -> ApiResult<Staged> {
    let about_thread = state
        .events
        .stage(
            txn,
            crate::comms::live::THREADS,
            serde_json::json!({"thread_id": thread.id, "patient_id": thread.patient_id}),
        )
        .await?;
    let about_correspondence = state
        .events
        .stage(
            txn,
            crate::comms::live::CORRESPONDENCE,
            serde_json::json!({"patient_id": thread.patient_id}),
        )
        .await?;
    Ok(about_thread.and(about_correspondence))
}
