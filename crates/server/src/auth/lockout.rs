//! Progressive lockout after repeated failed sign-ins, kept per email whether or not an account
//! has it, so the response never reveals which accounts exist.

use api_types::ErrorCode;
use chrono::{Duration, Utc};
use entity::auth::login_attempt;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::platform::{ApiError, ApiResult};

/// Failures allowed before the first lock.
pub const THRESHOLD: i32 = 5;
const MAX_LOCK_MINUTES: i64 = 60;

/// Refuses while the email is locked.
pub async fn check(db: &impl ConnectionTrait, email_bidx: &str) -> ApiResult<()> {
    if let Some(a) = login_attempt::Entity::find_by_id(email_bidx)
        .one(db)
        .await?
    {
        if let Some(until) = a.locked_until {
            let now = Utc::now();
            if until > now {
                let secs = (until - now).num_seconds().max(1) as u64;
                return Err(ApiError::retry_after(ErrorCode::TooManyAttempts, secs));
            }
        }
    }
    Ok(())
}

/// Counts a failure; from the fifth, locks for 1, 2, 4 … minutes, up to an hour.
pub async fn record_failure(db: &impl ConnectionTrait, email_bidx: &str) -> ApiResult<()> {
    let now = Utc::now();
    let existing = login_attempt::Entity::find_by_id(email_bidx)
        .one(db)
        .await?;
    let failures = existing.as_ref().map_or(0, |a| a.failures) + 1;
    let locked_until = (failures >= THRESHOLD).then(|| {
        let minutes = 1i64 << (failures - THRESHOLD).min(6);
        now + Duration::minutes(minutes.min(MAX_LOCK_MINUTES))
    });
    let model = login_attempt::ActiveModel {
        email_bidx: Set(email_bidx.to_owned()),
        failures: Set(failures),
        locked_until: Set(locked_until),
        last_failure_at: Set(now),
    };
    if existing.is_some() {
        model.update(db).await?;
    } else {
        login_attempt::Entity::insert(model).exec(db).await?;
    }
    Ok(())
}

pub async fn clear(db: &impl ConnectionTrait, email_bidx: &str) -> ApiResult<()> {
    login_attempt::Entity::delete_by_id(email_bidx)
        .exec(db)
        .await?;
    Ok(())
}
