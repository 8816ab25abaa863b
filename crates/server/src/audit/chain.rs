//! Appending to and verifying the hash chain.

use anyhow::Context;
use api_types::audit::{AuditOutcome, AuditVerification};
use chrono::{DateTime, Utc};
use entity::audit::{event, pending};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuditEntry;

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A lock id that serialises appends across replicas on PostgreSQL.
const CHAIN_LOCK: i64 = 0x6361_7265_6261_7365; // "carebase"

pub fn outcome_str(o: AuditOutcome) -> &'static str {
    match o {
        AuditOutcome::Success => "success",
        AuditOutcome::Denied => "denied",
        AuditOutcome::Failure => "failure",
    }
}

pub fn parse_outcome(s: &str) -> AuditOutcome {
    match s {
        "success" => AuditOutcome::Success,
        "denied" => AuditOutcome::Denied,
        _ => AuditOutcome::Failure,
    }
}

/// The fields an event's hash covers, in a fixed order.
struct Hashed<'a> {
    seq: i64,
    prev_hash: &'a str,
    occurred_at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor_kind: Option<&'a str>,
    actor_role: Option<&'a str>,
    action: &'a str,
    patient_id: Option<Uuid>,
    resource_type: Option<&'a str>,
    resource_id: Option<&'a str>,
    ip: Option<&'a str>,
    outcome: &'a str,
    detail: Option<&'a str>,
}

impl Hashed<'_> {
    fn hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.prev_hash,
            self.occurred_at.timestamp_micros(),
            self.actor_id,
            self.actor_kind,
            self.actor_role,
            self.action,
            self.patient_id,
            self.resource_type,
            self.resource_id,
            self.ip,
            self.outcome,
            self.detail,
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    fn of_model(m: &event::Model) -> Hashed<'_> {
        Hashed {
            seq: m.seq,
            prev_hash: &m.prev_hash,
            occurred_at: m.occurred_at,
            actor_id: m.actor_id,
            actor_kind: m.actor_kind.as_deref(),
            actor_role: m.actor_role.as_deref(),
            action: &m.action,
            patient_id: m.patient_id,
            resource_type: m.resource_type.as_deref(),
            resource_id: m.resource_id.as_deref(),
            ip: m.ip.as_deref(),
            outcome: &m.outcome,
            detail: m.detail.as_deref(),
        }
    }
}

/// Stores `entries` in `audit_pending`, inside the caller's transaction.
pub async fn stage(db: &impl ConnectionTrait, entries: &[AuditEntry]) -> anyhow::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = entries.iter().map(|e| pending::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(e.occurred_at),
        actor_id: Set(e.actor_id),
        actor_kind: Set(e.actor_kind.map(str::to_owned)),
        actor_role: Set(e.actor_role.map(str::to_owned)),
        action: Set(e.action.as_str().to_owned()),
        patient_id: Set(e.patient_id),
        resource_type: Set(e.resource_type.map(str::to_owned)),
        resource_id: Set(e.resource_id.clone()),
        ip: Set(e.ip.clone()),
        outcome: Set(outcome_str(e.outcome).to_owned()),
        detail: Set(e.detail.clone()),
    });
    pending::Entity::insert_many(rows)
        .exec(db)
        .await
        .context("Failed to stage audit events")?;
    Ok(())
}

/// Staged events moved onto the chain per transaction.
const PENDING_BATCH: u64 = 1000;

/// What the writer knows of the chain between appends: the last event it appended (its
/// sequence number and hash). Another process may have appended since; then the first insert
/// after it collides with that process's sequence number, and the append is tried again from
/// the chain as stored.
pub type Head = Option<(i64, String)>;

/// How an append commits.
#[derive(Debug, Clone, Copy)]
pub struct Append {
    /// Whether to look for events staged by committed changes (the writer was told of some, or
    /// it is time to sweep for other processes' and failed batches').
    pub staged: bool,
    /// Whether the commit waits until PostgreSQL has flushed it to disk. Without, the events are
    /// committed when the append returns, so a crash of this process loses none of them, and
    /// PostgreSQL writes them to disk within its `wal_writer_delay` (200 ms by default).
    pub flushed: bool,
}

/// Appends, in one transaction under the chain's lock, the events staged by committed changes
/// (oldest first, up to a batch, when `how.staged`) and then `entries`. Returns whether more
/// staged events wait.
pub async fn append(
    db: &sea_orm::DatabaseConnection,
    head: &mut Head,
    entries: &[&AuditEntry],
    how: Append,
) -> anyhow::Result<bool> {
    let cached = head.is_some();
    match append_once(db, head, entries, how).await {
        // Another process appended since: read the chain's head and try once more.
        Err(_) if cached => append_once(db, head, entries, how).await,
        done => done,
    }
}

