//! Database connections: PostgreSQL in production, a SQLite file as the embedded default.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

/// Opens a pool. SQLite gets one connection, shared by requests, the audit writer and the
/// background workers: it has one writer at a time anyway, and a single connection means a
/// transaction never fails to upgrade its lock because another connection wrote meanwhile.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let sqlite = url.starts_with("sqlite:");
    if sqlite {
        ensure_sqlite_dir(url)?;
    }
    let mut opt = ConnectOptions::new(url.to_owned());
    opt.max_connections(if sqlite { 1 } else { max_connections })
        .min_connections(if sqlite { 1 } else { 2.min(max_connections) })
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // A connection in steady use is not pinged before each use, which would double every
        // query's round trips; one idle for a while is, in case the server went away meanwhile.
        .test_before_acquire_if_idle_for(IDLE_PING)
        .sqlx_logging(false);
    let db = Database::connect(opt)
        .await
        .context("Failed to connect to the database")?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .await
        .context("Failed to configure SQLite")?;
    }
    Ok(db)
}

/// How long a pooled connection may sit unused before it is pinged before its next use.
const IDLE_PING: Duration = Duration::from_secs(30);

/// A pool of its own for one HTTP worker, on PostgreSQL; `None` on SQLite, whose one connection
/// is shared by everything. Each worker thread runs its own event loop, and a connection is
/// served by the loop that opened it: with a pool shared by all workers, every answer from the
/// database to a request on one worker wakes another worker's thread first. This pool opens
/// its connections lazily, so the worker that uses them opens them.
pub fn worker_pool(url: &str, max_connections: u32) -> anyhow::Result<Option<DatabaseConnection>> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
    if !url.starts_with("postgres") {
        return Ok(None);
    }
    let options: PgConnectOptions = url.parse().context("Invalid database address")?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_PING {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(options.disable_statement_logging());
    Ok(Some(
        sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
    ))
}

/// The audit writer's connection. On SQLite it is the request pool's single connection, so every
/// write to the file goes through one connection and concurrent requests wait their turn instead
/// of failing with `SQLITE_BUSY`; on PostgreSQL it is a small pool of its own, so appends never
/// wait behind requests.
pub async fn connect_audit(
    url: &str,
    requests: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    if requests.get_database_backend() == DbBackend::Sqlite {
        Ok(requests.clone())
    } else {
        connect(url, 2).await
    }
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("Failed to create {}", dir.display()))?;
        }
    }
    Ok(())
}

/// The advisory lock replicas take while migrating.
const MIGRATION_LOCK: i64 = 0x4341_5245_4d49_4752;

/// Applies pending migrations. On PostgreSQL, under a session-level advisory lock held on a
/// connection of its own, so that replicas starting together apply each migration once: the
/// others wait, then find nothing left to do.
///
/// A database a newer release has migrated is served as it is, without migrating: migrations
/// are expand-then-contract, so during a rolling upgrade the previous release still reads and
/// writes the new schema, and a replica of it that restarts must come back.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    use migration::MigratorTrait;
    if db.get_database_backend() != DbBackend::Postgres {
        if ahead_of_this_release(db).await? {
            return Ok(());
        }
        return migration::Migrator::up(db, None)
            .await
            .context("Failed to run database migrations");
    }
    let pool = db.get_postgres_connection_pool();
    let mut holder = pool
        .acquire()
        .await
        .context("Failed to reserve a connection for the migration lock")?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *holder)
        .await
        .context("Failed to take the migration lock")?;
    let outcome = match ahead_of_this_release(db).await {
        Ok(true) => Ok(()),
        Ok(false) => migration::Migrator::up(db, None)
            .await
            .context("Failed to run database migrations"),
        Err(e) => Err(e),
    };
    let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *holder)
        .await;
    if let Err(e) = unlocked {
        // Closing the connection releases it too.
        tracing::warn!(error = %e, "the migration lock was not released; closing its connection");
        holder.detach();
    }
    outcome
}

/// Whether a newer release has migrated the database: it holds migrations this release does
/// not know. Then every migration this release knows must be applied too (a newer release only
/// adds to them), or the database is refused.
async fn ahead_of_this_release(db: &DatabaseConnection) -> anyhow::Result<bool> {
    use migration::MigratorTrait;
    let rows = match db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
    {
        Ok(rows) => rows,
        // A new database: nothing is migrated yet.
        Err(_) => return Ok(false),
    };
    let applied: std::collections::HashSet<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String>("", "version").ok())
        .collect();
    let known: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let newer = applied.iter().filter(|v| !known.contains(v)).count();
    if newer == 0 {
        return Ok(false);
    }
    let missing: Vec<&String> = known.iter().filter(|k| !applied.contains(*k)).collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "the database holds {newer} migrations of a newer release but lacks {missing:?} of this one"
        );
    }
    tracing::warn!(
        newer,
        "the database was migrated by a newer release: serving it as it is"
    );
    Ok(true)
}

