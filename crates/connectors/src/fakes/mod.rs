//! Local servers that play the providers, speaking their real protocols, so tests exercise the
//! production clients end to end.

pub mod google;
pub mod http;
pub mod smtp;
pub mod transcription;
pub mod twilio;
pub mod withings;
