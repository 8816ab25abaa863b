//! Per-address rate limits for sign-in and other public endpoints (GCRA, via `governor`).

use std::num::NonZeroU32;

use api_types::ErrorCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::errors::ApiError;

pub struct RateLimits {
    auth: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    pub fn new(auth_per_minute: u32) -> RateLimits {
        let n = NonZeroU32::new(auth_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        RateLimits {
            auth: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// Counts one sign-in-class request from `ip`; refuses with 429 past the quota.
    pub fn check_auth(&self, ip: Option<&str>) -> Result<(), ApiError> {
        let key = ip.unwrap_or("unknown").to_owned();
        self.auth.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::retry_after(ErrorCode::RateLimited, wait.as_secs() + 1)
        })?;
        if self.auth.len() > 100_000 {
            self.auth.retain_recent();
        }
        Ok(())
    }
}
