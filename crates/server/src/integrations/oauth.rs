//! The `state` of an OAuth consent flow (Withings, Google): signed, expiring, bound to the
//! browser that started it, and good for one callback.
//!
//! Starting a flow signs the fields the callback needs with a fresh nonce, and sets that nonce
//! in a cookie scoped to the callbacks' path (`SameSite=Lax`, so the browser sends it on the
//! provider's redirect back). The callback accepts a state only if its signature holds, it has
//! not expired, the browser presents the same nonce, and the nonce was never used before (the
//! nonce is recorded in the same moment it is accepted). A state copied into another browser, or
//! replayed, connects nothing.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::HttpRequest;
use chrono::{Duration, Utc};
use entity::integrations::oauth_state_used;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::platform::ApiResult;
use crate::AppState;

/// Where the callbacks live; the cookie goes nowhere else.
const COOKIE_PATH: &str = "/api/v1/integrations";

fn cookie_name(provider: &str) -> String {
    format!("carebase_oauth_{provider}")
}

/// A new `state` for `provider` carrying `fields`, valid for `minutes`, and the cookie that binds
/// it to the caller's browser.
pub fn start(
    state: &AppState,
    provider: &str,
    fields: &[&str],
    minutes: i64,
) -> (String, Cookie<'static>) {
    let value = state.crypto.sign_state(&domain(provider), fields, minutes);
    let nonce = nonce_of(&value).unwrap_or_default().to_owned();
    let cookie = Cookie::build(cookie_name(provider), nonce)
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(state.settings.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::minutes(minutes))
        .finish();
    (value, cookie)
}

/// The fields of a callback's `state`, if it is genuine, current, from the browser that started
/// the flow, and used for the first time. Each state works once.
pub async fn finish(
    state: &AppState,
    req: &HttpRequest,
    provider: &str,
    value: &str,
    count: usize,
) -> ApiResult<Option<Vec<String>>> {
    let Some(fields) = state.crypto.verify_state(&domain(provider), value, count) else {
        return Ok(None);
    };
    let Some(nonce) = nonce_of(value) else {
        return Ok(None);
    };
    let bound = req
        .cookie(&cookie_name(provider))
        .is_some_and(|c| constant_time_eq(c.value().as_bytes(), nonce.as_bytes()));
    if !bound {
        return Ok(None);
    }
    let now = Utc::now();
    // States live minutes; their nonces need not be kept for long after.
    oauth_state_used::Entity::delete_many()
        .filter(oauth_state_used::Column::UsedAt.lt(now - Duration::days(1)))
        .exec(&state.db)
        .await?;
    let first_use = oauth_state_used::Entity::insert(oauth_state_used::ActiveModel {
        nonce: sea_orm::ActiveValue::Set(nonce.to_owned()),
        used_at: sea_orm::ActiveValue::Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&state.db)
    .await?;
    let first_use = matches!(first_use, sea_orm::TryInsertResult::Inserted(1));
    Ok(first_use.then_some(fields))
}

/// Clears the binding cookie once the callback has been handled.
pub fn clear(state: &AppState, provider: &str) -> Cookie<'static> {
    let mut cookie = Cookie::build(cookie_name(provider), "")
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(state.settings.cookie_secure)
        .same_site(SameSite::Lax)
        .finish();
    cookie.make_removal();
    cookie
}

fn domain(provider: &str) -> String {
    format!("{provider}.oauth_state")
}

/// The nonce of a signed state: `fields….expiry.nonce.mac`.
fn nonce_of(value: &str) -> Option<&str> {
    let (payload, _mac) = value.rsplit_once('.')?;
    payload.rsplit_once('.').map(|(_, nonce)| nonce)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
