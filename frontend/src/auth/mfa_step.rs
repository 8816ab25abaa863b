//! The second step of signing in: a code from an authenticator app, or a recovery code.

use api_types::auth::MfaVerifyRequest;
use api_types::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;

use super::use_auth;
use crate::api;
use crate::components::common::{ProblemAlert, TextField};

#[component]
pub fn MfaStep(
    /// The challenge's token from the password step.
    mfa_token: String,
    /// Goes back to the password step, for another account or an expired challenge.
    on_restart: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let use_recovery_code = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let input = NodeRef::<Input>::new();

    let verify = Action::new_unsync(move |request: &MfaVerifyRequest| {
        let request = request.clone();
        async move {
            let tokens = api::auth::verify_mfa(&auth.client(), &request).await?;
            auth.finish_sign_in(tokens).await
        }
    });
    let pending = verify.pending();
    let problem = move || {
        if pending.get() {
            return None;
        }
        verify.value().get().and_then(Result::err)
    };
    // The challenge has expired or was used up: only starting again helps.
    let challenge_expired = move || problem().is_some_and(|p| p.code == ErrorCode::InvalidToken);

    // Put the cursor in the code field on arrival and whenever the kind of code changes.
    Effect::new(move |_| {
        use_recovery_code.track();
        if let Some(element) = input.get() {
            let _ = element.focus();
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let entered: String = code
            .get_untracked()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let invalid = if use_recovery_code.get_untracked() {
            entered
                .is_empty()
                .then(|| "Enter one of your recovery codes.".to_owned())
        } else {
            (entered.len() != 6 || !entered.bytes().all(|b| b.is_ascii_digit()))
                .then(|| "Enter the 6 digits shown in your authenticator app.".to_owned())
        };
        let valid = invalid.is_none();
        code_error.set(invalid);
        if valid {
            verify.dispatch(MfaVerifyRequest {
                mfa_token: mfa_token.clone(),
                code: entered,
            });
        }
    };

    let toggle = move |_| {
        use_recovery_code.update(|on| *on = !*on);
        code.set(String::new());
        code_error.set(None);
        verify.clear();
    };

    view! {
        <h1 class="auth-title">"Two-step verification"</h1>
        <p id="mfa-instructions" class="muted">
            {move || {
                if use_recovery_code.get() {
                    "Enter one of the recovery codes you saved when you set up two-step verification. Each code works once."
                } else {
                    "Enter the 6-digit code from your authenticator app."
                }
            }}
        </p>
        {move || problem().map(|problem| view! { <ProblemAlert problem /> })}
        <form class="stack" on:submit=on_submit novalidate=true>
            <TextField
                id="mfa-code"
                label=Signal::derive(move || {
                    if use_recovery_code.get() { "Recovery code" } else { "Authentication code" }
                })
                autocomplete=Signal::derive(move || {
                    if use_recovery_code.get() { "off" } else { "one-time-code" }
                })
                inputmode=Signal::derive(move || {
                    if use_recovery_code.get() { "text" } else { "numeric" }
                })
                value=code
                error=code_error
                node_ref=input
            />
            <button
                type="submit"
                class="button button-primary button-block"
                disabled=move || pending.get() || challenge_expired()
                aria-busy=move || pending.get().to_string()
            >
                {move || if pending.get() { "Verifying…" } else { "Verify" }}
            </button>
        </form>
        <div class="auth-actions">
            <button type="button" class="link-button" on:click=toggle>
                {move || {
                    if use_recovery_code.get() {
                        "Use your authenticator app instead"
                    } else {
                        "Use a recovery code instead"
                    }
                }}
            </button>
            <button type="button" class="link-button" on:click=move |_| on_restart.run(())>
                {move || {
                    if challenge_expired() { "Start again" } else { "Sign in as someone else" }
                }}
            </button>
        </div>
    }
}
