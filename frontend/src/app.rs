//! The router: who may see which screen.

use leptos::prelude::*;
use leptos_router::components::{ProtectedParentRoute, ProtectedRoute, Route, Router, Routes};
use leptos_router::{path, MatchNestedRoutes};

use crate::auth::{provide_auth, use_auth, LoginPage};
use crate::components::common::Loading;
use crate::layouts::AppShell;
use crate::pages::{Home, NotFound};

#[component]
pub fn App() -> impl IntoView {
    provide_auth();
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <SignedOutRoutes />
                <SignedInRoutes />
            </Routes>
        </Router>
    }
}

/// Screens for people who are not signed in. Someone who is signed in goes home instead.
#[component(transparent)]
fn SignedOutRoutes() -> impl MatchNestedRoutes + Clone {
    let auth = use_auth();
    view! {
        <ProtectedRoute
            path=path!("/login")
            view=LoginPage
            condition=move || auth.is_signed_in().map(|signed_in| !signed_in)
            redirect_path=|| "/"
            fallback=|| view! { <Loading label="Loading…" /> }
        />
    }
    .into_inner()
}

/// Screens inside the app shell, for signed-in people only. The server still checks every
/// permission; this only decides what to show.
#[component(transparent)]
fn SignedInRoutes() -> impl MatchNestedRoutes + Clone {
    let auth = use_auth();
    view! {
        <ProtectedParentRoute
            path=path!("")
            view=AppShell
            condition=move || auth.is_signed_in()
            redirect_path=|| "/login"
            fallback=|| view! { <Loading label="Loading…" /> }
        >
            <Route path=path!("") view=Home />
        </ProtectedParentRoute>
    }
    .into_inner()
}
