//! `/admin/integrations`: the outside services the practice connects — their credentials,
//! entered here and kept encrypted, a check that the provider accepts them, and removal.

use api_types::integrations::{ConnectionCheck, CredentialSource, Integration, SaveCredentials};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, PageTitle, ProblemAlert, SkeletonRows, TextField};
use crate::format;
use crate::forms::FieldErrors;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let auth = use_auth();
    let list = Loader::new(
        || (),
        move |()| async move { api::admin::integrations(&auth.client()).await },
    );
    view! {
        <PageTitle text="Integrations" />
        <div class="page page-narrow">
            <h1 class="page-title">"Integrations"</h1>
            <p class="muted">
                "Connect the outside services Carebase works with. Credentials are kept encrypted; secrets are never shown again once saved."
            </p>
            {move || match list.get() {
                None => view! { <SkeletonRows rows=6 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(items)) => items
                    .into_iter()
                    .map(|integration| view! { <IntegrationCard integration list /> })
                    .collect_view()
                    .into_any(),
            }}
        </div>
    }
}

fn status_badge(source: CredentialSource) -> impl IntoView {
    match source {
        CredentialSource::None => view! { <span class="badge badge-muted">"Not set up"</span> },
        CredentialSource::App => view! { <span class="badge badge-success">"Set up"</span> },
        CredentialSource::Config => {
            view! { <span class="badge badge-success">"Set in the server's configuration"</span> }
        }
    }
}

fn check_line(check: &ConnectionCheck) -> impl IntoView {
    let class = if check.ok {
        "alert alert-success"
    } else {
        "alert alert-error"
    };
    let when = format::date_time(check.checked_at);
    let message = check.message.clone();
    view! {
        <p class=class role="status">
            {if check.ok { "Connection works: " } else { "Connection failed: " }}
            {message}
            <span class="muted">{format!(" (checked {when})")}</span>
        </p>
    }
}

#[component]
fn IntegrationCard(integration: Integration, list: Loader<Vec<Integration>>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let provider = integration.provider;
    let source = integration.source;
    let secrets_set = integration.secrets_set.clone();
    let fields: Vec<(api_types::integrations::ProviderField, RwSignal<String>)> = provider
        .fields()
        .iter()
        .map(|f| {
            let initial = if f.secret {
                String::new()
            } else {
                integration.values.get(f.name).cloned().unwrap_or_default()
            };
            (*f, RwSignal::new(initial))
        })
        .collect();
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let last_check = RwSignal::new(integration.last_check.clone());

    let save = Action::new_unsync(move |request: &SaveCredentials| {
        let request = request.clone();
        async move {
            match api::admin::save_integration(&auth.client(), provider, &request).await {
                Ok(_) => {
                    toasts.success(format!("{} credentials saved.", provider.name()));
                    list.reload();
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let check = Action::new_unsync(move |_: &()| async move {
        match api::admin::check_integration(&auth.client(), provider).await {
            Ok(outcome) => last_check.set(Some(outcome)),
            Err(p) => problem.set(Some(p)),
        }
    });
    let remove = Action::new_unsync(move |_: &()| async move {
        match api::admin::remove_integration(&auth.client(), provider).await {
            Ok(()) => {
                toasts.success(format!("{} credentials removed.", provider.name()));
                list.reload();
            }
            Err(p) => problem.set(Some(p)),
        }
    });
    let saving = save.pending();
    let checking = check.pending();

    let form_fields = fields.clone();
    let kept = secrets_set.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let request = SaveCredentials {
            values: form_fields
                .iter()
                .map(|(f, v)| (f.name.to_owned(), v.get_untracked().trim().to_owned()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        };
        if errors.check(request.validate(provider, &kept)) {
            save.dispatch(request);
        }
    };
    let on_remove = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(&format!(
                    "Remove the {} credentials? {} stops working until they are entered again; \
                     connections already made are kept.",
                    provider.name(),
                    provider.name()
                ))
                .ok()
            })
            .unwrap_or(false);
        if confirmed {
            remove.dispatch(());
        }
    };

    let heading_id = format!("integration-{}", provider.as_str());
    let labelled_by = heading_id.clone();
    let saved_by = match (&integration.updated_at, &integration.updated_by_name) {
        (Some(at), Some(name)) => Some(format!("Saved by {name}, {}", format::date_time(*at))),
        (Some(at), None) => Some(format!("Saved {}", format::date_time(*at))),
        _ => None,
    };
    let redirect_uri = integration.redirect_uri.clone();
    view! {
        <section class="card stack" aria-labelledby=labelled_by>
            <div class="card-header">
                <h2 class="card-title" id=heading_id>{provider.name()}</h2>
                {status_badge(source)}
            </div>
            <p class="muted">{provider.purpose()}</p>
            {provider
                .callback_hint()
                .filter(|_| !redirect_uri.is_empty())
                .map(|hint| {
                    view! {
                        <p class="field-hint">
                            {hint} " " {provider.name()} ": " <code>{redirect_uri}</code>
                        </p>
                    }
                })}
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            {move || last_check.get().map(|c| check_line(&c))}
            {match source {
                CredentialSource::Config => view! {
                    <p>
                        "These credentials come from the server's configuration, which takes precedence. Change them there."
                    </p>
                    <div class="form-actions">
                        <button
                            type="button"
                            class="button"
                            disabled=move || checking.get()
                            on:click=move |_| { problem.set(None); check.dispatch(()); }
                        >
                            {move || if checking.get() { "Checking…" } else { "Check connection" }}
                        </button>
                    </div>
                }
                .into_any(),
                _ => view! {
                    <form class="stack" on:submit=on_submit novalidate=true>
                        {fields
                            .into_iter()
                            .map(|(f, value)| {
                                let id = format!("{}-{}", provider.as_str(), f.name);
                                let is_set = f.secret && secrets_set.iter().any(|s| s == f.name);
                                let placeholder: &'static str = if is_set {
                                    "Saved — leave empty to keep"
                                } else {
                                    ""
                                };
                                view! {
                                    <TextField
                                        id
                                        label=f.label
                                        value
                                        required=f.required && !is_set
                                        hint=f.hint
                                        input_type=if f.secret { "password" } else { "text" }
                                        autocomplete=if f.secret { "new-password" } else { "off" }
                                        placeholder
                                        error=errors.of(format!("values.{}", f.name))
                                    />
                                }
                            })
                            .collect_view()}
                        <div class="form-actions">
                            <button type="submit" class="button button-primary" disabled=move || saving.get()>
                                {move || if saving.get() { "Saving…" } else { "Save" }}
                            </button>
                            {(source == CredentialSource::App).then(|| view! {
                                <button
                                    type="button"
                                    class="button"
                                    disabled=move || checking.get()
                                    on:click=move |_| { problem.set(None); check.dispatch(()); }
                                >
                                    {move || if checking.get() { "Checking…" } else { "Check connection" }}
                                </button>
                                <button type="button" class="button button-danger" on:click=on_remove>
                                    "Remove"
                                </button>
                            })}
                        </div>
                    </form>
                }
                .into_any(),
            }}
            {saved_by.map(|s| view! { <p class="field-hint">{s}</p> })}
        </section>
    }
}
