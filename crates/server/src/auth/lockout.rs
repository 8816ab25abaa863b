//! Progressive lockout after repeated failures, counted atomically in the database so that
//! parallel requests and several replicas lose no count.
//!
//! - Password failures count per email (blind-indexed), whether or not an account has it, so the
//!   answer never reveals which accounts exist.
//! - Second-factor failures count per account, on their own: a correct password never clears
//!   them, only a correct code does. While the second factor is locked, the account's sign-in is
//!   refused at the password step too, so a new challenge cannot be had to keep guessing.
//!
//! Both lock from the fifth failure for 1, 2, 4 … minutes, up to an hour.

use api_types::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use entity::auth::{login_attempt, mfa_attempt};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value};
use uuid::Uuid;

use crate::platform::{ApiError, ApiResult};

/// Failures allowed before the first lock.
pub const THRESHOLD: i32 = 5;
const MAX_LOCK_MINUTES: i64 = 60;

fn refuse_until(until: Option<DateTime<Utc>>) -> ApiResult<()> {
    let now = Utc::now();
    match until {
        Some(until) if until > now => {
            let secs = (until - now).num_seconds().max(1) as u64;
            Err(ApiError::retry_after(ErrorCode::TooManyAttempts, secs))
        }
        _ => Ok(()),
    }
}

/// How long the `failures`-th failure locks for, if it does.
fn lock_for(failures: i32) -> Option<Duration> {
    (failures >= THRESHOLD).then(|| {
        let minutes = 1i64 << (failures - THRESHOLD).min(6);
        Duration::minutes(minutes.min(MAX_LOCK_MINUTES))
    })
}

/// Adds one failure to `table`'s row for `key` in one statement, and locks it when the new
/// count calls for it. Returns the count.
async fn count_failure(
    db: &impl ConnectionTrait,
    table: &str,
    key_column: &str,
    key: Value,
) -> ApiResult<i32> {
    let now = Utc::now();
    let backend = db.get_database_backend();
    let p = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let sql = format!(
        "INSERT INTO {table} ({key_column}, failures, locked_until, last_failure_at) \
         VALUES ({}, 1, NULL, {}) \
         ON CONFLICT ({key_column}) DO UPDATE SET failures = {table}.failures + 1, \
         last_failure_at = excluded.last_failure_at RETURNING failures",
        p(1),
        p(2)
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [key.clone(), now.into()],
        ))
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("failure count not returned")))?;
    let failures: i32 = row.try_get("", "failures")?;
    if let Some(d) = lock_for(failures) {
        let sql = format!(
            "UPDATE {table} SET locked_until = {} WHERE {key_column} = {}",
            p(1),
            p(2)
        );
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [(now + d).into(), key],
        ))
        .await?;
    }
    Ok(failures)
}

/// Refuses while the email is locked.
pub async fn check(db: &impl ConnectionTrait, email_bidx: &str) -> ApiResult<()> {
    let row = login_attempt::Entity::find_by_id(email_bidx)
        .one(db)
        .await?;
    refuse_until(row.and_then(|a| a.locked_until))
}

/// Counts a failed password for the email.
pub async fn record_failure(db: &impl ConnectionTrait, email_bidx: &str) -> ApiResult<()> {
    count_failure(db, "login_attempts", "email_bidx", email_bidx.into()).await?;
    Ok(())
}

pub async fn clear(db: &impl ConnectionTrait, email_bidx: &str) -> ApiResult<()> {
    login_attempt::Entity::delete_by_id(email_bidx)
        .exec(db)
        .await?;
    Ok(())
}

/// Refuses while the account's second factor is locked.
pub async fn check_second_factor(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    let row = mfa_attempt::Entity::find_by_id(user_id).one(db).await?;
    refuse_until(row.and_then(|a| a.locked_until))
}

/// Counts a wrong second-factor code for the account.
pub async fn record_second_factor_failure(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> ApiResult<()> {
    count_failure(db, "mfa_attempts", "user_id", user_id.into()).await?;
    Ok(())
}

/// A correct code: the account's second-factor failures are forgotten.
pub async fn clear_second_factor(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    mfa_attempt::Entity::delete_by_id(user_id).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_for_a_minute_and_each_after_doubles_it_up_to_an_hour() {
        assert_eq!(lock_for(4), None);
        assert_eq!(lock_for(5), Some(Duration::minutes(1)));
        assert_eq!(lock_for(6), Some(Duration::minutes(2)));
        assert_eq!(lock_for(9), Some(Duration::minutes(16)));
        assert_eq!(lock_for(11), Some(Duration::minutes(60)));
        assert_eq!(lock_for(40), Some(Duration::minutes(60)));
    }
}
