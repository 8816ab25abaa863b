//! A single card in the middle of the page, under the product name.

use leptos::prelude::*;

#[component]
pub fn CenteredLayout(children: Children) -> impl IntoView {
    view! {
        <div class="centered-layout">
            <main id="main" class="centered-main">
                <p class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Carebase"
                </p>
                <div class="card">{children()}</div>
            </main>
        </div>
    }
}
