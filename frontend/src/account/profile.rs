//! `/account/profile`: who you are signed in as, and changing your password.

use api_types::auth::ChangePasswordRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api;
use crate::auth::{check_new_password, role_label, use_auth, NewPasswordFields};
use crate::components::common::{use_toasts, PageTitle, ProblemAlert, TextField};
use crate::forms::FieldErrors;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="Profile" />
        <div class="page page-narrow">
            <h1 class="page-title">"Profile"</h1>
            {move || {
                auth.me()
                    .map(|me| {
                        view! {
                            <section class="card" aria-labelledby="me-heading">
                                <h2 id="me-heading" class="card-title">"Your account"</h2>
                                <dl class="details">
                                    <div>
                                        <dt>"Name"</dt>
                                        <dd>{me.name.clone()}</dd>
                                    </div>
                                    <div>
                                        <dt>"Email"</dt>
                                        <dd>{me.email.clone()}</dd>
                                    </div>
                                    <div>
                                        <dt>"Role"</dt>
                                        <dd>{role_label(me.role)}</dd>
                                    </div>
                                </dl>
                                <p class="field-hint">
                                    {if me.role.is_staff() {
                                        "To change your name or email address, ask a practice administrator."
                                    } else {
                                        "To change your name, ask the practice. You can update your contact details under My details."
                                    }}
                                </p>
                            </section>
                        }
                    })
            }}
            <ChangePassword />
        </div>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let current = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |request: &ChangePasswordRequest| {
        let request = request.clone();
        async move {
            match api::auth::change_password(&auth.client(), &request).await {
                Ok(()) => {
                    current.set(String::new());
                    password.set(String::new());
                    repeat.set(String::new());
                    toasts.success(
                        "Your password has been changed. Your other sessions were signed out.",
                    );
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let new_password = password.get_untracked();
        let mut checked =
            check_new_password("new_password", &new_password, &repeat.get_untracked());
        if current.get_untracked().is_empty() {
            let mut list = checked.err().unwrap_or_default();
            list.insert(
                0,
                api_types::FieldError {
                    field: "current_password".to_owned(),
                    code: "required".to_owned(),
                    message: "Enter your current password.".to_owned(),
                },
            );
            checked = Err(list);
        }
        if errors.check(checked) {
            save.dispatch(ChangePasswordRequest {
                current_password: current.get_untracked(),
                new_password,
            });
        }
    };
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading" class="card-title">"Change your password"</h2>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <form class="stack" on:submit=on_submit novalidate=true>
                <TextField
                    id="current_password"
                    label="Current password"
                    input_type="password"
                    autocomplete="current-password"
                    required=true
                    value=current
                    error=errors.of("current_password")
                />
                <NewPasswordFields field="new_password" password repeat errors />
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Change password" }}
                    </button>
                </div>
            </form>
        </section>
    }
}
