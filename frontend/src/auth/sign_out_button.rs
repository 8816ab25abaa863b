//! Signs out of this session.

use leptos::prelude::*;

use super::use_auth;

#[component]
pub fn SignOutButton() -> impl IntoView {
    let auth = use_auth();
    // Once the session is cleared, the route guard takes the person to the sign-in page.
    let sign_out = Action::new_unsync(move |_: &()| async move { auth.sign_out().await });
    let pending = sign_out.pending();
    view! {
        <button
            type="button"
            class="button button-secondary button-small"
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
            on:click=move |_| {
                sign_out.dispatch(());
            }
        >
            {move || if pending.get() { "Signing out…" } else { "Sign out" }}
        </button>
    }
}
