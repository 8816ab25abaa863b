#![allow(clippy::unwrap_used, clippy::expect_used)] // Test fixtures fail loudly.

//! Integration tests: each test starts the real service on its own port with its own database
//! (PostgreSQL when `CAREBASE_TEST_DATABASE_URL` is set, otherwise a fresh SQLite file) and talks
//! to it over HTTP.

mod helpers;

mod alerts;
mod assessments;
mod audit;
mod audit_coverage;
mod auth;
mod authorization;
mod calls;
mod cli;
mod consents;
mod correspondence;
mod crash;
mod credentials;
mod devices;
mod disk;
mod documents;
mod exports;
mod google_calendar;
mod grants;
mod handover;
mod health;
mod inbound_email;
mod input;
mod integrations;
mod invitations;
mod jobs;
mod medications;
mod messaging;
mod mfa;
mod notes;
mod ops;
mod outbox;
mod patients;
mod phi;
mod proxied;
mod races;
mod references;
mod replicas;
mod requests;
mod retention;
mod scheduling;
mod tokens;
mod upgrade;
