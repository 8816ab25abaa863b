//! `/forgot-password`: asks for a reset link by email.

use api_types::auth::PasswordResetRequest;
use api_types::validation;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

use super::use_auth;
use crate::api;
use crate::components::common::{PageTitle, ProblemAlert, TextField};
use crate::layouts::CenteredLayout;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let auth = use_auth();
    let email = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let send = Action::new_unsync(move |request: &PasswordResetRequest| {
        let request = request.clone();
        async move { api::auth::request_password_reset(&auth.client(), &request).await }
    });
    let pending = send.pending();
    let sent = move || matches!(send.value().get(), Some(Ok(())));
    let problem = move || send.value().get().and_then(Result::err);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let address = email.get_untracked().trim().to_owned();
        match validation::email(&address) {
            Ok(()) => {
                email_error.set(None);
                send.dispatch(PasswordResetRequest { email: address });
            }
            Err((_, message)) => email_error.set(Some(message)),
        }
    };
    view! {
        <PageTitle text="Reset your password" />
        <CenteredLayout>
            <h1 class="auth-title">"Reset your password"</h1>
            <Show
                when=sent
                fallback=move || {
                    view! {
                        <p class="muted">
                            "Enter the email address of your account and we will send you a link to choose a new password."
                        </p>
                        {move || problem().map(|problem| view! { <ProblemAlert problem /> })}
                        <form class="stack" on:submit=on_submit novalidate=true>
                            <TextField
                                id="reset-email"
                                label="Email"
                                input_type="email"
                                autocomplete="username"
                                value=email
                                error=email_error
                            />
                            <button
                                type="submit"
                                class="button button-primary button-block"
                                disabled=move || pending.get()
                            >
                                {move || if pending.get() { "Sending…" } else { "Send the link" }}
                            </button>
                        </form>
                    }
                }
            >
                <div class="alert alert-success" role="status">
                    <p class="alert-title">"Check your email"</p>
                    <p class="alert-body">
                        "If an account uses that address, a link to reset its password is on its way. The link works for one hour."
                    </p>
                </div>
            </Show>
            <p class="auth-footer">
                <A href="/login">"Back to sign in"</A>
            </p>
        </CenteredLayout>
    }
}
