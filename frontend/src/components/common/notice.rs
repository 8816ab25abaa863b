//! Information the person should act on, less urgent than an error.

use leptos::prelude::*;

#[component]
pub fn Notice(
    /// The notice in a few words.
    title: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="alert alert-info" role="note">
            <p class="alert-title">{title}</p>
            <div class="alert-body">{children()}</div>
        </div>
    }
}
