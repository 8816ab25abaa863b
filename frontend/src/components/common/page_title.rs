//! Sets the document title, which browsers and screen readers announce on navigation.

use leptos::prelude::*;

#[component]
pub fn PageTitle(
    /// The page's name; the product name is added.
    #[prop(into)]
    text: Signal<String>,
) -> impl IntoView {
    Effect::new(move |_| document().set_title(&format!("{} · Carebase", text.get())));
}
