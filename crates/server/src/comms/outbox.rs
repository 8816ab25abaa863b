//! The outbox: messages queued in the transaction of the change that causes them (a message to a
//! patient also becomes an entry in their correspondence), and the administrators' list of them.

use api_types::audit::AuditAction;

use actix_web::{get, post, web, HttpResponse};
use api_types::admin::{OutboxMessage, OutboxQuery, OutboxStatus};
use api_types::validation::normalize_email;
use api_types::Page;
use chrono::Utc;
use connectors::email::Attachment;
use entity::comms::outbox_message;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::correspondence::{self, NewEntry};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::crypto::Crypto;
use crate::platform::http::{page_bounds, Query};
use crate::platform::{ApiResult, PatientId};
use crate::AppState;
use api_types::comms::{
    CorrespondenceChannel, CorrespondenceKind, CorrespondenceStatus, Direction,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_outbox).service(retry_outbox_message);
}

pub(super) fn aad(id: Uuid, column: &str) -> String {
    format!("outbox_messages.{column}:{id}")
}

fn recipient_bidx(crypto: &Crypto, recipient: &str) -> String {
    crypto.blind_index("outbox.recipient", &normalize_email(recipient))
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    fn correspondence(self) -> CorrespondenceChannel {
        match self {
            Channel::Email => CorrespondenceChannel::Email,
            Channel::Sms => CorrespondenceChannel::Sms,
        }
    }
}

/// The patient a message is to, so that it appears in their correspondence.
#[derive(Debug, Clone, Copy)]
pub struct About {
    pub patient: PatientId,
    pub kind: CorrespondenceKind,
    /// The member of staff who wrote it, if one did.
    pub staff: Option<Uuid>,
}

impl About {
    pub fn patient(patient: PatientId, kind: CorrespondenceKind) -> About {
        About {
            patient,
            kind,
            staff: None,
        }
    }
}

/// A message to queue.
pub struct Outbound<'a> {
    pub channel: Channel,
    /// An email address, or a phone number in E.164 form for SMS.
    pub to: &'a str,
    /// Empty for SMS.
    pub subject: &'a str,
    pub body: &'a str,
    pub attachments: Vec<Attachment>,
    /// The body holds a one-time link: nobody reads it in the outbox.
    pub secret: bool,
    /// The patient it is to; `None` for messages to staff.
    pub about: Option<About>,
}

/// Queues a message. Call it inside the transaction of the change that causes it.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    message: Outbound<'_>,
) -> ApiResult<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let attachments_enc = if message.attachments.is_empty() {
        None
    } else {
        let json = serde_json::to_string(&message.attachments).map_err(anyhow::Error::from)?;
        Some(crypto.encrypt_str(&json, &aad(id, "attachments"))?)
    };
    outbox_message::ActiveModel {
        id: Set(id),
        channel: Set(message.channel.as_str().into()),
        recipient_enc: Set(crypto.encrypt_str(message.to, &aad(id, "recipient"))?),
        recipient_bidx: Set(recipient_bidx(crypto, message.to)),
        subject_enc: Set(crypto.encrypt_str(message.subject, &aad(id, "subject"))?),
        body_enc: Set(crypto.encrypt_str(message.body, &aad(id, "body"))?),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(now),
        next_attempt_at: Set(now),
        sent_at: Set(None),
        attachments_enc: Set(attachments_enc),
        carries_secret: Set(message.secret),
        sending_at: Set(None),
    }
    .insert(db)
    .await?;
    if let Some(about) = message.about {
        correspondence::insert(
            db,
            crypto,
            NewEntry {
                patient: Some(about.patient),
                channel: message.channel.correspondence(),
                direction: Direction::Outbound,
                kind: about.kind,
                status: CorrespondenceStatus::Queued,
                counterpart: message.to,
                subject: (message.channel == Channel::Email).then_some(message.subject),
                body: if message.secret {
                    SECRET_WITHHELD
                } else {
                    message.body
                },
                staff: about.staff,
                outbox_id: Some(id),
                provider_ref: None,
                candidates: &[],
                attachments: &[],
                held_files: &[],
                thread: None,
            },
        )
        .await?;
    }
    Ok(id)
}

