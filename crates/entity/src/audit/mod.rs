pub mod event;
pub mod pending;
