//! Health data. Observation values are numbers in clear, so that the database can range-scan
//! and aggregate them; the patient they belong to is identified only by id, whose demographics
//! are encrypted. Free-text notes (`_enc`) are encrypted.

pub mod alert;
pub mod observation;
pub mod observation_rollup;
pub mod observation_source;
pub mod target_override;
pub mod target_profile;