async fn append_once(
    db: &sea_orm::DatabaseConnection,
    head: &mut Head,
    entries: &[&AuditEntry],
    how: Append,
) -> anyhow::Result<bool> {
    // Forgotten until this append commits: after a failure the head is read again.
    let known = head.take();
    if let Some(known) = known.clone() {
        if !how.staged && db.get_database_backend() == DbBackend::Postgres {
            if entries.is_empty() {
                *head = Some(known);
                return Ok(false);
            }
            *head = Some(append_in_one_trip(db, known, entries, how).await?);
            return Ok(false);
        }
    }
    let txn = db.begin().await.context("Failed to begin audit append")?;
    if txn.get_database_backend() == DbBackend::Postgres {
        let durability = if how.flushed {
            ""
        } else {
            "SET LOCAL synchronous_commit = off; "
        };
        txn.execute_unprepared(&format!(
            "{durability}SELECT pg_advisory_xact_lock({CHAIN_LOCK})"
        ))
        .await
        .context("Failed to lock the audit chain")?;
    }
    let staged = if how.staged {
        pending::Entity::find()
            .order_by_asc(pending::Column::Id)
            .limit(PENDING_BATCH)
            .all(&txn)
            .await
            .context("Failed to read staged audit events")?
    } else {
        Vec::new()
    };
    if staged.is_empty() && entries.is_empty() {
        *head = known;
        return Ok(false);
    }
    let (mut seq, mut prev) = match known {
        Some(head) => head,
        None => event::Entity::find()
            .order_by_desc(event::Column::Seq)
            .limit(1)
            .one(&txn)
            .await
            .context("Failed to read the audit chain head")?
            .map_or((0, GENESIS.to_owned()), |m| (m.seq, m.hash)),
    };
    let staged_entries = staged.iter().map(Unchained::from_pending);
    let direct = entries.iter().map(|e| Unchained::from_entry(e));
    let rows: Vec<_> = chained(&mut seq, &mut prev, staged_entries.chain(direct))
        .into_iter()
        .map(Chained::model)
        .collect();
    // Large batches go in slices, to stay within every backend's limit on bound parameters.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        event::Entity::insert_many(chunk)
            .exec(&txn)
            .await
            .context("Failed to insert audit events")?;
    }
    if !staged.is_empty() {
        let ids: Vec<Uuid> = staged.iter().map(|m| m.id).collect();
        for chunk in ids.chunks(500) {
            pending::Entity::delete_many()
                .filter(sea_orm::ColumnTrait::is_in(
                    &pending::Column::Id,
                    chunk.iter().copied(),
                ))
                .exec(&txn)
                .await
                .context("Failed to clear staged audit events")?;
        }
    }
    txn.commit()
        .await
        .context("Failed to commit audit events")?;
    *head = Some((seq, prev));
    Ok(staged.len() as u64 == PENDING_BATCH)
}

/// The chain's next rows for `events`, after the event numbered `seq` with hash `prev` (both
/// moved on to the last row's).
fn chained<'a>(
    seq: &mut i64,
    prev: &mut String,
    events: impl Iterator<Item = Unchained<'a>>,
) -> Vec<Chained<'a>> {
    events
        .map(|e| {
            *seq += 1;
            let hash = Hashed {
                seq: *seq,
                prev_hash: prev,
                occurred_at: e.occurred_at,
                actor_id: e.actor_id,
                actor_kind: e.actor_kind,
                actor_role: e.actor_role,
                action: e.action,
                patient_id: e.patient_id,
                resource_type: e.resource_type,
                resource_id: e.resource_id,
                ip: e.ip,
                outcome: e.outcome,
                detail: e.detail,
            }
            .hash();
            Chained {
                seq: *seq,
                prev_hash: std::mem::replace(prev, hash.clone()),
                hash,
                event: e,
            }
        })
        .collect()
}

/// An event with its place on the chain.
struct Chained<'a> {
    seq: i64,
    prev_hash: String,
    hash: String,
    event: Unchained<'a>,
}

impl Chained<'_> {
    fn model(self) -> event::ActiveModel {
        let e = self.event;
        event::ActiveModel {
            seq: Set(self.seq),
            occurred_at: Set(e.occurred_at),
            actor_id: Set(e.actor_id),
            actor_kind: Set(e.actor_kind.map(str::to_owned)),
            actor_role: Set(e.actor_role.map(str::to_owned)),
            action: Set(e.action.to_owned()),
            patient_id: Set(e.patient_id),
            resource_type: Set(e.resource_type.map(str::to_owned)),
            resource_id: Set(e.resource_id.map(str::to_owned)),
            ip: Set(e.ip.map(str::to_owned)),
            outcome: Set(e.outcome.to_owned()),
            detail: Set(e.detail.map(str::to_owned)),
            prev_hash: Set(self.prev_hash),
            hash: Set(self.hash),
        }
    }
}

/// The append of [`append_in_one_trip`]: the chain's lock, then every row, in one statement and
/// so one transaction. Its text is the same for any number of rows (they come as one array per
/// column), so each connection prepares and plans it once.
const APPEND_IN_ONE_TRIP: &str = "\
    WITH chain_lock AS MATERIALIZED (\
        SELECT pg_advisory_xact_lock($1), \
            CASE WHEN $2 THEN set_config('synchronous_commit', 'off', true) END) \
    INSERT INTO audit_events (seq, occurred_at, actor_id, actor_kind, actor_role, action, \
        patient_id, resource_type, resource_id, ip, outcome, detail, prev_hash, hash) \
    SELECT e.* FROM chain_lock, unnest($3::int8[], $4::timestamptz[], $5::uuid[], $6::text[], \
        $7::text[], $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[], $13::text[], \
        $14::text[], $15::text[], $16::text[]) AS e";

