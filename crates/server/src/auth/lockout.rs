//! Progressive lockout after repeated failures, counted atomically in the database so that
//! parallel requests and several replicas lose no count: each attempt is counted before it is
//! evaluated, in the statement that checks the lock, so a burst of parallel guesses gets no more
//! evaluated than a patient guesser would.
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

/// An attempt reserved before it is evaluated: counted as a failure at once, with the lock its
/// count calls for, so that attempts made in parallel (from any number of addresses or replicas)
/// are never evaluated more times than the lockout allows, and an attempt abandoned half-way
/// counts as the failure it may have been. A success forgets the count
/// ([`Attempt::succeeded`]); a failure leaves it as it is ([`Attempt::failed`]).
#[must_use = "an attempt ends as succeeded or failed"]
pub struct Attempt {
    table: &'static str,
    key_column: &'static str,
    key: Value,
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// The count from which the lock grows no longer; each count from the threshold to it has its own.
const LONGEST_AT: i32 = THRESHOLD + 6;

/// Counts one attempt on `table`'s row for `key`, in one statement, unless the row is locked;
/// from the threshold on, the same statement sets the lock the new count calls for, so no
/// parallel attempt passes while this one is evaluated. Refused (429) while locked.
async fn reserve(
    db: &impl ConnectionTrait,
    table: &'static str,
    key_column: &'static str,
    key: Value,
) -> ApiResult<Attempt> {
    let now = Utc::now();
    let backend = db.get_database_backend();
    let p = |n| placeholder(backend, n);
    // Parameters: 1 key, 2 now (the failure), 3 now (a lock ended by then is over), then the
    // lock's end for each count from the longest down to the threshold.
    let locks: String = (THRESHOLD..=LONGEST_AT)
        .rev()
        .enumerate()
        .map(|(i, count)| {
            let test = if count == LONGEST_AT { ">=" } else { "=" };
            format!(
                "WHEN {table}.failures + 1 {test} {count} THEN {} ",
                p(4 + i)
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({key_column}, failures, locked_until, last_failure_at) \
         VALUES ({}, 1, NULL, {}) \
         ON CONFLICT ({key_column}) DO UPDATE SET failures = {table}.failures + 1, \
         last_failure_at = excluded.last_failure_at, \
         locked_until = CASE {locks}ELSE {table}.locked_until END \
         WHERE {table}.locked_until IS NULL OR {table}.locked_until <= {} \
         RETURNING failures",
        p(1),
        p(2),
        p(3),
    );
    let mut values: Vec<Value> = vec![key.clone(), now.into(), now.into()];
    for count in (THRESHOLD..=LONGEST_AT).rev() {
        let d = lock_for(count).unwrap_or_default();
        values.push((now + d).into());
    }
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    if row.is_none() {
        // Locked: say for how long.
        let sql = format!(
            "SELECT locked_until FROM {table} WHERE {key_column} = {}",
            p(1)
        );
        let until = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [key]))
            .await?
            .and_then(|r| r.try_get::<Option<DateTime<Utc>>>("", "locked_until").ok())
            .flatten();
        refuse_until(until)?;
        return Err(ApiError::retry_after(ErrorCode::TooManyAttempts, 1));
    }
    Ok(Attempt {
        table,
        key_column,
        key,
    })
}

impl Attempt {
    /// The attempt failed: it stays counted, with the lock its count set.
    pub fn failed(self) {}

    /// The attempt succeeded: the failures counted so far are forgotten.
    pub async fn succeeded(self, db: &impl ConnectionTrait) -> ApiResult<()> {
        let backend = db.get_database_backend();
        let sql = format!(
            "DELETE FROM {} WHERE {} = {}",
            self.table,
            self.key_column,
            placeholder(backend, 1)
        );
        db.execute_raw(Statement::from_sql_and_values(backend, sql, [self.key]))
            .await?;
        Ok(())
    }
}

/// Reserves a password attempt for the email: refused while the email is locked.
pub async fn attempt_password(db: &impl ConnectionTrait, email_bidx: &str) -> ApiResult<Attempt> {
    reserve(db, "login_attempts", "email_bidx", email_bidx.into()).await
}

/// Forgets the email's password failures (its password was reset).
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

/// Reserves a second-factor attempt for the account: refused while its second factor is locked.
pub async fn attempt_second_factor(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<Attempt> {
    reserve(db, "mfa_attempts", "user_id", user_id.into()).await
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
