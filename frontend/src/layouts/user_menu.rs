//! The signed-in person's menu: their profile, security, and signing out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{role_label, use_auth};

#[component]
pub fn UserMenu() -> impl IntoView {
    let auth = use_auth();
    let open = RwSignal::new(false);
    let sign_out = Action::new_unsync(move |_: &()| async move { auth.sign_out().await });
    let pending = sign_out.pending();
    let initials = move || {
        auth.me()
            .map(|me| {
                me.name
                    .split_whitespace()
                    .filter_map(|w| w.chars().next())
                    .take(2)
                    .collect::<String>()
                    .to_uppercase()
            })
            .unwrap_or_default()
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    view! {
        <div class="user-menu" on:keydown=on_keydown>
            <button
                type="button"
                class="user-menu-button"
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-controls="user-menu-panel"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="avatar" aria-hidden="true">{initials}</span>
                // Named "<name> (account menu)"; on phones only the initials show.
                <span class="user-menu-name">{move || auth.me().map(|me| me.name)}</span>
                <span class="visually-hidden">" (account menu)"</span>
            </button>
            <Show when=move || open.get()>
                <div class="menu-backdrop" on:click=move |_| open.set(false)></div>
                <div class="menu" id="user-menu-panel">
                    {move || {
                        auth.me()
                            .map(|me| {
                                view! {
                                    <div class="menu-header">
                                        <p class="menu-name">{me.name.clone()}</p>
                                        <p class="muted menu-detail">{me.email.clone()}</p>
                                        <p class="muted menu-detail">{role_label(me.role)}</p>
                                    </div>
                                }
                            })
                    }}
                    <ul class="menu-list">
                        <li>
                            <A href="/account/profile" attr:class="menu-item" on:click=move |_| open.set(false)>
                                "Profile"
                            </A>
                        </li>
                        <li>
                            <A href="/account/security" attr:class="menu-item" on:click=move |_| open.set(false)>
                                "Security"
                            </A>
                        </li>
                        <li>
                            <button
                                type="button"
                                class="menu-item"
                                disabled=move || pending.get()
                                on:click=move |_| {
                                    open.set(false);
                                    sign_out.dispatch(());
                                }
                            >
                                {move || if pending.get() { "Signing out…" } else { "Sign out" }}
                            </button>
                        </li>
                    </ul>
                </div>
            </Show>
        </div>
    }
}
