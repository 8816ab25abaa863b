//! The audit log: every authentication event and every read or write of patient data appends an
//! event. Events are hash-chained (each hash covers the event and the previous hash) and the
//! database refuses updates and deletes, so tampering is detectable with `carebase audit verify`.
//!
//! Appends go through a writer task that commits whatever is queued in a single transaction
//! (group commit) and acknowledges each caller only after the commit, so an audited request never
//! answers before its event is durable, and the chain costs one transaction per batch rather than
//! one per request. On PostgreSQL each HTTP worker thread has a writer of its own, on its own
//! connection, so that a request and the writer that records it never wake another thread; the
//! writers of one process share the chain's head and take turns at it, which batches the events
//! that arrive meanwhile. Across replicas, a PostgreSQL advisory lock keeps the chain linear.

mod chain;
mod handlers;

use api_types::audit::{AuditAction, AuditOutcome};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::auth::Principal;
use crate::platform::{ApiError, ClientInfo};

pub use chain::{outcome_str, verify};
pub use handlers::{configure, events_about_patient};

/// One event to append. Build it with [`AuditEntry::by`] or [`AuditEntry::anonymous`].
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_kind: Option<&'static str>,
    pub actor_role: Option<&'static str>,
    pub action: AuditAction,
    pub patient_id: Option<Uuid>,
    pub resource_type: Option<&'static str>,
    pub resource_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: Option<String>,
}

