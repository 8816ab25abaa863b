//! Patients: demographics (stored as one encrypted document per patient), search through blind
//! indexes, archive and restore, the care team, and who may see clinical content.

pub mod access;
pub mod queries;
pub mod routes;
pub mod search;

pub use routes::configure;
