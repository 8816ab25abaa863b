//! Delivering the outbox: a worker in every `carebase serve` claims due messages under a lease,
//! sends them through the configured senders with no transaction open, and records each
//! outcome, with the correspondence entry it delivers, in one transaction.

use std::sync::Arc;
use std::time::Duration;

use api_types::admin::OutboxStatus;
use chrono::Utc;
use connectors::email::{Email, EmailSender};
use connectors::twilio::SmsSender;
use entity::comms::outbox_message;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::correspondence::{self, Delivery};
use super::outbox::{aad, decrypt_attachments, Channel};
use crate::platform::crypto::Crypto;
use crate::platform::PatientId;
use crate::AppState;

/// Gives up after this many failed deliveries.
const MAX_ATTEMPTS: i32 = 8;

/// The senders this process has: a channel without one keeps its messages in the outbox.
#[derive(Clone, Default)]
pub struct Senders {
    pub email: Option<Arc<dyn EmailSender>>,
    pub sms: Option<Arc<dyn SmsSender>>,
}

impl Senders {
    fn channels(&self) -> Vec<&'static str> {
        let mut c = Vec::new();
        if self.email.is_some() {
            c.push(Channel::Email.as_str());
        }
        if self.sms.is_some() {
            c.push(Channel::Sms.as_str());
        }
        c
    }
}

/// Delivers due messages until the process stops: email through `email` (SMTP, from the
/// server's configuration), SMS through the practice's Twilio account as it is set up at each
/// pass (so credentials saved in the app take effect without a restart). Any replica may run it:
/// on PostgreSQL each message is claimed with `FOR UPDATE SKIP LOCKED`, so no two deliver the
/// same one.
pub async fn run_worker(state: AppState, email: Option<Arc<dyn EmailSender>>) {
    let mut pruned: Option<std::time::Instant> = None;
    let mut noticed: Option<std::time::Instant> = None;
    loop {
        if pruned.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
            pruned = Some(std::time::Instant::now());
            if let Err(e) = super::webhooks::prune_log(&state.db).await {
                tracing::warn!(error = ?e, "the log of providers' calls could not be pruned");
            }
            if let Err(e) = super::messaging::prune_presence(&state.db).await {
                tracing::warn!(error = ?e, "old live connections could not be forgotten");
            }
        }
        if noticed.is_none_or(|at| at.elapsed() > Duration::from_secs(30)) {
            noticed = Some(std::time::Instant::now());
            if let Err(e) = super::messaging::send_due_notices(&state).await {
                tracing::warn!(error = ?e, "notices of unread messages could not be sent");
            }
        }
        let sms = match crate::integrations::twilio_client(&state).await {
            Ok(client) => client.map(|c| c as Arc<dyn SmsSender>),
            Err(e) => {
                tracing::warn!(error = ?e, "the Twilio account could not be read");
                None
            }
        };
        let senders = Senders {
            email: email.clone(),
            sms,
        };
        let lease = chrono::Duration::seconds(state.settings.outbox_lease_secs.max(1) as i64);
        match deliver_due_leased(&state.db, &state.crypto, &senders, lease).await {
            Ok(0) => tokio::time::sleep(Duration::from_secs(5)).await,
            Ok(_) => {
                // Messages moved on: open apps showing correspondence fetch it again.
                let _ = state
                    .events
                    .publish(
                        &state.db,
                        super::live::CORRESPONDENCE,
                        serde_json::json!({}),
                    )
                    .await;
            }
            Err(e) => {
                tracing::warn!(error = ?e, "outbox delivery pass failed");
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        }
    }
}

/// How long a claimed message is reserved for the worker that claimed it, unless configured
/// (`outbox_lease_secs`).
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// Messages claimed at once: few enough that sending them all, each within the senders' 30 s
/// timeout, ends before their lease does, so no other worker sends them again.
const BATCH: u64 = 8;

