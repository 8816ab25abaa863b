//! `/account/security`: two-step verification (set up with a QR code, recovery codes shown once),
//! and the places this account is signed in.

use api_types::auth::{MfaCodeRequest, TotpEnrollResponse};
use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, Notice, PageTitle, ProblemAlert, SkeletonRows, TextField,
};
use crate::format;
use crate::forms::FieldErrors;

/// Where setting up two-step verification stands.
#[derive(Debug, Clone, PartialEq)]
enum Setup {
    Idle,
    /// A secret was issued; waiting for the first code.
    Scanning(TotpEnrollResponse),
    /// Confirmed: the recovery codes, shown this once.
    Codes(Vec<String>),
}

/// `data:` URL for the server's QR code, shown as an image so that its markup is never parsed
/// into the page.
fn svg_data_url(svg: &str) -> String {
    format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(svg))
    )
}

/// Digits only, as people type codes with spaces.
fn digits(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let auth = use_auth();
    let must_enrol = move || auth.me().is_some_and(|me| me.mfa_enrollment_required);
    view! {
        <PageTitle text="Security" />
        <div class="page page-narrow">
            <h1 class="page-title">"Security"</h1>
            <Show when=must_enrol>
                <Notice title="Set up two-step verification to continue">
                    <p>
                        "Your practice requires two-step verification for your role. Set it up below; the rest of Carebase opens as soon as it is on."
                    </p>
                </Notice>
            </Show>
            <TwoStep />
            <Show when=move || !must_enrol()>
                <Sessions />
            </Show>
        </div>
    }
}

