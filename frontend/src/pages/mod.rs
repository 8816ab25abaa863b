//! Screens that belong to no single domain yet.

mod home;
mod not_found;

pub use home::Home;
pub use not_found::NotFound;
