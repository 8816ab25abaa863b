//! `/admin/api-keys`: keys for integrations, each with the scopes it may use. A key's secret is
//! shown once, when it is created.

use api_types::admin::{ApiKey, CreateApiKeyRequest};
use api_types::validation::Errors;
use api_types::{FieldError, PageQuery, Permission};
use chrono::NaiveDate;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, Dialog, EmptyState, PageTitle, ProblemAlert, SkeletonRows, TextField,
};
use crate::format;
use crate::forms::{optional, today, FieldErrors};

/// What a scope allows, in words.
pub fn scope_label(p: Permission) -> &'static str {
    match p {
        Permission::PatientsRead => "Search and read patient details",
        Permission::PatientsWrite => "Create and update patients",
        Permission::PatientsArchive => "Archive and restore patients",
        Permission::PatientsInvite => "Invite patients to the portal",
        Permission::CareTeamManage => "Change care teams",
        Permission::ClinicalAccess => "Clinical records",
        Permission::TargetsManage => "Set patients' target ranges",
        Permission::Prescribe => "Write and cancel prescriptions",
        Permission::UsersRead => "Read the staff directory",
        Permission::UsersManage => "Manage staff accounts",
        Permission::AuditRead => "Read and export the audit log",
        Permission::ApiKeysManage => "Manage API keys",
        Permission::OutboxRead => "Read the outbox and the log of provider calls",
        Permission::OutboxManage => "Send again messages the outbox gave up on",
        Permission::CorrespondenceRead => "Read patients' correspondence",
        Permission::CorrespondenceWrite => "Write to patients by SMS and email",
        Permission::SettingsManage => "Change practice settings",
        Permission::ScheduleRead => "Read the calendar and appointments",
        Permission::ScheduleWrite => "Book, move and cancel appointments",
        Permission::ScheduleManage => "Manage appointment types, closures and scheduling rules",
        Permission::OwnRecord => "A patient's own record",
    }
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let auth = use_auth();
    let create_open = RwSignal::new(false);
    let created = RwSignal::new(None::<String>);
    let keys = Loader::new(
        || (),
        move |()| async move {
            api::admin::api_keys(
                &auth.client(),
                &PageQuery {
                    limit: Some(100),
                    offset: None,
                },
            )
            .await
        },
    );
    view! {
        <PageTitle text="API keys" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"API keys"</h1>
                <button type="button" class="button button-primary" on:click=move |_| create_open.set(true)>
                    "Create API key"
                </button>
            </div>
            <p class="muted">
                "Integrations send a key as " <code>"Authorization: Bearer …"</code>
                ". Give each integration its own key with only the scopes it needs, and revoke it when it is no longer used."
            </p>
            {move || {
                created
                    .get()
                    .map(|secret| {
                        let copy = secret.clone();
                        view! {
                            <div class="alert alert-success" role="status">
                                <p class="alert-title">"Copy the new key now"</p>
                                <p class="alert-body">"It is shown only this once. Store it in the integration's secret settings."</p>
                                <p>
                                    <code class="secret" data-testid="api-key-secret">{secret}</code>
                                </p>
                                <div class="form-actions form-actions-start">
                                    <button type="button" class="button button-secondary button-small" on:click=move |_| format::copy_to_clipboard(&copy)>
                                        "Copy"
                                    </button>
                                    <button type="button" class="button button-ghost button-small" on:click=move |_| created.set(None)>
                                        "Done"
                                    </button>
                                </div>
                            </div>
                        }
                    })
            }}
            <div class="card card-flush">
                {move || match keys.get() {
                    None => view! { <SkeletonRows rows=3 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => {
                        view! { <EmptyState title="No API keys yet" detail="Create one for each integration." /> }.into_any()
                    }
                    Some(Ok(page)) => {
                        view! {
                            <table class="table">
                                <caption class="visually-hidden">"API keys"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Scopes"</th>
                                        <th scope="col" class="hide-narrow">"Last used"</th>
                                        <th scope="col">"Status"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page.items.into_iter().map(|k| view! { <KeyRow key=k keys /> }).collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                }}
            </div>
            <CreateKeyDialog
                open=create_open
                on_created=Callback::new(move |secret: String| {
                    created.set(Some(secret));
                    keys.reload();
                })
            />
        </div>
    }
}

#[component]
fn KeyRow(key: ApiKey, keys: Loader<api_types::Page<ApiKey>>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let id: Uuid = key.id;
    let revoke = Action::new_unsync(move |_: &()| async move {
        match api::admin::revoke_api_key(&auth.client(), id).await {
            Ok(()) => {
                toasts.success("Key revoked. Requests with it are refused from now on.");
                keys.reload();
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let expired = key.expires_at.is_some_and(|at| at < format::now());
    view! {
        <tr>
            <td>
                <span class="list-primary">{key.name.clone()}</span>
                <br />
                <code class="muted">{key.prefix.clone()} "…"</code>
            </td>
            <td>
                <ul class="chips">
                    {key.scopes.iter().map(|s| view! { <li class="chip" title=scope_label(*s)>{s.as_str()}</li> }).collect_view()}
                </ul>
            </td>
            <td class="hide-narrow">{key.last_used_at.map(format::date_time).unwrap_or_else(|| "Never".to_owned())}</td>
            <td>
                {if key.revoked_at.is_some() {
                    view! { <span class="badge badge-muted">"Revoked"</span> }.into_any()
                } else if expired {
                    view! { <span class="badge badge-muted">"Expired"</span> }.into_any()
                } else {
                    view! {
                        <span class="badge badge-success">"Active"</span>
                        <button
                            type="button"
                            class="button button-ghost button-small"
                            disabled=move || revoke.pending().get()
                            on:click=move |_| {
                                revoke.dispatch(());
                            }
                        >
                            "Revoke"
                        </button>
                    }
                        .into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
fn CreateKeyDialog(open: RwSignal<bool>, on_created: Callback<String>) -> impl IntoView {
    let auth = use_auth();
    let name = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let scopes: Vec<(Permission, RwSignal<bool>)> = Permission::ALL
        .into_iter()
        .filter(|p| p.grantable_to_api_keys())
        .map(|p| (p, RwSignal::new(false)))
        .collect();
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let create = Action::new_unsync(move |request: &CreateApiKeyRequest| {
        let request = request.clone();
        async move {
            match api::admin::create_api_key(&auth.client(), &request).await {
                Ok(created) => {
                    name.set(String::new());
                    expires.set(String::new());
                    open.set(false);
                    on_created.run(created.secret);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = create.pending();
    let chosen_scopes = StoredValue::new(scopes.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let mut e = Errors::default();
        let key_name = name.get_untracked().trim().to_owned();
        e.required_text("name", &key_name, 100);
        let chosen: Vec<Permission> = chosen_scopes.with_value(|scopes| {
            scopes
                .iter()
                .filter(|(_, on)| on.get_untracked())
                .map(|(p, _)| *p)
                .collect()
        });
        if chosen.is_empty() {
            e.push("scopes", "required", "Choose at least one scope.");
        }
        let expires_at = match optional(&expires.get_untracked()) {
            None => None,
            Some(d) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                Ok(d) if d > today() => Some(format::start_of_day(d)),
                _ => {
                    e.push(
                        "expires_at",
                        "invalid",
                        "Choose a date after today, or leave it empty.",
                    );
                    None
                }
            },
        };
        let checked: Result<(), Vec<FieldError>> = e.finish();
        if errors.check(checked) {
            create.dispatch(CreateApiKeyRequest {
                name: key_name,
                scopes: chosen,
                expires_at,
            });
        }
    };
    view! {
        <Dialog open title="Create API key" id="create-key">
            <form class="stack" on:submit=on_submit novalidate=true>
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <TextField id="key-name" label="Name" hint="Which integration uses it" required=true value=name error=errors.of("name") />
                <fieldset class="fieldset" aria-describedby="scopes-error">
                    <legend>"Scopes"</legend>
                    <div class="checkbox-grid">
                        {scopes
                            .iter()
                            .map(|(p, on)| {
                                let id = format!("scope-{}", p.as_str().replace(':', "-"));
                                let on = *on;
                                view! {
                                    <div class="checkbox-field">
                                        <input id=id.clone() type="checkbox" class="checkbox" bind:checked=on />
                                        <label for=id>
                                            <code>{p.as_str()}</code>
                                            <span class="muted">" " {scope_label(*p)}</span>
                                        </label>
                                    </div>
                                }
                            })
                            .collect_view()}
                    </div>
                    {move || errors.of("scopes").get().map(|m| view! { <p class="field-error" id="scopes-error">{m}</p> })}
                </fieldset>
                <TextField
                    id="key-expires"
                    label="Expires on"
                    input_type="date"
                    hint="Optional. The key stops working at the start of this day, in the practice's time zone."
                    value=expires
                    error=errors.of("expires_at")
                />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Creating…" } else { "Create key" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
