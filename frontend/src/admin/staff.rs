//! `/admin/users`: the staff directory (change a role, deactivate, reactivate), and invitations
//! (invite, see who has not accepted yet, withdraw).

use api_types::admin::{InviteStaffRequest, UpdateUserRequest, User, UserQuery, UserStatus};
use api_types::validation::{self, Errors};
use api_types::{PageQuery, Role};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::{role_label, use_auth};
use crate::components::common::{
    use_toasts, Dialog, EmptyState, PageTitle, Pagination, ProblemAlert, SelectField, SkeletonRows,
    TextField,
};
use crate::format;
use crate::forms::FieldErrors;

const PAGE_SIZE: u64 = 25;
const STAFF_ROLES: [Role; 4] = [
    Role::Admin,
    Role::Practitioner,
    Role::Nurse,
    Role::Receptionist,
];

fn role_options() -> Vec<(String, String)> {
    STAFF_ROLES
        .iter()
        .map(|r| (r.as_str().to_owned(), role_label(*r).to_owned()))
        .collect()
}

#[component]
pub fn StaffPage() -> impl IntoView {
    let auth = use_auth();
    let invite_open = RwSignal::new(false);
    let offset = RwSignal::new(0_u64);
    let role_filter = RwSignal::new(String::new());
    let users = Loader::new(
        move || UserQuery {
            role: Role::parse(&role_filter.get()),
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
        },
        move |q| async move { api::admin::users(&auth.client(), &q).await },
    );
    let invitations = Loader::new(
        || (),
        move |()| async move {
            api::admin::invitations(
                &auth.client(),
                &PageQuery {
                    limit: Some(100),
                    offset: None,
                },
            )
            .await
        },
    );
    let total = Signal::derive(move || users.value().map(|p| (p.total, p.total_capped)));
    let mut filter_options = vec![(String::new(), "All roles".to_owned())];
    filter_options.extend(role_options());
    view! {
        <PageTitle text="Staff" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Staff"</h1>
                <button type="button" class="button button-primary" on:click=move |_| invite_open.set(true)>
                    "Invite staff"
                </button>
            </div>
            <div class="toolbar">
                <SelectField id="role-filter" label="Role" value=role_filter options=filter_options />
            </div>
            <div class="card card-flush">
                {move || match users.get() {
                    None => view! { <SkeletonRows rows=6 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => {
                        view! { <EmptyState title="No accounts match" /> }.into_any()
                    }
                    Some(Ok(page)) => {
                        view! {
                            <table class="table">
                                <caption class="visually-hidden">"Staff accounts"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col" class="hide-narrow">"Two-step"</th>
                                        <th scope="col" class="hide-narrow">"Last sign-in"</th>
                                        <th scope="col">"Status"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|u| view! { <UserRow user=u users /> })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </div>
            <section class="card" aria-labelledby="invitations-heading">
                <h2 id="invitations-heading" class="card-title">"Invitations"</h2>
                <InvitationList invitations />
            </section>
            <InviteDialog open=invite_open on_sent=Callback::new(move |()| invitations.reload()) />
        </div>
    }
}

#[component]
fn UserRow(user: User, users: Loader<api_types::Page<User>>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let id = user.id;
    let is_me = auth.me().is_some_and(|me| me.id == id);
    let is_patient = user.role == Role::Patient;
    let role = RwSignal::new(user.role.as_str().to_owned());
    let update = Action::new_unsync(move |request: &UpdateUserRequest| {
        let request = request.clone();
        async move {
            match api::admin::update_user(&auth.client(), id, &request).await {
                Ok(saved) => {
                    toasts.success(format!("{} updated.", saved.name));
                    users.reload();
                }
                Err(p) => {
                    toasts.error(p.detail.unwrap_or(p.title));
                    users.reload();
                }
            }
        }
    });
    let active = user.status == UserStatus::Active;
    let name = user.name.clone();
    view! {
        <tr>
            <td>
                <span class="list-primary">{user.name.clone()}</span>
                {is_me.then(|| view! { <span class="badge badge-muted">"You"</span> })}
                <br />
                <span class="muted">{user.email.clone()}</span>
            </td>
            <td>
                {if is_patient || is_me {
                    view! { <span>{role_label(user.role)}</span> }.into_any()
                } else {
                    view! {
                        <label class="visually-hidden" for=format!("role-{id}")>
                            {format!("Role of {name}")}
                        </label>
                        <select
                            id=format!("role-{id}")
                            class="input select input-compact"
                            prop:value=move || role.get()
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                role.set(value.clone());
                                update.dispatch(UpdateUserRequest {
                                    role: Role::parse(&value),
                                    ..UpdateUserRequest::default()
                                });
                            }
                        >
                            {role_options()
                                .into_iter()
                                .map(|(v, l)| {
                                    let selected = v == user.role.as_str();
                                    view! { <option value=v selected=selected>{l}</option> }
                                })
                                .collect_view()}
                        </select>
                    }
                        .into_any()
                }}
            </td>
            <td class="hide-narrow">{if user.mfa_enabled { "On" } else { "Off" }}</td>
            <td class="hide-narrow">
                {user.last_login_at.map(format::date_time).unwrap_or_else(|| "Never".to_owned())}
            </td>
            <td>
                {if active {
                    view! { <span class="badge badge-success">"Active"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-muted">"Deactivated"</span> }.into_any()
                }}
                {(!is_me)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="button button-ghost button-small"
                                disabled=move || update.pending().get()
                                on:click=move |_| {
                                    update.dispatch(UpdateUserRequest {
                                        status: Some(if active { UserStatus::Deactivated } else { UserStatus::Active }),
                                        ..UpdateUserRequest::default()
                                    });
                                }
                            >
                                {if active { "Deactivate" } else { "Reactivate" }}
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
fn InvitationList(
    invitations: Loader<api_types::Page<api_types::admin::Invitation>>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let revoke = Action::new_unsync(move |id: &Uuid| {
        let id = *id;
        async move {
            match api::admin::revoke_invitation(&auth.client(), id).await {
                Ok(()) => {
                    toasts.success("Invitation withdrawn.");
                    invitations.reload();
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    move || {
        match invitations.get() {
        None => view! { <SkeletonRows rows=2 /> }.into_any(),
        Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
        Some(Ok(page)) if page.items.is_empty() => {
            view! { <p class="muted">"No invitations yet."</p> }.into_any()
        }
        Some(Ok(page)) => {
            view! {
                <ul class="plain-list">
                    {page
                        .items
                        .into_iter()
                        .map(|inv| {
                            let id = inv.id;
                            let pending = inv.accepted_at.is_none();
                            view! {
                                <li class="list-row">
                                    <span>
                                        <span class="list-primary">{inv.name.clone()}</span>
                                        <span class="muted">" · " {inv.email.clone()} " · " {role_label(inv.role)}</span>
                                        <br />
                                        <span class="muted list-secondary">
                                            {match inv.accepted_at {
                                                Some(at) => format!("Accepted {}", format::date_time(at)),
                                                None => format!("Sent {}, expires {}", format::date_time(inv.created_at), format::date_time(inv.expires_at)),
                                            }}
                                        </span>
                                    </span>
                                    {pending
                                        .then(|| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="button button-ghost button-small"
                                                    on:click=move |_| {
                                                        revoke.dispatch(id);
                                                    }
                                                >
                                                    "Withdraw"
                                                </button>
                                            }
                                        })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }
    }
    }
}

#[component]
fn InviteDialog(open: RwSignal<bool>, on_sent: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Practitioner.as_str().to_owned());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let send = Action::new_unsync(move |request: &InviteStaffRequest| {
        let request = request.clone();
        async move {
            match api::admin::invite_staff(&auth.client(), &request).await {
                Ok(inv) => {
                    toasts.success(format!("Invitation sent to {}.", inv.email));
                    name.set(String::new());
                    email.set(String::new());
                    open.set(false);
                    on_sent.run(());
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = send.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let request = InviteStaffRequest {
            email: email.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            role: Role::parse(&role.get_untracked()).unwrap_or(Role::Practitioner),
        };
        let mut e = Errors::default();
        e.required_text("name", &request.name, 100);
        e.check(validation::email(&request.email), "email");
        if errors.check(e.finish()) {
            send.dispatch(request);
        }
    };
    view! {
        <Dialog open title="Invite staff" id="invite-staff">
            <form class="stack" on:submit=on_submit novalidate=true>
                <p class="muted">"They will get an email with a link to choose a password. The link works for 7 days."</p>
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <TextField id="invite-name" label="Name" required=true value=name error=errors.of("name") />
                <TextField
                    id="invite-email"
                    label="Email"
                    input_type="email"
                    required=true
                    value=email
                    error=errors.of("email")
                />
                <SelectField id="invite-role" label="Role" value=role options=role_options() error=errors.of("role") />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Sending…" } else { "Send invitation" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