/// Why one delivery failed, and whether to try again.
struct Failure {
    message: String,
    transient: bool,
    /// Whether an earlier handover's fate is still unknown (the provider could not be asked).
    in_doubt: bool,
}

impl Failure {
    fn new(message: impl Into<String>, transient: bool) -> Failure {
        Failure {
            message: message.into(),
            transient,
            in_doubt: false,
        }
    }
}

/// What an email whose handover was cut short says: a mail server cannot be asked whether it
/// took a message, so it is not sent again by itself (it would arrive twice if it had).
const UNCONFIRMED_EMAIL: &str = "The server stopped while handing this email to the mail \
server, so it may have gone. It was not sent again, so that it cannot arrive twice: send it \
again if the recipient did not receive it.";

/// A message whose handover began at `began` and was cut short (its server stopped): whether it
/// went, with the provider's id for it (`Ok(Some)`), or not (`Ok(None)`: it is sent now).
async fn handed_over(
    crypto: &Crypto,
    senders: &Senders,
    m: &outbox_message::Model,
    began: chrono::DateTime<Utc>,
) -> Result<Option<Option<String>>, Failure> {
    match (m.channel.as_str(), &senders.sms) {
        ("sms", Some(sender)) => {
            let to = field(crypto, m, "recipient", &m.recipient_enc)?;
            let body = field(crypto, m, "body", &m.body_enc)?;
            match sender.find_sent(&to, &body, began).await {
                Ok(found) => Ok(found.map(|sent| Some(sent.sid))),
                Err(e) => Err(Failure {
                    message: format!("could not ask Twilio whether it went: {e}"),
                    transient: true,
                    in_doubt: true,
                }),
            }
        }
        _ => Err(Failure::new(UNCONFIRMED_EMAIL, false)),
    }
}

