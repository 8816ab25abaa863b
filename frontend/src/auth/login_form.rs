//! The email and password step of signing in.

use api_types::auth::{LoginRequest, LoginResponse};
use api_types::validation;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

use super::use_auth;
use crate::api;
use crate::components::common::{ProblemAlert, TextField};

#[component]
pub fn LoginForm(
    /// Called with the challenge's token when the account needs an MFA code to finish.
    on_mfa_required: Callback<String>,
) -> impl IntoView {
    let auth = use_auth();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let password_error = RwSignal::new(None::<String>);

    let sign_in = Action::new_unsync(move |request: &LoginRequest| {
        let request = request.clone();
        async move {
            match api::auth::login(&auth.client(), &request).await? {
                LoginResponse::Tokens(tokens) => auth.finish_sign_in(tokens).await,
                LoginResponse::MfaRequired(challenge) => {
                    on_mfa_required.run(challenge.mfa_token);
                    Ok(())
                }
            }
        }
    });
    let pending = sign_in.pending();
    let problem = move || {
        if pending.get() {
            return None;
        }
        sign_in.value().get().and_then(Result::err)
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let address = email.get_untracked().trim().to_owned();
        let secret = password.get_untracked();
        let address_problem = validation::email(&address)
            .err()
            .map(|(_, message)| message);
        let secret_problem = secret.is_empty().then(|| "Enter your password.".to_owned());
        let valid = address_problem.is_none() && secret_problem.is_none();
        email_error.set(address_problem);
        password_error.set(secret_problem);
        if valid {
            sign_in.dispatch(LoginRequest {
                email: address,
                password: secret,
            });
        }
    };

    view! {
        <h1 class="auth-title">"Sign in"</h1>
        <p class="muted">"Use the email address and password for your Carebase account."</p>
        {move || problem().map(|problem| view! { <ProblemAlert problem /> })}
        <form class="stack" on:submit=on_submit novalidate=true>
            <TextField
                id="login-email"
                label="Email"
                input_type="email"
                autocomplete="username"
                value=email
                error=email_error
            />
            <TextField
                id="login-password"
                label="Password"
                input_type="password"
                autocomplete="current-password"
                value=password
                error=password_error
            />
            <button
                type="submit"
                class="button button-primary button-block"
                disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()
            >
                {move || if pending.get() { "Signing in…" } else { "Sign in" }}
            </button>
        </form>
        <p class="auth-footer">
            <A href="/forgot-password">"Forgot your password?"</A>
        </p>
    }
}
