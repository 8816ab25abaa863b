//! A line icon from the app's small set.

use leptos::prelude::*;

use crate::layouts::nav::Icon;

#[component]
pub fn IconSvg(icon: Icon) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="20"
            height="20"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            <path d=icon.0></path>
        </svg>
    }
}
