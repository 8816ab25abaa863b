//! Per-address rate limits for sign-in and the other public account endpoints, counted in the
//! database so that every replica shares them: one row per address and minute, incremented
//! atomically (`INSERT … ON CONFLICT DO UPDATE … RETURNING`). The quota holds over any sixty
//! seconds, estimated from this minute's count and the part of the last minute's still within
//! them, so a burst across a minute's turn counts whole. Time is the database's, so replicas whose
//! clocks differ still count the same minutes.

use std::sync::atomic::{AtomicI64, Ordering};

use api_types::ErrorCode;
use entity::platform::rate_limit_window;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

use super::errors::ApiError;

pub struct RateLimits {
    per_minute: i64,
    /// The last minute this process cleared old counts.
    pruned: AtomicI64,
}

/// How many minutes of counts are kept.
const KEEP_MINUTES: i64 = 5;

impl RateLimits {
    pub fn new(auth_per_minute: u32) -> RateLimits {
        RateLimits {
            per_minute: i64::from(auth_per_minute.max(1)),
            pruned: AtomicI64::new(0),
        }
    }

    /// Counts one sign-in-class request from `ip`; refuses with 429 past the quota, with
    /// `Retry-After` the seconds until enough of the counted requests are a minute old.
    pub async fn check_auth(
        &self,
        db: &impl ConnectionTrait,
        ip: Option<&str>,
    ) -> Result<(), ApiError> {
        let now = database_now(db).await?;
        let (minute, second) = (now.div_euclid(60), now.rem_euclid(60));
        let key = format!("auth:{}", ip.unwrap_or("unknown"));
        let hits = count(db, &key, minute).await?;
        let before = rate_limit_window::Entity::find_by_id((key, minute - 1))
            .one(db)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_or(0, |w| i64::from(w.hits));
        if self.pruned.swap(minute, Ordering::Relaxed) != minute {
            rate_limit_window::Entity::delete_many()
                .filter(rate_limit_window::Column::Minute.lt(minute - KEEP_MINUTES))
                .exec(db)
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
        }
        // This minute's hits, and the last minute's in the share of it still within sixty
        // seconds.
        if hits * 60 + before * (60 - second) > self.per_minute * 60 {
            return Err(ApiError::retry_after(
                ErrorCode::RateLimited,
                u64::try_from(60 - second).unwrap_or(1),
            ));
        }
        Ok(())
    }
}

/// The database's clock, in Unix seconds.
async fn database_now(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) AS t",
        _ => "SELECT CAST(strftime('%s', 'now') AS INTEGER) AS t",
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the database gave no time")))?;
    row.try_get::<i64>("", "t")
        .map_err(|e| ApiError::Internal(e.into()))
}

/// Adds one hit to `key`'s count for `minute` and returns the new count.
async fn count(db: &impl ConnectionTrait, key: &str, minute: i64) -> Result<i64, ApiError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO rate_limit_windows (key, minute, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key, minute) DO UPDATE SET hits = rate_limit_windows.hits + 1 \
             RETURNING hits"
        }
        _ => {
            "INSERT INTO rate_limit_windows (key, minute, hits) VALUES (?, ?, 1) \
             ON CONFLICT (key, minute) DO UPDATE SET hits = rate_limit_windows.hits + 1 \
             RETURNING hits"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [key.into(), minute.into()],
        ))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("the rate-limit count was not returned"))
        })?;
    let hits: i32 = row
        .try_get("", "hits")
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(i64::from(hits))
}