/// On PostgreSQL, with the head known and no staged events to move: the whole append is one
/// round trip, a single prepared statement that takes the chain's lock (the lock is taken
/// before any row is inserted, since every row is joined to it) and inserts the rows; it commits
/// as it returns.
async fn append_in_one_trip(
    db: &sea_orm::DatabaseConnection,
    (mut seq, mut prev): (i64, String),
    entries: &[&AuditEntry],
    how: Append,
) -> anyhow::Result<(i64, String)> {
    let rows = chained(
        &mut seq,
        &mut prev,
        entries.iter().map(|e| Unchained::from_entry(e)),
    );
    let query = sea_orm::sqlx::query(APPEND_IN_ONE_TRIP)
        .bind(CHAIN_LOCK)
        .bind(!how.flushed)
        .bind(rows.iter().map(|r| r.seq).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.event.occurred_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.event.actor_id).collect::<Vec<_>>())
        .bind(texts(&rows, |r| r.event.actor_kind))
        .bind(texts(&rows, |r| r.event.actor_role))
        .bind(texts(&rows, |r| Some(r.event.action)))
        .bind(rows.iter().map(|r| r.event.patient_id).collect::<Vec<_>>())
        .bind(texts(&rows, |r| r.event.resource_type))
        .bind(texts(&rows, |r| r.event.resource_id))
        .bind(texts(&rows, |r| r.event.ip))
        .bind(texts(&rows, |r| Some(r.event.outcome)))
        .bind(texts(&rows, |r| r.event.detail))
        .bind(texts(&rows, |r| Some(r.prev_hash.as_str())))
        .bind(texts(&rows, |r| Some(r.hash.as_str())));
    query
        .execute(db.get_postgres_connection_pool())
        .await
        .context("Failed to append audit events")?;
    Ok((seq, prev))
}

/// One text column of `rows`, as the array [`APPEND_IN_ONE_TRIP`] takes.
fn texts<'r, 'a: 'r>(
    rows: &'r [Chained<'a>],
    field: impl Fn(&'r Chained<'a>) -> Option<&'r str>,
) -> Vec<Option<&'r str>> {
    rows.iter().map(field).collect()
}

/// An event on its way to the chain, from either source.
struct Unchained<'a> {
    occurred_at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor_kind: Option<&'a str>,
    actor_role: Option<&'a str>,
    action: &'a str,
    patient_id: Option<Uuid>,
    resource_type: Option<&'a str>,
    resource_id: Option<&'a str>,
    ip: Option<&'a str>,
    outcome: &'a str,
    detail: Option<&'a str>,
}

impl<'a> Unchained<'a> {
    fn from_pending(m: &'a pending::Model) -> Self {
        Unchained {
            occurred_at: m.occurred_at,
            actor_id: m.actor_id,
            actor_kind: m.actor_kind.as_deref(),
            actor_role: m.actor_role.as_deref(),
            action: &m.action,
            patient_id: m.patient_id,
            resource_type: m.resource_type.as_deref(),
            resource_id: m.resource_id.as_deref(),
            ip: m.ip.as_deref(),
            outcome: &m.outcome,
            detail: m.detail.as_deref(),
        }
    }

    fn from_entry(e: &'a AuditEntry) -> Self {
        Unchained {
            occurred_at: e.occurred_at,
            actor_id: e.actor_id,
            actor_kind: e.actor_kind,
            actor_role: e.actor_role,
            action: e.action.as_str(),
            patient_id: e.patient_id,
            resource_type: e.resource_type,
            resource_id: e.resource_id.as_deref(),
            ip: e.ip.as_deref(),
            outcome: outcome_str(e.outcome),
            detail: e.detail.as_deref(),
        }
    }
}

/// Walks the whole chain in order and recomputes every hash.
pub async fn verify<C: ConnectionTrait>(db: &C) -> anyhow::Result<AuditVerification> {
    const PAGE: u64 = 2000;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_owned();
    let mut checked = 0u64;
    loop {
        let page = event::Entity::find()
            .filter(sea_orm::ColumnTrait::gte(&event::Column::Seq, expected_seq))
            .order_by_asc(event::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await
            .context("Failed to read audit events")?;
        if page.is_empty() {
            break;
        }
        for m in &page {
            let intact = m.seq == expected_seq
                && m.prev_hash == prev
                && Hashed::of_model(m).hash() == m.hash;
            if !intact {
                return Ok(AuditVerification {
                    ok: false,
                    events_checked: checked,
                    first_broken_seq: Some(expected_seq.min(m.seq)),
                });
            }
            checked += 1;
            expected_seq += 1;
            prev.clone_from(&m.hash);
        }
    }
    Ok(AuditVerification {
        ok: true,
        events_checked: checked,
        first_broken_seq: None,
    })
}
