//! A patient's care team: the practitioners and nurses who look after them, and so may open their
//! clinical record.

use api_types::admin::{UserQuery, UserStatus};
use api_types::Permission;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::{role_label, use_auth};
use crate::components::common::{use_toasts, ProblemAlert, SkeletonRows};

#[component]
pub fn CareTeamPanel(
    patient_id: Uuid,
    /// Called after a change, since it may change who has clinical access.
    on_change: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let can_manage = move || {
        auth.me()
            .is_some_and(|me| me.role.has(Permission::CareTeamManage))
    };
    let team = Loader::new(
        || (),
        move |()| async move { api::patients::care_team(&auth.client(), patient_id).await },
    );
    // Clinicians who could join: active practitioners and nurses.
    let candidates = Loader::new(can_manage, move |allowed| async move {
        if !allowed {
            return Ok(Vec::new());
        }
        let page = api::admin::users(
            &auth.client(),
            &UserQuery {
                limit: Some(100),
                ..UserQuery::default()
            },
        )
        .await?;
        Ok(page
            .items
            .into_iter()
            .filter(|u| u.role.is_clinician() && u.status == UserStatus::Active)
            .collect::<Vec<_>>())
    });
    let chosen = RwSignal::new(String::new());
    let add = Action::new_unsync(move |user_id: &Uuid| {
        let user_id = *user_id;
        async move {
            match api::patients::add_to_care_team(&auth.client(), patient_id, user_id).await {
                Ok(member) => {
                    toasts.success(format!("{} joined the care team.", member.name));
                    chosen.set(String::new());
                    team.reload();
                    on_change.run(());
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let remove = Action::new_unsync(move |(user_id, name): &(Uuid, String)| {
        let (user_id, name) = (*user_id, name.clone());
        async move {
            match api::patients::remove_from_care_team(&auth.client(), patient_id, user_id).await {
                Ok(()) => {
                    toasts.success(format!("{name} left the care team."));
                    team.reload();
                    on_change.run(());
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    view! {
        <section class="card" aria-labelledby="care-team-heading">
            <h2 id="care-team-heading" class="card-title">"Care team"</h2>
            {move || match team.get() {
                None => view! { <SkeletonRows rows=2 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(members)) if members.is_empty() => {
                    view! { <p class="muted">"Nobody is on the care team yet."</p> }.into_any()
                }
                Some(Ok(members)) => {
                    view! {
                        <ul class="plain-list">
                            {members
                                .into_iter()
                                .map(|m| {
                                    let id = m.user_id;
                                    let name = m.name.clone();
                                    view! {
                                        <li class="list-row">
                                            <span>
                                                <span class="list-primary">{m.name.clone()}</span>
                                                <span class="muted">" · " {role_label(m.role)}</span>
                                            </span>
                                            <Show when=can_manage>
                                                <button
                                                    type="button"
                                                    class="button button-ghost button-small"
                                                    aria-label=format!("Remove {} from the care team", name)
                                                    on:click={
                                                        let name = name.clone();
                                                        move |_| {
                                                            remove.dispatch((id, name.clone()));
                                                        }
                                                    }
                                                >
                                                    "Remove"
                                                </button>
                                            </Show>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            <Show when=can_manage>
                <div class="inline-form">
                    <label class="field-label" for="care-team-add">
                        "Add a clinician"
                    </label>
                    <div class="inline-form-row">
                        <select
                            id="care-team-add"
                            class="input select"
                            prop:value=move || chosen.get()
                            on:change=move |ev| chosen.set(event_target_value(&ev))
                        >
                            <option value="">"Choose…"</option>
                            {move || {
                                let members: Vec<Uuid> = team
                                    .value()
                                    .map(|t| t.iter().map(|m| m.user_id).collect())
                                    .unwrap_or_default();
                                candidates
                                    .value()
                                    .unwrap_or_default()
                                    .into_iter()
                                    .filter(|u| !members.contains(&u.id))
                                    .map(|u| {
                                        view! {
                                            <option value=u.id.to_string()>
                                                {format!("{} ({})", u.name, role_label(u.role))}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                        <button
                            type="button"
                            class="button button-secondary"
                            disabled=move || chosen.get().is_empty() || add.pending().get()
                            on:click=move |_| {
                                if let Ok(id) = Uuid::parse_str(&chosen.get_untracked()) {
                                    add.dispatch(id);
                                }
                            }
                        >
                            "Add"
                        </button>
                    </div>
                </div>
            </Show>
        </section>
    }
}
