//! `/`: the signed-in landing page. Staff see their dashboard, patients their portal.

use api_types::patients::{PatientQuery, PatientSort};
use api_types::{Permission, Role};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, Loader};
use crate::auth::{role_label, use_auth};
use crate::components::common::{EmptyState, PageTitle, ProblemAlert, SkeletonRows};
use crate::format;
use crate::health::DashboardAlerts;
use crate::portal::PortalHome;

use super::today::{ConfirmationsCard, TodayCard};

/// How the greeting addresses someone: `Dr Raman` when their name starts with a title, else
/// their first name (`Jordan`).
pub fn addressed(name: &str) -> String {
    const TITLES: [&str; 9] = [
        "dr",
        "prof",
        "professor",
        "mr",
        "mrs",
        "ms",
        "mx",
        "miss",
        "sister",
    ];
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.as_slice() {
        [title, .., last]
            if TITLES.contains(&title.trim_end_matches('.').to_lowercase().as_str()) =>
        {
            format!("{title} {last}")
        }
        [first, ..] => (*first).to_owned(),
        [] => String::new(),
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    move || match auth.me() {
        Some(me) if !me.role.is_staff() => Either::Left(view! { <PortalHome /> }),
        _ => Either::Right(view! { <Dashboard /> }),
    }
}

/// The time of day in the practice, for the greeting.
fn greeting() -> &'static str {
    use chrono::Timelike;
    match format::local(format::now()).hour() {
        0..=11 => "Good morning",
        12..=17 => "Good afternoon",
        _ => "Good evening",
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let auth = use_auth();
    let can = move |p: Permission| auth.me().is_some_and(|me| me.role.has(p));
    let first_name = move || auth.me().map(|me| addressed(&me.name)).unwrap_or_default();
    let clinician = move || {
        auth.me()
            .is_some_and(|me| matches!(me.role, Role::Practitioner | Role::Nurse))
    };
    view! {
        <PageTitle text="Dashboard" />
        <div class="page">
            <h1 class="page-title">{greeting} ", " {first_name}</h1>
            <p class="muted">{move || auth.me().map(|me| role_label(me.role))}</p>
            <Show when=move || can(Permission::ScheduleRead)>
                <TodayCard mine=clinician() />
            </Show>
            <div class="dashboard-grid">
                <Show when=move || can(Permission::ScheduleWrite) && !clinician()>
                    <ConfirmationsCard />
                </Show>
                <DashboardAlerts />
                <crate::clinical::DashboardUrgentAnswers />
                <crate::clinical::DashboardOverdueHomework />
                <Show when=move || can(Permission::PatientsRead)>
                    <RecentPatients />
                </Show>
                <section class="card" aria-labelledby="shortcuts-heading">
                    <h2 id="shortcuts-heading" class="card-title">"Shortcuts"</h2>
                    <ul class="shortcut-list">
                        <Show when=move || can(Permission::PatientsRead)>
                            <li><A href="/patients">"Find a patient"</A></li>
                        </Show>
                        <Show when=move || can(Permission::PatientsWrite)>
                            <li><A href="/patients/new">"Add a patient"</A></li>
                        </Show>
                        <Show when=move || can(Permission::UsersManage)>
                            <li><A href="/admin/users">"Invite staff"</A></li>
                        </Show>
                        <Show when=move || can(Permission::AuditRead)>
                            <li><A href="/admin/audit">"Review the audit log"</A></li>
                        </Show>
                        <li><A href="/account/security">"Your security settings"</A></li>
                    </ul>
                </section>
            </div>
        </div>
    }
}

#[component]
fn RecentPatients() -> impl IntoView {
    let auth = use_auth();
    let recent = Loader::new(
        || (),
        move |()| async move {
            api::patients::list(
                &auth.client(),
                &PatientQuery {
                    sort: Some(PatientSort::UpdatedDesc),
                    limit: Some(6),
                    ..PatientQuery::default()
                },
            )
            .await
        },
    );
    view! {
        <section class="card" aria-labelledby="recent-heading">
            <div class="card-header">
                <h2 id="recent-heading" class="card-title">"Recently updated patients"</h2>
                <A href="/patients" attr:class="button button-ghost button-small">"All patients"</A>
            </div>
            {move || match recent.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => {
                    view! { <EmptyState title="No patients yet" detail="Patients you add appear here." /> }.into_any()
                }
                Some(Ok(page)) => {
                    view! {
                        <ul class="plain-list">
                            {page
                                .items
                                .into_iter()
                                .map(|p| {
                                    let name = format::listed_name(&p);
                                    view! {
                                        <li class="list-row">
                                            <A href=format!("/patients/{}", p.id) attr:class="table-link">{name}</A>
                                            <span class="muted">{p.date_of_birth.map(format::date).unwrap_or_default()}</span>
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
