//! The frame around every signed-in screen: the header with who is signed in, then the page.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::auth::{role_label, use_auth, SignOutButton};

#[component]
pub fn AppShell() -> impl IntoView {
    let auth = use_auth();
    // The route guard renders this only for a signed-in session.
    let me = move || auth.me();
    let area = move || {
        me().map(|me| {
            if me.role.is_staff() {
                "Practice"
            } else {
                "Patient portal"
            }
        })
    };
    view! {
        <a class="skip-link" href="#main">
            "Skip to main content"
        </a>
        <header class="app-header">
            <div class="app-header-inner">
                <div class="app-header-start">
                    <A href="/" attr:class="brand">
                        <span class="brand-mark" aria-hidden="true"></span>
                        "Carebase"
                    </A>
                    <span class="app-area">{area}</span>
                </div>
                <div class="app-header-end">
                    {move || {
                        me().map(|me| {
                            view! {
                                <p class="app-user">
                                    <span class="app-user-name">{me.name}</span>
                                    <span class="app-user-role">{role_label(me.role)}</span>
                                </p>
                            }
                        })
                    }}
                    <SignOutButton />
                </div>
            </div>
        </header>
        <main id="main" class="app-main" tabindex="-1">
            <Outlet />
        </main>
    }
}
