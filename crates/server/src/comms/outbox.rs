use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, web};
use api_types::admin::{OutboxMessage, OutboxQuery, OutboxStatus};
use api_types::validation::normalize_email;
use api_types::Page;
use chrono::Utc;
use connectors::email::{Email, EmailSender};
use entity::comms::outbox_message;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::platform::crypto::Crypto;
use crate::platform::http::page_bounds;
use crate::platform::{require, ApiResult, AppState, Authorized};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_outbox);
}

/// Gives up after this many failed deliveries.
const MAX_ATTEMPTS: i32 = 8;

fn aad(id: Uuid, column: &str) -> String {
    format!("outbox_messages.{column}:{id}")
}

fn recipient_bidx(crypto: &Crypto, recipient: &str) -> String {
    crypto.blind_index("outbox.recipient", &normalize_email(recipient))
}

/// Queues an email. Call it inside the transaction of the change that causes it.
pub async fn enqueue_email(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    to: &str,
    subject: &str,
    body: &str,
) -> ApiResult<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    outbox_message::ActiveModel {
        id: Set(id),
        channel: Set("email".into()),
        recipient_enc: Set(crypto.encrypt_str(to, &aad(id, "recipient"))?),
        recipient_bidx: Set(recipient_bidx(crypto, to)),
        subject_enc: Set(crypto.encrypt_str(subject, &aad(id, "subject"))?),
        body_enc: Set(crypto.encrypt_str(body, &aad(id, "body"))?),
        status: Set("pending".into()),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(now),
        next_attempt_at: Set(now),
        sent_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

fn status_str(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Pending => "pending",
        OutboxStatus::Sent => "sent",
        OutboxStatus::Failed => "failed",
    }
}

fn to_wire(crypto: &Crypto, m: outbox_message::Model) -> anyhow::Result<OutboxMessage> {
    Ok(OutboxMessage {
        recipient: crypto.decrypt_str(&m.recipient_enc, &aad(m.id, "recipient"))?,
        subject: crypto.decrypt_str(&m.subject_enc, &aad(m.id, "subject"))?,
        body: crypto.decrypt_str(&m.body_enc, &aad(m.id, "body"))?,
        id: m.id,
        channel: m.channel,
        status: match m.status.as_str() {
            "sent" => OutboxStatus::Sent,
            "failed" => OutboxStatus::Failed,
            _ => OutboxStatus::Pending,
        },
        attempts: m.attempts,
        last_error: m.last_error,
        created_at: m.created_at,
        sent_at: m.sent_at,
    })
}

/// Messages in the outbox, newest first. Messages carry sign-in links: admins only.
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
    query: web::Query<OutboxQuery>,
) -> ApiResult<web::Json<Page<OutboxMessage>>> {
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let mut select = outbox_message::Entity::find();
    if let Some(s) = q.status {
        select = select.filter(outbox_message::Column::Status.eq(status_str(s)));
    }
    if let Some(r) = &q.recipient {
        select = select
            .filter(outbox_message::Column::RecipientBidx.eq(recipient_bidx(&state.crypto, r)));
    }
    let total = select.clone().count(&state.db).await?;
    let rows = select
        .order_by_desc(outbox_message::Column::CreatedAt)
        .order_by_desc(outbox_message::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    let items = rows
        .into_iter()
        .map(|m| to_wire(&state.crypto, m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    state
        .audit
        .record(AuditEntry::by(&auth, "outbox.read").detail(format!("messages={}", items.len())))
        .await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// Delivers due messages until the process stops. Any replica may run it: on PostgreSQL each
/// message is claimed with `FOR UPDATE SKIP LOCKED`, so no two deliver the same one.
pub async fn run_worker(
    db: sea_orm::DatabaseConnection,
    crypto: Arc<Crypto>,
    sender: Arc<dyn EmailSender>,
) {
    loop {
        match deliver_due(&db, &crypto, sender.as_ref()).await {
            Ok(0) => tokio::time::sleep(Duration::from_secs(5)).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = ?e, "outbox delivery pass failed");
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        }
    }
}

/// How long a claimed message is reserved for the worker that claimed it.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// Delivers up to one batch of due messages; returns how many it handled. Messages are first
/// claimed (leased) in a short transaction, then sent with no transaction open, so a slow mail
/// server never holds a database connection.
pub async fn deliver_due(
    db: &sea_orm::DatabaseConnection,
    crypto: &Crypto,
    sender: &dyn EmailSender,
) -> anyhow::Result<usize> {
    let txn = db.begin().await?;
    let mut select = outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq("pending"))
        .filter(outbox_message::Column::NextAttemptAt.lte(Utc::now()))
        .order_by_asc(outbox_message::Column::NextAttemptAt)
        .limit(20);
    if txn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let due = select.all(&txn).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = due.iter().map(|m| m.id).collect();
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::NextAttemptAt,
            sea_orm::sea_query::Expr::value(Utc::now() + LEASE),
        )
        .filter(outbox_message::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    txn.commit().await?;

    let n = due.len();
    for m in due {
        let email = Email {
            to: crypto.decrypt_str(&m.recipient_enc, &aad(m.id, "recipient"))?,
            subject: crypto.decrypt_str(&m.subject_enc, &aad(m.id, "subject"))?,
            body: crypto.decrypt_str(&m.body_enc, &aad(m.id, "body"))?,
        };
        let attempts = m.attempts + 1;
        let mut update: outbox_message::ActiveModel = m.into();
        update.attempts = Set(attempts);
        match sender.send(&email).await {
            Ok(()) => {
                update.status = Set("sent".into());
                update.sent_at = Set(Some(Utc::now()));
                update.last_error = Set(None);
            }
            Err(e) => {
                let give_up = !e.is_transient() || attempts >= MAX_ATTEMPTS;
                update.status = Set(if give_up { "failed" } else { "pending" }.into());
                update.last_error = Set(Some(e.to_string().chars().take(500).collect()));
                let backoff = chrono::Duration::seconds(30 * (1i64 << attempts.min(10)));
                update.next_attempt_at = Set(Utc::now() + backoff);
            }
        }
        update.update(db).await?;
    }
    Ok(n)
}
