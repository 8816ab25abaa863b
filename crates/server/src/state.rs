//! Everything a request handler may need, shared across workers.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::audit::AuditLog;
use crate::auth::{JwtKeys, Passwords};
use crate::platform::config::Settings;
use crate::platform::crypto::Crypto;
use crate::platform::events::Events;
use crate::platform::rate_limit::RateLimits;
use crate::platform::shutdown::Draining;
use crate::platform::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub crypto: Arc<Crypto>,
    pub jwt: Arc<JwtKeys>,
    pub audit: AuditLog,
    pub limits: Arc<RateLimits>,
    pub metrics: Arc<Metrics>,
    pub passwords: Arc<Passwords>,
    /// Clients for the outside services the practice has connected.
    pub integrations: Arc<crate::integrations::Clients>,
    /// Events between this process and the other replicas.
    pub events: Events,
    /// Set when the process is stopping.
    pub draining: Draining,
    /// Patient searches whose count recently reached its cap.
    pub capped_counts: Arc<crate::patients::CappedCounts>,
}

impl AppState {
    /// The state one HTTP worker serves requests with: on PostgreSQL, with a pool of its own
    /// (its share of `database_max_connections`) opened by the worker's own event loop (see
    /// [`crate::platform::db::worker_pool`]), and an audit writer of its own on that loop with a
    /// connection of its own; background work keeps the shared pool and writer.
    pub fn for_worker(&self) -> AppState {
        if self.settings.database_url.is_none() {
            return self.clone();
        }
        let url = self.settings.database_url();
        if tokio::runtime::Handle::try_current().is_err() {
            return self.clone();
        }
        let share = self.settings.database_max_connections() / http_workers() as u32;
        let pool = |size: u32| crate::platform::db::worker_pool(&url, size);
        match pool(share.max(2)).and_then(|db| Ok((db, pool(1)?))) {
            Ok((Some(db), Some(audit_db))) => AppState {
                db,
                audit: self.audit.on_this_thread(audit_db),
                ..self.clone()
            },
            Ok(_) => self.clone(),
            Err(e) => {
                tracing::warn!(error = %e, "a worker's pool could not be made; using the shared one");
                self.clone()
            }
        }
    }

    /// Builds the state, starts the audit writer on its own connection, and starts listening
    /// for the other replicas' events.
    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        audit_db: DatabaseConnection,
        crypto: Crypto,
    ) -> anyhow::Result<AppState> {
        let jwt = JwtKeys::new(crypto.jwt_secret(), settings.access_token_ttl_secs);
        let integrations = crate::integrations::Clients::new(&settings)?;
        let events = Events::start(&db);
        crate::auth::follow_revocations(events.subscribe());
        Ok(AppState {
            draining: Draining::default(),
            capped_counts: Arc::default(),
            events,
            integrations: Arc::new(integrations),
            audit: AuditLog::start(audit_db, settings.audit_reads_flushed)
                .guarded_by(crate::patients::erasure_fence()),
            limits: Arc::new(RateLimits::new(settings.auth_rate_per_minute)),
            metrics: Arc::new(Metrics::new()?),
            passwords: Arc::new(Passwords::new()?),
            jwt: Arc::new(jwt),
            crypto: Arc::new(crypto),
            settings: Arc::new(settings),
            db,
        })
    }
}

/// How many HTTP workers serve requests: one per processor.
pub fn http_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