#[component]
fn TwoStep() -> impl IntoView {
    let auth = use_auth();
    let setup = RwSignal::new(Setup::Idle);
    let problem = RwSignal::new(None);
    let enabled = move || auth.me().is_some_and(|me| me.mfa_enabled);

    let start = Action::new_unsync(move |_: &()| async move {
        problem.set(None);
        match api::auth::totp_enroll(&auth.client()).await {
            Ok(enrolment) => setup.set(Setup::Scanning(enrolment)),
            Err(p) => problem.set(Some(p)),
        }
    });

    view! {
        <section class="card" aria-labelledby="mfa-heading">
            <h2 id="mfa-heading" class="card-title">"Two-step verification"</h2>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            {move || match setup.get() {
                Setup::Codes(codes) => view! { <RecoveryCodesView codes setup /> }.into_any(),
                Setup::Scanning(enrolment) => view! { <ScanStep enrolment setup /> }.into_any(),
                Setup::Idle if enabled() => {
                    view! {
                        <p>
                            <span class="badge badge-success">"On"</span>
                            " Signing in asks for a code from your authenticator app."
                        </p>
                        <ManageTwoStep setup />
                    }
                        .into_any()
                }
                Setup::Idle => {
                    view! {
                        <p>
                            <span class="badge badge-muted">"Off"</span>
                            " Protect your account with a code from an authenticator app (such as Google Authenticator, Microsoft Authenticator or 1Password) each time you sign in."
                        </p>
                        <button
                            type="button"
                            class="button button-primary"
                            disabled=move || start.pending().get()
                            on:click=move |_| {
                                start.dispatch(());
                            }
                        >
                            "Set up two-step verification"
                        </button>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn ScanStep(enrolment: TotpEnrollResponse, setup: RwSignal<Setup>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let code = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let input = NodeRef::<Input>::new();
    let confirm = Action::new_unsync(move |code: &String| {
        let request = MfaCodeRequest { code: code.clone() };
        async move {
            match api::auth::totp_confirm(&auth.client(), &request).await {
                Ok(codes) => {
                    auth.reload_me().await;
                    toasts.success("Two-step verification is on.");
                    setup.set(Setup::Codes(codes.recovery_codes));
                }
                Err(p) => {
                    problem.set(Some(api_types::Problem {
                        detail: Some("That code did not match. Check the time on your phone, and enter the newest code.".to_owned()),
                        ..p
                    }));
                }
            }
        }
    });
    let pending = confirm.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let entered = digits(&code.get_untracked());
        if entered.len() == 6 && entered.chars().all(|c| c.is_ascii_digit()) {
            errors.clear();
            confirm.dispatch(entered);
        } else {
            errors.show(vec![api_types::FieldError {
                field: "code".to_owned(),
                code: "invalid".to_owned(),
                message: "Enter the 6-digit code your app shows.".to_owned(),
            }]);
        }
    };
    let secret = enrolment.secret.clone();
    view! {
        <ol class="steps">
            <li>
                <p>"Scan this QR code with your authenticator app."</p>
                <img
                    class="qr-code"
                    src=svg_data_url(&enrolment.qr_svg)
                    alt="QR code for your authenticator app"
                    width="200"
                    height="200"
                />
                <details class="details-disclosure">
                    <summary>"Can't scan it? Enter a key instead"</summary>
                    <p>"Setup key:"</p>
                    <p>
                        <code class="secret" data-testid="totp-secret">{secret}</code>
                    </p>
                </details>
            </li>
            <li>
                <p>"Enter the 6-digit code the app shows for Carebase."</p>
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <form class="stack" on:submit=on_submit novalidate=true>
                    <TextField
                        id="enrol-code"
                        label="Authentication code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        value=code
                        error=errors.of("code")
                        node_ref=input
                    />
                    <div class="form-actions">
                        <button type="button" class="button button-secondary" on:click=move |_| setup.set(Setup::Idle)>
                            "Cancel"
                        </button>
                        <button type="submit" class="button button-primary" disabled=move || pending.get()>
                            {move || if pending.get() { "Checking…" } else { "Turn on" }}
                        </button>
                    </div>
                </form>
            </li>
        </ol>
    }
}

#[component]
fn RecoveryCodesView(codes: Vec<String>, setup: RwSignal<Setup>) -> impl IntoView {
    let text = codes.join("\n");
    let for_download = text.clone();
    view! {
        <div class="alert alert-warning" role="note">
            <p class="alert-title">"Save your recovery codes"</p>
            <p class="alert-body">
                "If you lose your phone, each of these codes signs you in once. They are shown only now: keep them somewhere safe, such as a password manager."
            </p>
        </div>
        <ul class="recovery-codes" aria-label="Recovery codes">
            {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ul>
        <div class="form-actions form-actions-start">
            <button
                type="button"
                class="button button-secondary"
                on:click=move |_| format::download("carebase-recovery-codes.txt", "text/plain", &for_download)
            >
                "Download"
            </button>
            <button type="button" class="button button-secondary" on:click=move |_| format::copy_to_clipboard(&text)>
                "Copy"
            </button>
            <button type="button" class="button button-primary" on:click=move |_| setup.set(Setup::Idle)>
                "I have saved them"
            </button>
        </div>
    }
}

/// With MFA on: new recovery codes, or turning it off. Both need a current code.
#[component]
fn ManageTwoStep(setup: RwSignal<Setup>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let code = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let act = Action::new_unsync(move |(disable, code): &(bool, String)| {
        let (disable, request) = (*disable, MfaCodeRequest { code: code.clone() });
        async move {
            if disable {
                match api::auth::totp_disable(&auth.client(), &request).await {
                    Ok(()) => {
                        auth.reload_me().await;
                        toasts.success("Two-step verification is off.");
                    }
                    Err(p) => problem.set(errors.absorb(p)),
                }
            } else {
                match api::auth::regenerate_recovery_codes(&auth.client(), &request).await {
                    Ok(codes) => setup.set(Setup::Codes(codes.recovery_codes)),
                    Err(p) => problem.set(errors.absorb(p)),
                }
            }
        }
    });
    let submit = move |disable: bool| {
        problem.set(None);
        let entered = digits(&code.get_untracked());
        if entered.is_empty() {
            errors.show(vec![api_types::FieldError {
                field: "code".to_owned(),
                code: "required".to_owned(),
                message: "Enter a code from your authenticator app first.".to_owned(),
            }]);
            return;
        }
        errors.clear();
        act.dispatch((disable, entered));
    };
    view! {
        {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
        <form class="stack" on:submit=move |ev: SubmitEvent| ev.prevent_default() novalidate=true>
            <TextField
                id="manage-code"
                label="Current authentication code"
                autocomplete="one-time-code"
                inputmode="numeric"
                hint="Needed to make either change."
                value=code
                error=errors.of("code")
            />
            <div class="form-actions form-actions-start">
                <button
                    type="button"
                    class="button button-secondary"
                    disabled=move || act.pending().get()
                    on:click=move |_| submit(false)
                >
                    "Get new recovery codes"
                </button>
                <button
                    type="button"
                    class="button button-danger-outline"
                    disabled=move || act.pending().get()
                    on:click=move |_| submit(true)
                >
                    "Turn off"
                </button>
            </div>
        </form>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let sessions = Loader::new(
        || (),
        move |()| async move { api::auth::sessions(&auth.client()).await },
    );
    let revoke = Action::new_unsync(move |id: &uuid::Uuid| {
        let id = *id;
        async move {
            match api::auth::revoke_session(&auth.client(), id).await {
                Ok(()) => {
                    toasts.success("That session has been signed out.");
                    sessions.reload();
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading" class="card-title">"Where you're signed in"</h2>
            {move || match sessions.get() {
                None => view! { <SkeletonRows rows=2 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) => {
                    view! {
                        <ul class="plain-list">
                            {list
                                .into_iter()
                                .map(|s| {
                                    let id = s.id;
                                    view! {
                                        <li class="list-row">
                                            <span>
                                                <span class="list-primary" title=s.user_agent.clone()>
                                                    {s
                                                        .user_agent
                                                        .as_deref()
                                                        .map_or_else(|| "Unknown browser".to_owned(), format::browser)}
                                                </span>
                                                <br />
                                                <span class="muted list-secondary">
                                                    {s.ip.clone().unwrap_or_default()} " · last active "
                                                    {format::date_time(s.last_used_at)}
                                                </span>
                                            </span>
                                            {if s.current {
                                                view! { <span class="badge badge-success">"This session"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <button
                                                        type="button"
                                                        class="button button-ghost button-small"
                                                        on:click=move |_| {
                                                            revoke.dispatch(id);
                                                        }
                                                    >
                                                        "Sign out"
                                                    </button>
                                                }
                                                    .into_any()
                                            }}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
