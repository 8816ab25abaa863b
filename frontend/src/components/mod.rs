//! Components shared across domains.

pub mod common;
