//! `/patients`: search as you type, filters and pages. The search, filters and page live in the
//! address, so that Back from a patient returns to the same results.

use api_types::patients::{PatientQuery, PatientSort, PatientStatusFilter};
use api_types::Permission;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{EmptyState, PageTitle, Pagination, ProblemAlert, SkeletonRows};
use crate::format;
use crate::forms::today;

const PAGE_SIZE: u64 = 25;
/// How long typing must pause before the search runs.
const DEBOUNCE_MS: u64 = 250;

fn status_value(s: PatientStatusFilter) -> &'static str {
    match s {
        PatientStatusFilter::Active => "active",
        PatientStatusFilter::Archived => "archived",
        PatientStatusFilter::All => "all",
    }
}

fn parse_status(s: &str) -> PatientStatusFilter {
    match s {
        "archived" => PatientStatusFilter::Archived,
        "all" => PatientStatusFilter::All,
        _ => PatientStatusFilter::Active,
    }
}

fn sort_value(s: PatientSort) -> &'static str {
    match s {
        PatientSort::CreatedDesc => "created_desc",
        PatientSort::CreatedAsc => "created_asc",
        PatientSort::UpdatedDesc => "updated_desc",
    }
}

fn parse_sort(s: &str) -> PatientSort {
    match s {
        "created_asc" => PatientSort::CreatedAsc,
        "updated_desc" => PatientSort::UpdatedDesc,
        _ => PatientSort::CreatedDesc,
    }
}

#[component]
pub fn PatientListPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let initial = |name: &str| query.with_untracked(|q| q.get(name)).unwrap_or_default();

    // What is typed, and what was last searched for once typing paused.
    let typed = RwSignal::new(initial("q"));
    let searched = RwSignal::new(initial("q"));
    let status = RwSignal::new(initial("status"));
    let sort = RwSignal::new(initial("sort"));
    let offset = RwSignal::new(initial("offset").parse::<u64>().unwrap_or(0));

    let pending_search = StoredValue::new(0_u64);
    let on_input = move |ev| {
        typed.set(event_target_value(&ev));
        let this = pending_search.get_value() + 1;
        pending_search.set_value(this);
        set_timeout(
            move || {
                if pending_search.try_get_value() == Some(this) {
                    offset.set(0);
                    searched.set(typed.get_untracked().trim().to_owned());
                }
            },
            std::time::Duration::from_millis(DEBOUNCE_MS),
        );
    };

    // Keep the address in step, replacing the entry so that Back leaves the list.
    Effect::new(move |first: Option<()>| {
        let mut pairs = Vec::new();
        let q = searched.get();
        if !q.is_empty() {
            pairs.push(("q", q));
        }
        let s = status.get();
        if !s.is_empty() && s != "active" {
            pairs.push(("status", s));
        }
        let o = sort.get();
        if !o.is_empty() && o != "created_desc" {
            pairs.push(("sort", o));
        }
        let off = offset.get();
        if off > 0 {
            pairs.push(("offset", off.to_string()));
        }
        if first.is_some() {
            let search = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            let url = if search.is_empty() {
                "/patients".to_owned()
            } else {
                format!("/patients?{search}")
            };
            navigate(
                &url,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        }
    });

    let patients = Loader::new(
        move || PatientQuery {
            q: Some(searched.get()).filter(|q| !q.is_empty()),
            status: Some(parse_status(&status.get())),
            sort: Some(parse_sort(&sort.get())),
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
            ..PatientQuery::default()
        },
        move |q| async move { api::patients::list(&auth.client(), &q).await },
    );
    let total =
        Signal::derive(move || patients.value().map(|page| (page.total, page.total_capped)));
    let can_create = move || {
        auth.me()
            .is_some_and(|me| me.role.has(Permission::PatientsWrite))
    };
    let today = today();

    view! {
        <PageTitle text="Patients" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Patients"</h1>
                <Show when=can_create>
                    <A href="/patients/new" attr:class="button button-primary">
                        "New patient"
                    </A>
                </Show>
            </div>
            <div class="toolbar" role="search">
                <div class="field toolbar-search">
                    <label class="field-label" for="patient-search">
                        "Search"
                    </label>
                    <input
                        id="patient-search"
                        class="input"
                        type="search"
                        placeholder="Name, email, phone or date of birth"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || typed.get()
                        on:input=on_input
                    />
                </div>
                <div class="field">
                    <label class="field-label" for="patient-status">
                        "Show"
                    </label>
                    <select
                        id="patient-status"
                        class="input select"
                        on:change=move |ev| {
                            offset.set(0);
                            status.set(event_target_value(&ev));
                        }
                    >
                        {[PatientStatusFilter::Active, PatientStatusFilter::Archived, PatientStatusFilter::All]
                            .into_iter()
                            .map(|s| {
                                let label = match s {
                                    PatientStatusFilter::Active => "Active patients",
                                    PatientStatusFilter::Archived => "Archived patients",
                                    PatientStatusFilter::All => "All patients",
                                };
                                let value = status_value(s);
                                view! {
                                    <option value=value selected=move || parse_status(&status.get()) == s>
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label class="field-label" for="patient-sort">
                        "Order"
                    </label>
                    <select
                        id="patient-sort"
                        class="input select"
                        on:change=move |ev| {
                            offset.set(0);
                            sort.set(event_target_value(&ev));
                        }
                    >
                        {[PatientSort::CreatedDesc, PatientSort::CreatedAsc, PatientSort::UpdatedDesc]
                            .into_iter()
                            .map(|s| {
                                let label = match s {
                                    PatientSort::CreatedDesc => "Newest first",
                                    PatientSort::CreatedAsc => "Oldest first",
                                    PatientSort::UpdatedDesc => "Recently changed",
                                };
                                view! {
                                    <option value=sort_value(s) selected=move || parse_sort(&sort.get()) == s>
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <div class="card card-flush" aria-busy=move || patients.loading().to_string()>
                {move || match patients.get() {
                    None => view! { <SkeletonRows rows=8 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => {
                        let searching = !searched.get_untracked().is_empty();
                        view! {
                            <EmptyState
                                title=if searching { "No patients match" } else { "No patients yet" }
                                detail=if searching {
                                    "Check the spelling, or search by email, phone or date of birth."
                                } else {
                                    "Patients you add appear here."
                                }
                            />
                        }
                            .into_any()
                    }
                    Some(Ok(page)) => {
                        view! {
                            <table class="table table-hover">
                                <caption class="visually-hidden">"Patients"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Date of birth"</th>
                                        <th scope="col" class="hide-narrow">"Phone"</th>
                                        <th scope="col" class="hide-narrow">"Email"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|p| {
                                            let href = format!("/patients/{}", p.id);
                                            let archived = p.archived_at.is_some();
                                            let name = format::listed_name(&p);
                                            view! {
                                                <tr>
                                                    <td>
                                                        <A href=href attr:class="table-link">
                                                            {name}
                                                        </A>
                                                        {archived
                                                            .then(|| view! { <span class="badge badge-muted">"Archived"</span> })}
                                                    </td>
                                                    <td>
                                                        {p
                                                            .date_of_birth
                                                            .map(|d| format::date_of_birth(d, today))
                                                            .unwrap_or_default()}
                                                    </td>
                                                    <td class="hide-narrow">{p.phone.clone().unwrap_or_default()}</td>
                                                    <td class="hide-narrow">{p.email.clone().unwrap_or_default()}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </div>
        </div>
    }
}
