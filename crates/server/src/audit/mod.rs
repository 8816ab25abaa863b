//! The audit log: every authentication event and every read or write of patient data appends an
//! event. Events are hash-chained (each hash covers the event and the previous hash) and the
//! database refuses updates and deletes, so tampering is detectable with `carebase audit verify`.
//!
//! Appends go through one writer task per process that commits whatever is queued in a single
//! transaction (group commit) and acknowledges each caller only after the commit, so an audited
//! request never answers before its event is durable, and the chain costs one transaction per
//! batch rather than one per request. Across replicas, a PostgreSQL advisory lock keeps the chain
//! linear.

pub mod chain;
pub mod routes;

use api_types::audit::AuditOutcome;
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::platform::{ApiError, ClientInfo, Principal};

pub use routes::configure;

/// One event to append. Build it with [`AuditEntry::by`] or [`AuditEntry::anonymous`].
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_kind: Option<&'static str>,
    pub actor_role: Option<&'static str>,
    pub action: &'static str,
    pub patient_id: Option<Uuid>,
    pub resource_type: Option<&'static str>,
    pub resource_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: Option<String>,
}

impl AuditEntry {
    fn new(action: &'static str, ip: Option<String>) -> AuditEntry {
        AuditEntry {
            // Stored and hashed at microsecond precision, which every backend keeps exactly.
            occurred_at: Utc::now().trunc_subsecs(6),
            actor_id: None,
            actor_kind: None,
            actor_role: None,
            action,
            patient_id: None,
            resource_type: None,
            resource_id: None,
            ip,
            outcome: AuditOutcome::Success,
            detail: None,
        }
    }

    /// An event caused by an authenticated caller.
    pub fn by(principal: &Principal, action: &'static str) -> AuditEntry {
        let mut e = AuditEntry::new(action, principal.client.ip.clone());
        e.actor_id = Some(principal.id());
        e.actor_kind = Some(principal.kind());
        e.actor_role = principal.role().map(|r| r.as_str());
        e
    }

    /// An event with no authenticated caller (sign-in attempts, password resets).
    pub fn anonymous(client: &ClientInfo, action: &'static str) -> AuditEntry {
        AuditEntry::new(action, client.ip.clone())
    }

    /// Names the account acting, for events before a session exists (sign-in).
    pub fn actor(mut self, id: Uuid, role: api_types::Role) -> Self {
        self.actor_id = Some(id);
        self.actor_kind = Some("user");
        self.actor_role = Some(role.as_str());
        self
    }

    pub fn patient(mut self, id: Uuid) -> Self {
        self.patient_id = Some(id);
        self
    }

    pub fn resource(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.resource_type = Some(kind);
        self.resource_id = Some(id.to_string());
        self
    }

    pub fn outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Context that is never PHI: ids, counts, reason codes.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

type Ack = oneshot::Sender<Result<(), String>>;

/// A handle to the writer task.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<(AuditEntry, Ack)>,
}

impl AuditLog {
    /// Starts the writer on its own connection.
    pub fn start(db: DatabaseConnection) -> AuditLog {
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(writer(db, rx));
        AuditLog { tx }
    }

    /// Appends an event and waits until it is committed. Fails closed: if the event cannot be
    /// recorded, the caller's request fails too.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), ApiError> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send((entry, ack))
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("audit writer stopped")))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            // The event could not be stored (the writer has logged why): nothing is served
            // unaudited, and the client may retry once the database is back.
            Ok(Err(_)) => Err(ApiError::retry_after(
                api_types::ErrorCode::ServiceUnavailable,
                5,
            )),
            Err(_) => Err(ApiError::Internal(anyhow::anyhow!("audit writer stopped"))),
        }
    }
}

const MAX_BATCH: usize = 500;

async fn writer(db: DatabaseConnection, mut rx: mpsc::Receiver<(AuditEntry, Ack)>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let entries: Vec<&AuditEntry> = batch.iter().map(|(e, _)| e).collect();
        let result = chain::append(&db, &entries).await.map_err(|e| {
            tracing::error!(error = ?e, "audit append failed");
            e.to_string()
        });
        for (_, ack) in batch {
            let _ = ack.send(result.clone());
        }
    }
}
