//! Clients for the services Carebase talks to. Each is a trait with a real implementation whose
//! address is configurable, so tests can run the production code against a local server that
//! plays the provider. Nothing in here knows about the database.

pub mod email;
pub mod google;
pub mod mailgun;
pub mod transcription;
pub mod twilio;
pub mod withings;

#[cfg(feature = "fakes")]
pub mod fakes;
