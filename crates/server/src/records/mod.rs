//! Operations on a patient's whole record, above the other domains: today the export ("download
//! my data"). It never reads another domain's tables: each domain adds its own part through its
//! `export_patient`, reading with the exporter's own access, exactly as its API does.

mod export;

pub use export::configure;