impl AuditEntry {
    fn new(action: AuditAction, ip: Option<String>) -> AuditEntry {
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
    pub fn by(principal: &Principal, action: AuditAction) -> AuditEntry {
        let mut e = AuditEntry::new(action, principal.client.ip.clone());
        e.actor_id = Some(principal.id());
        e.actor_kind = Some(principal.kind());
        e.actor_role = principal.role().map(|r| r.as_str());
        e
    }

    /// An event with no authenticated caller (sign-in attempts, password resets).
    pub fn anonymous(client: &ClientInfo, action: AuditAction) -> AuditEntry {
        AuditEntry::new(action, client.ip.clone())
    }

    /// An event of the server's own scheduled work (destroying records past their retention).
    pub fn system(action: AuditAction) -> AuditEntry {
        let mut e = AuditEntry::new(action, None);
        e.actor_kind = Some("system");
        e
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

    /// For a list across patients: names every patient it showed (`patients=…` in the detail,
    /// before any detail given after), and the patient too when there was exactly one.
    pub fn patients<'a>(mut self, ids: impl IntoIterator<Item = &'a Uuid>) -> Self {
        let mut ids: Vec<&Uuid> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        if let [one] = ids.as_slice() {
            self.patient_id = Some(**one);
        }
        self.detail = Some(format!(
            "patients={}",
            ids.iter()
                .map(|u| u.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ));
        self
    }

    /// Adds to the detail, after what is there.
    pub fn also(mut self, more: impl AsRef<str>) -> Self {
        self.detail = Some(match self.detail.take() {
            Some(d) => format!("{d} {}", more.as_ref()),
            None => more.as_ref().to_owned(),
        });
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

/// The chain's head as this process's writers know it, held by the one appending.
type SharedHead = std::sync::Arc<tokio::sync::Mutex<chain::Head>>;

enum Message {
    /// An event with no change to commit alongside (a read, a refusal): the writer chains it.
    Record(AuditEntry, Ack),
    /// Chain everything staged so far, then acknowledge.
    Flush(Ack),
    /// Something was staged: chain it soon.
    Wake,
}

/// Moves every staged event onto the chain, for commands that run without a writer (backup,
/// restore).
pub async fn chain_staged(db: &DatabaseConnection) -> anyhow::Result<()> {
    let mut head = None;
    let how = chain::Append {
        staged: true,
        flushed: true,
    };
    while chain::append(db, &mut head, &[], how).await? {}
    Ok(())
}

/// A handle to a writer task.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Message>,
    guard: Option<CommitGuard>,
    head: SharedHead,
    flushed: bool,
}

/// Asked inside a change's transaction, just before it commits with its events, whether the
/// change may still stand: the domain that keeps the records it touches refuses it if one was
/// closed meanwhile (an erasure committed between the handler's checks and this commit). The
/// guard takes what locks it needs, so the closing change waits for this one or this one sees it.
pub type CommitGuard = std::sync::Arc<
    dyn for<'a> Fn(
            &'a sea_orm::DatabaseTransaction,
            &'a [AuditEntry],
        ) -> futures_util::future::BoxFuture<'a, Result<(), ApiError>>
        + Send
        + Sync,
>;

/// Adds `entry` to the transaction of the change it describes, so that the two commit or fail
/// together. The writer puts it on the chain after the commit; prefer [`AuditLog::commit`], which
/// stages, commits and wakes the writer in one call.
pub async fn stage(db: &impl ConnectionTrait, entry: &AuditEntry) -> Result<(), ApiError> {
    chain::stage(db, std::slice::from_ref(entry))
        .await
        .map_err(ApiError::Internal)
}

impl AuditLog {
    /// Starts the writer. On SQLite it shares the request pool's one connection, so that the
    /// file has a single writer; on PostgreSQL it has a small pool of its own. With `flushed`,
    /// an event is acknowledged only once PostgreSQL has written it to disk; otherwise once it
    /// is committed (see [`chain::Append::flushed`]).
    pub fn start(db: DatabaseConnection, flushed: bool) -> AuditLog {
        let head = SharedHead::default();
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(writer(db, flushed, head.clone(), rx, true));
        AuditLog {
            tx,
            guard: None,
            head,
            flushed,
        }
    }

    /// Another writer, on the runtime of the calling thread and on `db` (a connection of that
    /// thread's own), sharing this one's chain head and guard. It moves staged events when told
    /// of some; the sweep for other processes' and failed batches' is left to the first writer.
    pub fn on_this_thread(&self, db: DatabaseConnection) -> AuditLog {
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(writer(db, self.flushed, self.head.clone(), rx, false));
        AuditLog { tx, ..self.clone() }
    }

    /// Has every [`AuditLog::commit`] ask `guard` first.
    pub fn guarded_by(mut self, guard: CommitGuard) -> AuditLog {
        self.guard = Some(guard);
        self
    }

    /// Appends an event that accompanies no change (a read, a refused attempt) and waits until
    /// it is committed. Fails closed: if the event cannot be recorded, the request fails too.
    /// A change records its event with [`AuditLog::commit`] instead.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), ApiError> {
        let (ack, done) = oneshot::channel();
        self.send(Message::Record(entry, ack)).await?;
        Self::wait(done).await
    }

    /// Commits `txn` together with the event that describes its change: both are stored, or
    /// neither is. The event reaches the hash chain moments later.
    pub async fn commit(
        &self,
        txn: sea_orm::DatabaseTransaction,
        entry: AuditEntry,
    ) -> Result<(), ApiError> {
        self.commit_all(txn, vec![entry]).await
    }

    /// [`AuditLog::commit`] for a change described by several events.
    pub async fn commit_all(
        &self,
        txn: sea_orm::DatabaseTransaction,
        entries: Vec<AuditEntry>,
    ) -> Result<(), ApiError> {
        if let Some(guard) = &self.guard {
            guard(&txn, &entries).await?;
        }
        chain::stage(&txn, &entries)
            .await
            .map_err(ApiError::Internal)?;
        txn.commit().await?;
        self.wake();
        Ok(())
    }

    /// Tells the writer that events were staged in a transaction that has committed.
    pub fn wake(&self) {
        // A full channel means the writer is busy; its next sweep finds the staged events.
        let _ = self.tx.try_send(Message::Wake);
    }

    /// Waits until every event staged so far is on the chain (before searching or verifying it).
    pub async fn flush(&self) -> Result<(), ApiError> {
        let (ack, done) = oneshot::channel();
        self.send(Message::Flush(ack)).await?;
        Self::wait(done).await
    }

    async fn send(&self, message: Message) -> Result<(), ApiError> {
        self.tx
            .send(message)
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("audit writer stopped")))
    }

    async fn wait(done: oneshot::Receiver<Result<(), String>>) -> Result<(), ApiError> {
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

/// How often the writer looks for events staged by other replicas (or left by a failed batch).
const SWEEP: std::time::Duration = std::time::Duration::from_millis(500);

async fn writer(
    db: DatabaseConnection,
    flushed: bool,
    head: SharedHead,
    mut rx: mpsc::Receiver<Message>,
    sweeps: bool,
) {
    let mut sweep = tokio::time::interval(SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Whether staged events may be waiting: looked for when told of some, at each sweep, and
    // while batches come back full; a batch of reads alone does not look.
    let mut staged = true;
    loop {
        let first = tokio::select! {
            m = rx.recv() => match m {
                Some(m) => Some(m),
                None => return,
            },
            _ = sweep.tick(), if sweeps => None,
        };
        if first.is_none() {
            staged = true;
        }
        let mut records = Vec::new();
        let mut flushes = Vec::new();
        take(first, &mut rx, &mut records, &mut flushes, &mut staged);
        // While another writer of this process appends, more events arrive: they join this batch.
        let mut known = head.lock().await;
        take(None, &mut rx, &mut records, &mut flushes, &mut staged);
        let entries: Vec<&AuditEntry> = records.iter().map(|(e, _)| e).collect();
        let how = chain::Append { staged, flushed };
        let mut result = chain::append(&db, &mut known, &entries, how).await;
        // A flush waits until nothing staged is left, however many batches that takes.
        while !flushes.is_empty() && matches!(result, Ok(true)) {
            result = chain::append(&db, &mut known, &[], how).await;
        }
        drop(known);
        // Staged events are looked for again only once more are known to wait.
        staged = !matches!(result, Ok(false));
        let result = result.map(|_| ()).map_err(|e| {
            tracing::error!(error = ?e, "audit append failed");
            e.to_string()
        });
        for (_, ack) in records {
            let _ = ack.send(result.clone());
        }
        for ack in flushes {
            let _ = ack.send(result.clone());
        }
    }
}

/// Adds `first` and whatever else is queued, up to a batch, to what the writer is about to append.
fn take(
    first: Option<Message>,
    rx: &mut mpsc::Receiver<Message>,
    records: &mut Vec<(AuditEntry, Ack)>,
    flushes: &mut Vec<Ack>,
    staged: &mut bool,
) {
    let mut next = first;
    loop {
        match next.take() {
            Some(Message::Record(e, ack)) => records.push((e, ack)),
            Some(Message::Flush(ack)) => {
                *staged = true;
                flushes.push(ack);
            }
            Some(Message::Wake) => *staged = true,
            None => {}
        }
        if records.len() >= MAX_BATCH {
            return;
        }
        match rx.try_recv() {
            Ok(m) => next = Some(m),
            Err(_) => return,
        }
    }
}
