//! Shown for any address the app does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::common::PageTitle;
use crate::layouts::CenteredLayout;

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
