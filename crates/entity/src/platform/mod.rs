pub mod idempotency_key;
pub mod rate_limit_window;
