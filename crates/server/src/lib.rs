//! Carebase: practice management and patient care for clinics.
//!
//! One folder per domain (`auth`, `users`, `patients`, `audit`, `comms`, `settings`, `ops`),
//! each with its routes, queries and logic; cross-cutting machinery in `platform`.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clinical;
pub mod comms;
pub mod health;
pub mod integrations;
pub mod ops;
pub mod patients;
pub mod platform;
pub mod records;
pub mod scheduling;
pub mod seed;
pub mod settings;
pub mod state;
pub mod users;

pub use state::AppState;
