//! `/reset-password?token=…`: chooses a new password from an emailed link.

use api_types::auth::PasswordResetConfirm;
use api_types::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::new_password::{check_new_password, NewPasswordFields};
use super::use_auth;
use crate::api;
use crate::components::common::{PageTitle, ProblemAlert};
use crate::forms::FieldErrors;
use crate::layouts::CenteredLayout;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let done = RwSignal::new(false);
    let save = Action::new_unsync(move |request: &PasswordResetConfirm| {
        let request = request.clone();
        async move {
            match api::auth::confirm_password_reset(&auth.client(), &request).await {
                Ok(()) => done.set(true),
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let new_password = password.get_untracked();
        if errors.check(check_new_password(
            "new_password",
            &new_password,
            &repeat.get_untracked(),
        )) {
            save.dispatch(PasswordResetConfirm {
                token: token(),
                new_password,
            });
        }
    };
    let link_expired = move || {
        problem.with(|p| {
            p.as_ref()
                .is_some_and(|p| p.code == ErrorCode::InvalidToken)
        })
    };
    view! {
        <PageTitle text="Choose a new password" />
        <CenteredLayout>
            <h1 class="auth-title">"Choose a new password"</h1>
            <Show
                when=move || !done.get()
                fallback=|| {
                    view! {
                        <div class="alert alert-success" role="status">
                            <p class="alert-title">"Your password has been changed"</p>
                            <p class="alert-body">"Every other session on your account has been signed out."</p>
                        </div>
                        <a href="/login" class="button button-primary button-block">
                            "Sign in"
                        </a>
                    }
                }
            >
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <Show when=link_expired>
                    <p>
                        <a href="/forgot-password">"Ask for a new link"</a>
                    </p>
                </Show>
                <form class="stack" on:submit=on_submit novalidate=true>
                    <NewPasswordFields field="new_password" password repeat errors />
                    <button
                        type="submit"
                        class="button button-primary button-block"
                        disabled=move || pending.get()
                    >
                        {move || if pending.get() { "Saving…" } else { "Save the new password" }}
                    </button>
                </form>
            </Show>
        </CenteredLayout>
    }
}
