//! Events between replicas: something that changed and that every process should hear of at
//! once (a session revoked, a message posted). On PostgreSQL an event is a `NOTIFY` on one
//! channel, sent in the transaction of its change, so it is heard only if that change commits;
//! every process listens on its own connection. On SQLite (one process) events go straight to the
//! process's listeners.
//!
//! Listeners get each event as it comes; after a lost connection (when notifications sent
//! meanwhile may be lost) they get [`Heard::Gap`] and must not trust what they had learned.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// The PostgreSQL channel every process listens on.
const CHANNEL: &str = "carebase_events";

/// An event: what it is about (`topic`, such as `sessions`) and its content, small JSON with ids
/// only, never personal or health data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub topic: String,
    pub body: serde_json::Value,
}

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Event(Event),
    /// Events may have been missed.
    Gap,
}

/// This process's end of the events.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Heard>,
}

impl Events {
    /// Starts listening; on PostgreSQL with a task holding its own connection from `db`'s pool,
    /// which reconnects after a failure.
    pub fn start(db: &DatabaseConnection) -> Events {
        let (tx, _) = broadcast::channel(4096);
        if db.get_database_backend() == DbBackend::Postgres {
            tokio::spawn(listen(db.clone(), tx.clone()));
        }
        Events { tx }
    }

    /// A new listener, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Heard> {
        self.tx.subscribe()
    }

    /// Sends an event, in the caller's transaction when it is one: on PostgreSQL every process
    /// hears it once the transaction commits.
    pub async fn publish(
        &self,
        db: &impl ConnectionTrait,
        topic: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<()> {
        if db.get_database_backend() == DbBackend::Postgres {
            return tell_replicas(db, topic, body).await;
        }
        // Nobody listening is fine.
        let _ = self.tx.send(Heard::Event(Event {
            topic: topic.to_owned(),
            body,
        }));
        Ok(())
    }
}

/// Events staged in a transaction, to hand to this process's listeners once it has committed
/// ([`Events::release`]): on PostgreSQL they already went with the transaction, and this is
/// empty.
#[must_use = "staged events reach this process's listeners only when released after the commit"]
#[derive(Debug, Default)]
pub struct Staged(Vec<Event>);

impl Staged {
    pub fn and(mut self, other: Staged) -> Staged {
        self.0.extend(other.0);
        self
    }
}

impl Events {
    /// Stages an event in the caller's transaction: on PostgreSQL every process hears it when
    /// the transaction commits; otherwise the caller releases it after committing, so that no
    /// listener hears of a change it cannot read yet.
    pub async fn stage(
        &self,
        db: &impl ConnectionTrait,
        topic: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<Staged> {
        if db.get_database_backend() == DbBackend::Postgres {
            tell_replicas(db, topic, body).await?;
            return Ok(Staged::default());
        }
        Ok(Staged(vec![Event {
            topic: topic.to_owned(),
            body,
        }]))
    }

    /// Hands staged events to this process's listeners, once their transaction committed.
    pub fn release(&self, staged: Staged) {
        for event in staged.0 {
            let _ = self.tx.send(Heard::Event(event));
        }
    }
}

/// Tells the other processes of a change this process has already acted on, in the caller's
/// transaction (heard once it commits). On SQLite there are no other processes.
pub async fn tell_replicas(
    db: &impl ConnectionTrait,
    topic: &str,
    body: serde_json::Value,
) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let payload = serde_json::to_string(&Event {
        topic: topic.to_owned(),
        body,
    })?;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await
    .context("Failed to send an event")?;
    Ok(())
}

async fn listen(db: DatabaseConnection, tx: broadcast::Sender<Heard>) {
    let pool = db.get_postgres_connection_pool().clone();
    loop {
        let mut listener = match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for events; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for events; trying again");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Listening again after a failure: what was sent meanwhile is unknown.
        let _ = tx.send(Heard::Gap);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<Event>(n.payload()) {
                    Ok(event) => {
                        let _ = tx.send(Heard::Event(event));
                    }
                    Err(e) => tracing::warn!(error = %e, "an event could not be read"),
                },
                // The connection was lost: listen afresh, and say so once listening again.
                Ok(None) => {
                    let _ = tx.send(Heard::Gap);
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "listening for events failed; starting again");
                    let _ = tx.send(Heard::Gap);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            }
        }
    }
}