/// Queues a plain email. Call it inside the transaction of the change that causes it.
pub async fn enqueue_email(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    to: &str,
    subject: &str,
    body: &str,
) -> ApiResult<Uuid> {
    enqueue(
        db,
        crypto,
        Outbound {
            channel: Channel::Email,
            to,
            subject,
            body,
            attachments: Vec::new(),
            secret: false,
            about: None,
        },
    )
    .await
}

/// Queues an email holding a one-time link (an invitation, a password reset): the outbox and the
/// patient's correspondence show that it was sent and to whom, never the link.
pub async fn enqueue_secret_email(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    to: &str,
    subject: &str,
    body: &str,
    about: Option<About>,
) -> ApiResult<Uuid> {
    enqueue(
        db,
        crypto,
        Outbound {
            channel: Channel::Email,
            to,
            subject,
            body,
            attachments: Vec::new(),
            secret: true,
            about,
        },
    )
    .await
}

/// What the outbox shows instead of a message holding a one-time link.
pub const SECRET_WITHHELD: &str =
    "This message holds a one-time link, so its text is not shown here. Only its recipient can use it.";

fn to_wire(crypto: &Crypto, m: outbox_message::Model) -> anyhow::Result<OutboxMessage> {
    Ok(OutboxMessage {
        recipient: crypto.decrypt_str(&m.recipient_enc, &aad(m.id, "recipient"))?,
        subject: crypto.decrypt_str(&m.subject_enc, &aad(m.id, "subject"))?,
        body: if m.carries_secret {
            SECRET_WITHHELD.to_owned()
        } else {
            crypto.decrypt_str(&m.body_enc, &aad(m.id, "body"))?
        },
        id: m.id,
        channel: m.channel,
        status: m.status,
        attachments: decrypt_attachments(crypto, m.id, m.attachments_enc.as_deref())?
            .into_iter()
            .map(|a| a.filename)
            .collect(),
        attempts: m.attempts,
        last_error: m.last_error,
        created_at: m.created_at,
        sent_at: m.sent_at,
    })
}

pub(super) fn decrypt_attachments(
    crypto: &Crypto,
    id: Uuid,
    enc: Option<&str>,
) -> anyhow::Result<Vec<Attachment>> {
    match enc {
        Some(enc) => Ok(serde_json::from_str(
            &crypto.decrypt_str(enc, &aad(id, "attachments"))?,
        )?),
        None => Ok(Vec::new()),
    }
}

/// The newest messages (to `recipient`, if given) with their whole text, one-time links
/// included: for the server's operator (`carebase outbox`), never for the API.
pub async fn read_in_full(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    recipient: Option<&str>,
    limit: u64,
) -> anyhow::Result<Vec<OutboxMessage>> {
    let mut select = outbox_message::Entity::find();
    if let Some(r) = recipient {
        select = select.filter(outbox_message::Column::RecipientBidx.eq(recipient_bidx(crypto, r)));
    }
    let rows = select
        .order_by_desc(outbox_message::Column::CreatedAt)
        .order_by_desc(outbox_message::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|mut m| {
            m.carries_secret = false;
            to_wire(crypto, m)
        })
        .collect()
}

