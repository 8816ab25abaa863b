//! Consents and "who has seen my record": in the portal under Privacy, and consents on the
//! patient's Overview for staff.

use api_types::sharing::{AccessLogQuery, Consent, ConsentSource};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, PageTitle, ProblemAlert, SkeletonRows};
use crate::format;

fn last_change(c: &Consent, patient_view: bool) -> String {
    match c.history.first() {
        None => "Not asked yet: this applies until you say otherwise.".to_owned(),
        Some(d) => {
            let who = match (d.source, patient_view) {
                (ConsentSource::Patient, true) => "you".to_owned(),
                (ConsentSource::Patient, false) => "the patient".to_owned(),
                (ConsentSource::Staff, _) => d
                    .recorded_by_name
                    .clone()
                    .unwrap_or_else(|| "the practice".to_owned()),
            };
            format!(
                "{} {} by {who}.",
                if d.given { "Given" } else { "Withdrawn" },
                format::date_time(d.at)
            )
        }
    }
}

/// Each consent with a switch to give or withdraw it, and when it last changed.
#[component]
pub fn ConsentsCard(
    patient_id: Uuid,
    /// The patient themself (their own words), or staff recording the patient's.
    patient_view: bool,
    can_edit: bool,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let consents = Loader::new(
        || (),
        move |()| async move { api::patients::consents(&auth.client(), patient_id).await },
    );
    let set = Action::new_unsync(
        move |(kind, given): &(api_types::sharing::ConsentKind, bool)| {
            let (kind, given) = (*kind, *given);
            async move {
                match api::patients::set_consent(&auth.client(), patient_id, kind, given).await {
                    Ok(_) => {
                        toasts.success(if given {
                            "Consent given."
                        } else {
                            "Consent withdrawn."
                        });
                        consents.reload();
                    }
                    Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
                }
            }
        },
    );
    view! {
        <section class="card stack" aria-labelledby="consents-heading">
            <h2 class="card-title" id="consents-heading">"Consents"</h2>
            {move || match consents.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list consent-list">
                        {list.into_iter().map(|c| {
                            let kind = c.kind;
                            let id = format!("consent-{}", kind.as_str());
                            let label_for = id.clone();
                            let given = c.given;
                            let note = last_change(&c, patient_view);
                            view! {
                                <li class="consent-row">
                                    <input
                                        type="checkbox"
                                        class="switch"
                                        id=id
                                        prop:checked=given
                                        disabled=!can_edit
                                        on:change=move |ev| { set.dispatch((kind, event_target_checked(&ev))); }
                                    />
                                    <label for=label_for>
                                        <span class="list-primary">{c.label.clone()}</span>
                                        <br />
                                        <span class="muted list-secondary">{note}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                    .into_any(),
            }}
        </section>
    }
}

/// Every access to the patient's record, newest first, in pages.
#[component]
pub fn AccessLogCard(patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let limit = RwSignal::new(25u64);
    let log = Loader::new(
        move || limit.get(),
        move |limit| async move {
            api::patients::access_log(
                &auth.client(),
                patient_id,
                &AccessLogQuery {
                    limit: Some(limit),
                    offset: None,
                },
            )
            .await
        },
    );
    view! {
        <section class="card stack" aria-labelledby="access-log-heading">
            <h2 class="card-title" id="access-log-heading">"Who has seen your record"</h2>
            <p class="field-hint">"Every time someone opens, searches for or changes your record is kept in the practice's audit log. This is that log, for you."</p>
            {move || match log.get() {
                None => view! { <SkeletonRows rows=5 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) => {
                    let more = page.total > page.items.len() as u64 && limit.get_untracked() < 100;
                    view! {
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"What"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page.items.into_iter().map(|a| view! {
                                    <tr>
                                        <td>{format::date_time(a.at)}</td>
                                        <td>
                                            {a.who.clone()}
                                            {a.role.clone().map(|r| view! { <span class="muted">{format!(" ({r})")}</span> })}
                                        </td>
                                        <td>
                                            {a.what.clone()}
                                            {(a.outcome != "success").then(|| view! { <span class="badge badge-warning">" refused"</span> })}
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {more.then(|| view! {
                            <button type="button" class="button button-secondary" on:click=move |_| limit.set(100)>"Show more"</button>
                        })}
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// `/portal/privacy`: the patient's consents and who has seen their record.
#[component]
pub fn MyPrivacyPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="Privacy" />
        <div class="page page-narrow">
            <h1 class="page-title">"Privacy"</h1>
            <p class="muted">"What you have agreed to, and everyone who has seen your record."</p>
            {move || {
                auth.me().and_then(|me| me.patient_id).map(|patient_id| view! {
                    <ConsentsCard patient_id patient_view=true can_edit=true />
                    <AccessLogCard patient_id />
                })
            }}
        </div>
    }
}
