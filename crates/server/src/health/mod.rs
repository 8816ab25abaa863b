//! Health data: the metric catalogue, observations from people and devices, charts downsampled
//! on the server, target ranges by age, sex and condition, alerts for critical readings, and
//! trends.

pub mod alerts;
pub mod ingest;
pub mod routes;
pub mod series;
pub mod targets;

pub use routes::configure;
