//! Screens that belong to no single domain: home and not-found.

mod home;
mod not_found;
mod today;

use home::Home;
use leptos::prelude::*;

/// The signed-in landing page: the staff dashboard or the portal's home. Its code arrives the
/// first time it is opened.
#[cfg_attr(feature = "split", leptos::lazy(dashboard))]
pub async fn home() -> AnyView {
    view! { <Home /> }.into_any()
}
pub use not_found::{NotFound, NotFoundInShell};
