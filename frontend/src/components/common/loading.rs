//! A loading indicator that screen readers announce.

use leptos::prelude::*;

#[component]
pub fn Loading(
    /// What is loading, said in words.
    label: &'static str,
) -> impl IntoView {
    view! {
        <div class="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}
