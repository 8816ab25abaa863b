//! The ground floor: machinery every domain uses and that knows no domain — configuration, the
//! database, errors, the client's address, field encryption, rate limits, HTTP hardening, CSV and
//! streamed archives, and telemetry.

pub mod client;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod db;
pub mod errors;
pub mod events;
pub mod export;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod rate_limit;
pub mod rotation;
pub mod shutdown;
pub mod telemetry;
pub mod unreadable;
pub mod zip_stream;

pub use client::ClientInfo;
pub use errors::{ApiError, ApiResult};
pub use ids::{AppointmentId, PatientId, UserId};
