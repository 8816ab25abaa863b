//! Shown for any address the app does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::common::PageTitle;
use crate::layouts::CenteredLayout;

/// For someone signed out: a card on its own.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <PageTitle text="Page not found" />
        <CenteredLayout>
            <h1 class="auth-title">"Page not found"</h1>
            <p class="muted">"There is nothing at this address. Check it, or start again from the home page."</p>
            <A href="/" attr:class="button button-primary">
                "Go to the home page"
            </A>
        </CenteredLayout>
    }
}

/// For someone signed in: inside the app, so the navigation stays at hand.
#[component]
pub fn NotFoundInShell() -> impl IntoView {
    view! {
        <PageTitle text="Page not found" />
        <div class="page">
            <h1 class="page-title">"Page not found"</h1>
            <p class="muted">"There is nothing at this address. Check it, or start again from the home page."</p>
            <A href="/" attr:class="button button-primary">
                "Go to the home page"
            </A>
        </div>
    }
}
