//! Route guards: what to show while the session is being restored, where to send someone who is
//! signed out (and back again afterwards), and what a role may open. The server still decides
//! every request; these only decide what to show.

use api_types::{Permission, Role};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::use_auth;
use crate::components::common::{Loading, PageTitle};
use crate::layouts::AppShell;

/// Where the security page is, which an account that must enrol in MFA is sent to.
pub const SECURITY_PATH: &str = "/account/security";

fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..NavigateOptions::default()
    }
}

/// `/login`, remembering where to come back to.
fn login_path(back_to: &str) -> String {
    if back_to == "/" || back_to.is_empty() {
        "/login".to_owned()
    } else {
        format!(
            "/login?next={}",
            String::from(js_sys::encode_uri_component(back_to))
        )
    }
}

/// The page to open after signing in: `next` when the browser itself reads it as a page of this
/// app, else home. The check is the browser's own URL parser against this origin, so that forms
/// it treats as another site (`//host`, `/\\host`, tabs or newlines inside, `https:host`, …) can
/// never lead off-site; what is kept is the parsed path, query and fragment.
fn safe_next(next: Option<String>) -> String {
    let home = || "/".to_owned();
    let Some(next) = next.filter(|n| n.starts_with('/')) else {
        return home();
    };
    let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) else {
        return home();
    };
    let Ok(url) = web_sys::Url::new_with_base(&next, &origin) else {
        return home();
    };
    let path = url.pathname();
    if url.origin() != origin || path.starts_with("/login") || path.starts_with("//") {
        return home();
    }
    format!("{path}{}{}", url.search(), url.hash())
}

/// The signed-in part of the app: the shell, or a redirect to sign in (and back afterwards).
/// An account that must enrol in MFA first is sent to the security page.
#[component]
pub fn SignedInGate() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        // The router's `search` comes without its `?`.
        let search = location.search.get_untracked();
        let here = if search.is_empty() {
            location.pathname.get_untracked()
        } else {
            format!(
                "{}?{}",
                location.pathname.get_untracked(),
                search.trim_start_matches('?')
            )
        };
        match auth.is_signed_in() {
            Some(false) => {
                let target = if auth.take_deliberate_sign_out() {
                    "/login".to_owned()
                } else {
                    login_path(&here)
                };
                navigate(&target, replace());
            }
            Some(true) => {
                let must_enrol = auth.me().is_some_and(|me| me.mfa_enrollment_required);
                if must_enrol && location.pathname.get() != SECURITY_PATH {
                    navigate(SECURITY_PATH, replace());
                }
            }
            None => {}
        }
    });
    move || match auth.is_signed_in() {
        Some(true) => Either::Left(view! { <AppShell /> }),
        _ => Either::Right(view! { <Loading label="Loading…" /> }),
    }
}

/// A page for people who are not signed in. Someone who is goes on to `next`, or home.
#[component]
pub fn SignedOutGate(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        if auth.is_signed_in() == Some(true) {
            let next = safe_next(query.with_untracked(|q| q.get("next")));
            navigate(&next, replace());
        }
    });
    move || match auth.is_signed_in() {
        Some(false) => Either::Left(children()),
        _ => Either::Right(view! { <Loading label="Loading…" /> }),
    }
}

/// Shows `children` only to staff holding `permission`; anyone else is told they cannot open it.
#[component]
pub fn RequirePermission(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    move || match auth.me() {
        Some(me) if me.role.has(permission) => EitherOf3::A(children()),
        Some(_) => EitherOf3::B(view! { <NotAllowed /> }),
        None => EitherOf3::C(()),
    }
}

/// Shows `children` only to an account of one of `roles`.
#[component]
pub fn RequireRole(roles: &'static [Role], children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    move || match auth.me() {
        Some(me) if roles.contains(&me.role) => EitherOf3::A(children()),
        Some(_) => EitherOf3::B(view! { <NotAllowed /> }),
        None => EitherOf3::C(()),
    }
}

/// Staff roles, for pages of the practice side.
pub const STAFF: &[Role] = &[
    Role::Admin,
    Role::Practitioner,
    Role::Nurse,
    Role::Receptionist,
];

#[component]
fn NotAllowed() -> impl IntoView {
    view! {
        <PageTitle text="Not available" />
        <div class="page">
            <h1 class="page-title">"Not available to your account"</h1>
            <p class="muted">
                "Your role does not include this part of Carebase. If you need it, ask your practice administrator."
            </p>
        </div>
    }
}