/// Marks the message as being handed over, committed before the provider is called.
async fn begin_handover(db: &sea_orm::DatabaseConnection, id: Uuid) -> anyhow::Result<()> {
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::SendingAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(outbox_message::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// One of the message's encrypted fields, in the clear.
fn field(
    crypto: &Crypto,
    m: &outbox_message::Model,
    column: &str,
    value: &str,
) -> Result<String, Failure> {
    crypto
        .decrypt_str(value, &aad(m.id, column))
        .map_err(|e| Failure::new(format!("unreadable message: {e}"), false))
}

/// Sends one message; the provider's id for it, when it gives one.
async fn send_one(
    crypto: &Crypto,
    senders: &Senders,
    m: &outbox_message::Model,
) -> Result<Option<String>, Failure> {
    let to = field(crypto, m, "recipient", &m.recipient_enc)?;
    let body = field(crypto, m, "body", &m.body_enc)?;
    match (m.channel.as_str(), &senders.email, &senders.sms) {
        ("email", Some(sender), _) => {
            let email = Email {
                to,
                subject: field(crypto, m, "subject", &m.subject_enc)?,
                body,
                attachments: decrypt_attachments(crypto, m.id, m.attachments_enc.as_deref())
                    .map_err(|e| Failure::new(format!("unreadable attachments: {e}"), false))?,
            };
            sender
                .send(&email)
                .await
                .map(|()| None)
                .map_err(|e| Failure::new(e.to_string(), e.is_transient()))
        }
        ("sms", _, Some(sender)) => sender
            .send_sms(&to, &body)
            .await
            .map(|sent| Some(sent.sid))
            .map_err(|e| Failure::new(e.to_string(), e.is_transient())),
        (channel, _, _) => Err(Failure::new(format!("no sender for {channel}"), true)),
    }
}

/// Why a message to a patient may no longer go out: they withdrew their consent to the channel
/// after it was queued.
async fn withheld(
    db: &sea_orm::DatabaseConnection,
    m: &outbox_message::Model,
) -> anyhow::Result<Option<String>> {
    let Some(entry) = correspondence::by_outbox(db, m.id).await? else {
        return Ok(None);
    };
    let (Some(patient), Some(consent)) = (
        entry.patient_id,
        correspondence::consent_for(entry.channel, entry.kind),
    ) else {
        return Ok(None);
    };
    if crate::patients::consent_given(db, PatientId(patient), consent).await? {
        return Ok(None);
    }
    Ok(Some(format!(
        "Not sent: the patient withdrew consent to {} contact after it was queued.",
        entry.channel.label()
    )))
}

/// Delivers up to one batch of due messages on the channels this process has a sender for;
/// returns how many it handled. Messages are first claimed (leased) in a short transaction, then
/// sent with no transaction open, so a slow provider never holds a database connection.
pub async fn deliver_due(
    db: &sea_orm::DatabaseConnection,
    crypto: &Crypto,
    senders: &Senders,
) -> anyhow::Result<usize> {
    deliver_due_leased(db, crypto, senders, LEASE).await
}

/// [`deliver_due`], each claimed message reserved for `lease`.
async fn deliver_due_leased(
    db: &sea_orm::DatabaseConnection,
    crypto: &Crypto,
    senders: &Senders,
    lease: chrono::Duration,
) -> anyhow::Result<usize> {
    let channels = senders.channels();
    if channels.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let mut select = outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq(OutboxStatus::Pending))
        .filter(outbox_message::Column::Channel.is_in(channels))
        .filter(outbox_message::Column::NextAttemptAt.lte(Utc::now()))
        .order_by_asc(outbox_message::Column::NextAttemptAt)
        .limit(BATCH);
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
            sea_orm::sea_query::Expr::value(Utc::now() + lease),
        )
        .filter(outbox_message::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    txn.commit().await?;

    let n = due.len();
    for m in due {
        let outcome = match (withheld(db, &m).await?, m.sending_at) {
            (Some(why), _) => Err(Failure::new(why, false)),
            // Its server stopped while handing it over: it is sent again only if it did not go.
            (None, Some(began)) => match handed_over(crypto, senders, &m, began).await {
                Ok(Some(provider_ref)) => Ok(provider_ref),
                Ok(None) => {
                    begin_handover(db, m.id).await?;
                    send_one(crypto, senders, &m).await
                }
                Err(failure) => Err(failure),
            },
            (None, None) => {
                begin_handover(db, m.id).await?;
                send_one(crypto, senders, &m).await
            }
        };
        let attempts = m.attempts + 1;
        let id = m.id;
        let mut update: outbox_message::ActiveModel = m.into();
        update.attempts = Set(attempts);
        let txn = db.begin().await?;
        match outcome {
            Ok(provider_ref) => {
                update.sending_at = Set(None);
                update.status = Set(OutboxStatus::Sent);
                update.sent_at = Set(Some(Utc::now()));
                update.last_error = Set(None);
                update.update(&txn).await?;
                let provider_ref = provider_ref.as_deref();
                correspondence::follow_delivery(&txn, id, Delivery::Sent { provider_ref }).await?;
            }
            Err(e) => {
                let give_up = !e.transient || attempts >= MAX_ATTEMPTS;
                if !e.in_doubt {
                    update.sending_at = Set(None);
                }
                update.status = Set(if give_up {
                    OutboxStatus::Failed
                } else {
                    OutboxStatus::Pending
                });
                let error: String = e.message.chars().take(500).collect();
                update.last_error = Set(Some(error.clone()));
                let backoff = chrono::Duration::seconds(30 * (1i64 << attempts.min(10)));
                update.next_attempt_at = Set(Utc::now() + backoff);
                update.update(&txn).await?;
                let delivery = if give_up {
                    Delivery::Failed { error: &error }
                } else {
                    Delivery::Retrying { error: &error }
                };
                correspondence::follow_delivery(&txn, id, delivery).await?;
            }
        }
        txn.commit().await?;
    }
    Ok(n)
}
