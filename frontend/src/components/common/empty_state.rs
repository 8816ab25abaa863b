//! What a list or tab says when there is nothing in it yet.

use leptos::prelude::*;

#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(optional, into)] detail: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <p class="empty-state-title">{title}</p>
            {detail.map(|d| view! { <p class="muted">{d}</p> })}
            {children.map(|c| c())}
        </div>
    }
}