/// What destroying (part of) a record removed: rows, and of them the files.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Destroyed {
    pub rows: u64,
    pub files: u64,
}

impl std::ops::AddAssign for Destroyed {
    fn add_assign(&mut self, other: Destroyed) {
        self.rows += other.rows;
        self.files += other.files;
    }
}

impl From<u64> for Destroyed {
    /// Rows that held no file.
    fn from(rows: u64) -> Destroyed {
        Destroyed { rows, files: 0 }
    }
}

/// Deletes every row of each listed entity (modules of the `entity` crate, with a
/// `patient_id` column) that is about the patient `$id`, and answers how many went. For a
/// domain destroying its part of a record; the caller imports the entities and `ColumnTrait`,
/// `EntityTrait` and `QueryFilter`.
#[macro_export]
macro_rules! delete_patient_rows {
    ($db:expr, $id:expr, [$($table:ident),* $(,)?]) => {{
        let mut rows: u64 = 0;
        $(
            rows += $table::Entity::delete_many()
                .filter($table::Column::PatientId.eq($id))
                .exec($db)
                .await?
                .rows_affected;
        )*
        rows
    }};
}

/// Takes a transaction-level lock on `id` within `namespace`, so that concurrent transactions
/// working on the same thing (a patient's alerts, say) run one after the other. On PostgreSQL an
/// advisory lock, released at commit or rollback; SQLite has a single connection, so its write
/// transactions are serialised already.
pub async fn lock(
    txn: &impl ConnectionTrait,
    namespace: u64,
    id: uuid::Uuid,
) -> anyhow::Result<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let (hi, lo) = id.as_u64_pair();
    let key = (hi ^ lo ^ namespace) as i64;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
        .await
        .context("Failed to take a lock")?;
    Ok(())
}

/// Whether the database answers, within two seconds. A pooled connection the server ended while
/// it sat idle fails at once and is dropped; the next one is tried, so connections left over
/// from an outage the database has recovered from do not read as the database being down.
/// The question goes to the database itself: the driver's own ping takes a connection that has
/// just heard from the server at its word (`vendor/README.md`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    let attempts = async {
        for _ in 0..PING_ATTEMPTS {
            if db.execute_unprepared("SELECT 1").await.is_ok() {
                return true;
            }
        }
        false
    };
    tokio::time::timeout(Duration::from_secs(2), attempts)
        .await
        .unwrap_or(false)
}

/// More than the pool keeps open while idle, so every stale connection can be passed over.
const PING_ATTEMPTS: usize = 4;

/// On PostgreSQL, `query` with all its values written into its text, quoted by the query
/// builder: for statements whose limits sit inside subqueries (the patient list's pages of ids
/// and its capped counts), which [`page_of`]'s appended `LIMIT` cannot reach, and which would be
/// planned again on every call for the same reason. SQLite keeps its parameters: it plans no
/// differently, and it keeps ids as bytes that a written-in id would not match.
pub fn with_values_written_in(
    db: &impl ConnectionTrait,
    query: &impl sea_orm::StatementBuilder,
) -> sea_orm::Statement {
    let backend = db.get_database_backend();
    let statement = query.build(&backend);
    match backend {
        DbBackend::Postgres => sea_orm::Statement::from_string(backend, statement.to_string()),
        _ => statement,
    }
}

/// One page of `select`, its size and place written into the statement's text rather than
/// bound: PostgreSQL then plans the statement, prepared once per connection, for a small page
/// (`LIMIT $1 OFFSET $2` is planned again on every call: a plan made for any limit cannot know
/// that the page is small, so the planner never settles on one). Its other values stay
/// parameters, so the text is the same whichever record the page is of.
pub async fn page_of<E: sea_orm::EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    limit: u64,
    offset: u64,
) -> Result<Vec<E::Model>, sea_orm::DbErr> {
    use sea_orm::QueryTrait;
    let mut statement = select.build(db.get_database_backend());
    statement.sql = format!("{} LIMIT {limit} OFFSET {offset}", statement.sql);
    E::find().from_raw_sql(statement).all(db).await
}

/// One page of `select` in the order `order` gives it, with how many rows `select` has in all.
/// A page that is not full tells the total itself, so only a full page (or an empty one past
/// the start) is counted: a record with fewer rows than a page costs one query, not two.
pub async fn counted_page<E: sea_orm::EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    order: impl FnOnce(sea_orm::Select<E>) -> sea_orm::Select<E>,
    limit: u64,
    offset: u64,
) -> Result<(u64, Vec<E::Model>), sea_orm::DbErr>
where
    E::Model: Sync,
{
    use sea_orm::PaginatorTrait;
    let rows = page_of(db, order(select.clone()), limit, offset).await?;
    let shown = rows.len() as u64;
    let total = if shown < limit && (shown > 0 || offset == 0) {
        offset + shown
    } else {
        PaginatorTrait::count(select, db).await?
    };
    Ok((total, rows))
}
