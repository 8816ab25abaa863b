//! `/invite?token=…`: someone invited to Carebase (staff or a patient) chooses a password and is
//! signed in.

use api_types::auth::AcceptInvitationRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::new_password::{check_new_password, NewPasswordFields};
use super::{role_label, use_auth};
use crate::api::{self, Loader};
use crate::components::common::{Loading, PageTitle, ProblemAlert};
use crate::forms::FieldErrors;
use crate::layouts::CenteredLayout;

#[component]
pub fn InvitationPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let token = Memo::new(move |_| query.with(|q| q.get("token")).unwrap_or_default());
    let preview = Loader::new(
        move || token.get(),
        move |token| async move { api::auth::preview_invitation(&auth.client(), &token).await },
    );
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let accept = Action::new_unsync(move |request: &AcceptInvitationRequest| {
        let request = request.clone();
        let navigate = navigate.clone();
        async move {
            let result = match api::auth::accept_invitation(&auth.client(), &request).await {
                Ok(tokens) => auth.finish_sign_in(tokens).await,
                Err(p) => Err(p),
            };
            match result {
                Ok(()) => navigate("/", Default::default()),
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = accept.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let chosen = password.get_untracked();
        if errors.check(check_new_password(
            "password",
            &chosen,
            &repeat.get_untracked(),
        )) {
            accept.dispatch(AcceptInvitationRequest {
                token: token.get_untracked(),
                password: chosen,
            });
        }
    };
    view! {
        <PageTitle text="Accept your invitation" />
        <CenteredLayout>
            {move || match preview.get() {
                None => view! { <Loading label="Checking your invitation…" /> }.into_any(),
                Some(Err(_)) => {
                    view! {
                        <h1 class="auth-title">"This invitation cannot be used"</h1>
                        <p class="muted">
                            "The link has expired, was already used, or was withdrawn. Ask the practice to send a new invitation."
                        </p>
                        <A href="/login" attr:class="button button-secondary">
                            "Go to sign in"
                        </A>
                    }
                        .into_any()
                }
                Some(Ok(invitation)) => {
                    view! {
                        <h1 class="auth-title">"Welcome, " {invitation.name.clone()}</h1>
                        <p class="muted">
                            "You have been invited to Carebase as "
                            {role_label(invitation.role).to_lowercase()}
                            ". Choose a password for "
                            <strong>{invitation.email.clone()}</strong>
                            " to finish setting up your account."
                        </p>
                        {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                        <form class="stack" on:submit=on_submit novalidate=true>
                            <NewPasswordFields field="password" password repeat errors />
                            <button
                                type="submit"
                                class="button button-primary button-block"
                                disabled=move || pending.get()
                            >
                                {move || {
                                    if pending.get() { "Setting up…" } else { "Set password and sign in" }
                                }}
                            </button>
                        </form>
                    }
                        .into_any()
                }
            }}
        </CenteredLayout>
    }
}
