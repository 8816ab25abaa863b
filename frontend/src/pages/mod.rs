//! Screens that belong to no single domain: home and not-found.

mod home;
mod not_found;

pub use home::Home;
pub use not_found::{NotFound, NotFoundInShell};
