//! Sets the document title, which browsers and screen readers announce on navigation.

use leptos::prelude::*;

#[component]
pub fn PageTitle(
    /// The page's name; the product name is added.
    text: &'static str,
) -> impl IntoView {
    document().set_title(&format!("{text} · Carebase"));
}
