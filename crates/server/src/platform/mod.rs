//! Cross-cutting machinery every domain uses: configuration, the database, errors, who is
//! calling, field encryption, tokens, rate limits, HTTP hardening and telemetry.

pub mod config;
pub mod crypto;
pub mod csv;
pub mod db;
pub mod errors;
pub mod export;
pub mod http;
pub mod idempotency;
pub mod principal;
pub mod rate_limit;
pub mod state;
pub mod telemetry;
pub mod tokens;
pub mod unreadable;
pub mod zip_stream;

pub use errors::{ApiError, ApiResult};
pub use principal::{require, Authorized, ClientInfo, Principal};
pub use state::AppState;