/// Messages in the outbox, newest first (admins). A message holding a one-time link (an
/// invitation, a password reset) is listed without its text.
#[utoipa::path(
    tag = "outbox",
    params(OutboxQuery),
    security(("bearer" = ["outbox:read"])),
    responses((status = 200, body = Page<OutboxMessage>))
)]
#[get("/outbox")]
async fn list_outbox(
    auth: Authorized<require::OutboxRead>,
    state: web::Data<AppState>,
    query: Query<OutboxQuery>,
) -> ApiResult<web::Json<Page<OutboxMessage>>> {
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let recipient = q
        .recipient
        .as_deref()
        .map(|r| recipient_bidx(&state.crypto, r));
    let (total, rows) = newest_page(&state.db, q.status, recipient, limit, offset).await?;
    let about = patients_of(&state.db, rows.iter().map(|m| m.id)).await?;
    let items = rows
        .into_iter()
        .map(|m| to_wire(&state.crypto, m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // The event names the patients whose messages were shown (their addresses and subjects).
    let mut entry = AuditEntry::by(&auth, AuditAction::OutboxRead);
    if !about.is_empty() {
        entry = entry.patients(&about);
    }
    let entry = entry.also(format!("messages={}", items.len()));
    state.audit.record(entry).await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// Send a message the outbox gave up on again (admins), its attempts counted afresh: an
/// invitation or reset that failed, or an email cut off as it was handed to the mail server.
/// A message in a patient's correspondence is sent again from there, where their consent to
/// the channel is checked.
#[utoipa::path(
    tag = "outbox",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["outbox:manage"])),
    responses(
        (status = 204, description = "Queued to be sent again"),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Not a failed message, or one a patient's correspondence holds", body = api_types::Problem),
    )
)]
#[post("/outbox/{id}/retry")]
async fn retry_outbox_message(
    auth: Authorized<require::OutboxManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let status = status_of(&state.db, id)
        .await?
        .ok_or_else(crate::platform::ApiError::not_found)?;
    if status != OutboxStatus::Failed {
        return Err(crate::platform::ApiError::conflict(
            "Only a message that failed can be sent again.",
        ));
    }
    if correspondence::by_outbox(&state.db, id).await?.is_some() {
        return Err(crate::platform::ApiError::conflict(
            "This message is in a patient's correspondence: send it again from there.",
        ));
    }
    let txn = state.db.begin().await?;
    requeue(&txn, id).await?;
    let entry = AuditEntry::by(&auth, AuditAction::OutboxRetry).resource("outbox_message", id);
    state.audit.commit(txn, entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A message's status, if it exists.
async fn status_of(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<OutboxStatus>> {
    Ok(outbox_message::Entity::find_by_id(id)
        .select_only()
        .column(outbox_message::Column::Status)
        .into_tuple()
        .one(db)
        .await?)
}

/// The patients the outbox messages `ids` are to, from their correspondence entries.
async fn patients_of(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = Uuid>,
) -> ApiResult<Vec<Uuid>> {
    let ids: Vec<Uuid> = ids.collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Option<Uuid>> = entity::comms::correspondence::Entity::find()
        .select_only()
        .column(entity::comms::correspondence::Column::PatientId)
        .filter(entity::comms::correspondence::Column::OutboxId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    let mut patients: Vec<Uuid> = found.into_iter().flatten().collect();
    patients.sort_unstable();
    patients.dedup();
    Ok(patients)
}

/// A page of the outbox, optionally in one status or to one recipient (by blind index), newest
/// first, with how many messages match in all.
async fn newest_page(
    db: &impl ConnectionTrait,
    status: Option<OutboxStatus>,
    recipient_bidx: Option<String>,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<outbox_message::Model>)> {
    let mut select = outbox_message::Entity::find();
    if let Some(s) = status {
        select = select.filter(outbox_message::Column::Status.eq(s));
    }
    if let Some(b) = recipient_bidx {
        select = select.filter(outbox_message::Column::RecipientBidx.eq(b));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(outbox_message::Column::CreatedAt)
        .order_by_desc(outbox_message::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((total, rows))
}

/// Puts a message back in the queue to be sent at once, its attempts counted afresh.
pub async fn requeue(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            sea_orm::sea_query::Expr::value(OutboxStatus::Pending),
        )
        .col_expr(
            outbox_message::Column::Attempts,
            sea_orm::sea_query::Expr::value(0),
        )
        .col_expr(
            outbox_message::Column::NextAttemptAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .col_expr(
            outbox_message::Column::LastError,
            sea_orm::sea_query::Expr::value(None::<String>),
        )
        .col_expr(
            outbox_message::Column::SendingAt,
            sea_orm::sea_query::Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .filter(outbox_message::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes the messages among `ids` (a patient's, at erasure): those not sent yet are
/// withdrawn, and the copies of those sent are no longer kept.
pub async fn remove(db: &impl ConnectionTrait, ids: Vec<Uuid>) -> ApiResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let done = outbox_message::Entity::delete_many()
        .filter(outbox_message::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
