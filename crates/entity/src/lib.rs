//! SeaORM entities, one module per domain. Columns ending in `_enc` hold AES-256-GCM ciphertext
//! (see the server's `platform::crypto`); columns ending in `_bidx` hold keyed blind-index hashes
//! used to find encrypted values without decrypting them.

pub mod audit;
pub mod auth;
pub mod clinical;
pub mod comms;
pub mod health;
pub mod integrations;
pub mod patients;
pub mod platform;
pub mod records;
pub mod scheduling;
pub mod settings;
pub mod users;
