//! Placeholders in the shape of what is loading, so that the page does not jump when it arrives.

use leptos::prelude::*;

/// Grey bars where rows of a table or list will be.
#[component]
pub fn SkeletonRows(#[prop(default = 5)] rows: usize) -> impl IntoView {
    view! {
        <div class="skeleton" role="status" aria-label="Loading">
            {(0..rows).map(|_| view! { <div class="skeleton-row"></div> }).collect_view()}
        </div>
    }
}
