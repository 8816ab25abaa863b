//! The day on the dashboard: a clinician's own appointments today (the next patient first), and
//! for reception and administrators the practice's arrivals.

use api_types::scheduling::{
    Appointment, AppointmentPatch, AppointmentQuery, AppointmentStatus, DateOrInstant,
};
use chrono::NaiveDateTime;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, EmptyState, ProblemAlert, SkeletonRows};
use crate::format;

/// Where an appointment of today stands, as the front desk and the clinician say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Booked and not due yet.
    Expected,
    /// Booked, its time has come, and the patient has not arrived.
    Late,
    /// Arrived before their time.
    Waiting,
    /// Arrived and their time has come.
    InProgress,
    Done,
    DidNotAttend,
}

impl Stage {
    pub fn of(a: &Appointment, now: NaiveDateTime) -> Option<Stage> {
        Some(match a.status {
            AppointmentStatus::Cancelled => return None,
            AppointmentStatus::Completed => Stage::Done,
            AppointmentStatus::NoShow => Stage::DidNotAttend,
            AppointmentStatus::Arrived if now < a.local_start => Stage::Waiting,
            AppointmentStatus::Arrived => Stage::InProgress,
            AppointmentStatus::Booked if now < a.local_start => Stage::Expected,
            AppointmentStatus::Booked => Stage::Late,
        })
    }

    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Stage::Expected => ("badge", "Expected", "expected"),
            Stage::Late => ("badge badge-danger", "Not arrived", "late"),
            Stage::Waiting => ("badge badge-warning", "Arrived, waiting", "waiting"),
            Stage::InProgress => ("badge badge-info", "In progress", "in-progress"),
            Stage::Done => ("badge badge-success", "Done", "done"),
            Stage::DidNotAttend => ("badge badge-muted", "Did not attend", "did-not-attend"),
        }
    }

    /// Still to be seen: the next patient is the first of these.
    fn open(self) -> bool {
        matches!(
            self,
            Stage::Expected | Stage::Late | Stage::Waiting | Stage::InProgress
        )
    }
}

/// Today's appointments: the clinician's own (`mine`), or the practice's.
#[component]
pub fn TodayCard(mine: bool) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let refresh = RwSignal::new(0_u64);
    let day = Loader::new(
        move || refresh.get(),
        move |_| async move {
            let today = format::today();
            let query = AppointmentQuery {
                from: Some(DateOrInstant::Date(today)),
                to: Some(DateOrInstant::Date(today)),
                practitioner_id: if mine {
                    auth.me().map(|me| me.id)
                } else {
                    None
                },
                limit: Some(100),
                ..AppointmentQuery::default()
            };
            api::scheduling::appointments(&auth.client(), &query).await
        },
    );
    let arrive = Action::new_unsync(move |a: &Appointment| {
        let a = a.clone();
        async move {
            let patch = AppointmentPatch {
                status: Some(AppointmentStatus::Arrived),
                ..AppointmentPatch::default()
            };
            match api::scheduling::update(&auth.client(), a.id, &patch, Some(a.version)).await {
                Ok(_) => toasts.success(format!("{} has arrived.", a.patient_name)),
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
            refresh.update(|n| *n += 1);
        }
    });
    let title = if mine { "Your day" } else { "Today's arrivals" };
    view! {
        <section class="card today-card" aria-labelledby="today-heading" data-testid="today">
            <div class="card-header">
                <h2 id="today-heading" class="card-title">
                    {title} <span class="muted today-date">{format::date(format::today())}</span>
                </h2>
                <A href=format!("/calendar?date={}", format::today()) attr:class="button button-ghost button-small">
                    "Calendar"
                </A>
            </div>
            {move || match day.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) => {
                    let now = format::local(format::now());
                    let mut list: Vec<(Appointment, Stage)> = page
                        .items
                        .into_iter()
                        .filter_map(|a| Stage::of(&a, now).map(|s| (a, s)))
                        .collect();
                    list.sort_by_key(|(a, _)| a.local_start);
                    if list.is_empty() {
                        let detail = if mine {
                            "You have no appointments today."
                        } else {
                            "No appointments are booked today."
                        };
                        return view! { <EmptyState title="Nothing booked today" detail /> }.into_any();
                    }
                    let count = |f: fn(Stage) -> bool| list.iter().filter(|(_, s)| f(*s)).count();
                    let summary = format!(
                        "{} today · {} arrived · {} done · {} still expected",
                        list.len(),
                        count(|s| matches!(s, Stage::Waiting | Stage::InProgress)),
                        count(|s| s == Stage::Done),
                        count(|s| matches!(s, Stage::Expected | Stage::Late)),
                    );
                    // A clinician's next patient: someone arrived comes before someone still
                    // expected. The practice's list (several clinicians) stays in time order.
                    let next = if mine {
                        list.iter()
                            .position(|(_, s)| matches!(s, Stage::InProgress | Stage::Waiting))
                            .or_else(|| list.iter().position(|(_, s)| s.open()))
                    } else {
                        None
                    };
                    if let Some(i) = next {
                        let item = list.remove(i);
                        list.insert(0, item);
                    }
                    view! {
                        <p class="muted today-summary">{summary}</p>
                        <ol class="plain-list today-list">
                            {list
                                .into_iter()
                                .enumerate()
                                .map(|(i, (a, stage))| {
                                    let is_next = i == 0 && next.is_some();
                                    let (badge, words, key) = stage.words();
                                    let when = format!("{} – {}", format::time(a.local_start.time()), format::time(a.local_end.time()));
                                    let who = if mine { a.appointment_type_name.clone() } else { format!("{} · {}", a.appointment_type_name, a.practitioner_name) };
                                    let can_arrive = !mine && a.status == AppointmentStatus::Booked;
                                    let stored = StoredValue::new(a.clone());
                                    let patient: Uuid = a.patient_id;
                                    let arrive_label = format!("Mark {} arrived", a.patient_name);
                                    view! {
                                        <li class="today-row" class:today-next=is_next data-stage=key>
                                            <span class="today-time">{when}</span>
                                            <span class="today-who">
                                                {is_next.then(|| view! { <span class="today-next-label">"Next patient"</span> })}
                                                <A href=format!("/patients/{patient}") attr:class="table-link list-primary">{a.patient_name.clone()}</A>
                                                <span class="muted list-secondary">{who}</span>
                                            </span>
                                            <span class="today-status">
                                                <span class=badge>{words}</span>
                                                {can_arrive.then(|| view! {
                                                    <button
                                                        type="button"
                                                        class="button button-secondary button-small"
                                                        aria-label=arrive_label.clone()
                                                        on:click=move |_| { arrive.dispatch(stored.get_value()); }
                                                    >
                                                        "Arrived"
                                                    </button>
                                                })}
                                            </span>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ol>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// For the front desk: the next day with bookings, and who has not confirmed they are coming,
/// to call and mark as they answer.
#[component]
pub fn ConfirmationsCard() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let refresh = RwSignal::new(0_u64);
    let ahead = Loader::new(
        move || refresh.get(),
        move |_| async move {
            let tomorrow = format::today() + chrono::Duration::days(1);
            let query = AppointmentQuery {
                from: Some(DateOrInstant::Date(tomorrow)),
                to: Some(DateOrInstant::Date(tomorrow + chrono::Duration::days(6))),
                status: Some(AppointmentStatus::Booked),
                limit: Some(100),
                ..AppointmentQuery::default()
            };
            api::scheduling::appointments(&auth.client(), &query).await
        },
    );
    let confirm = Action::new_unsync(move |a: &Appointment| {
        let a = a.clone();
        async move {
            let patch = AppointmentPatch {
                confirmed: Some(true),
                ..AppointmentPatch::default()
            };
            match api::scheduling::update(&auth.client(), a.id, &patch, Some(a.version)).await {
                Ok(_) => toasts.success(format!("{} is confirmed.", a.patient_name)),
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card" aria-labelledby="confirm-heading" data-testid="confirmations">
            <h2 id="confirm-heading" class="card-title">"To confirm"</h2>
            {move || match ahead.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) => {
                    // The next day anything is booked, in time order.
                    let Some(day) = page.items.iter().map(|a| a.local_start.date()).min() else {
                        return view! { <EmptyState title="Nothing booked in the next week" /> }.into_any();
                    };
                    let mut booked: Vec<Appointment> = page
                        .items
                        .into_iter()
                        .filter(|a| a.local_start.date() == day)
                        .collect();
                    booked.sort_by_key(|a| a.local_start);
                    let confirmed = booked.iter().filter(|a| a.confirmation.is_some()).count();
                    let summary = format!("{}: {confirmed} of {} confirmed", format::date(day), booked.len());
                    let waiting: Vec<Appointment> = booked.into_iter().filter(|a| a.confirmation.is_none()).collect();
                    view! {
                        <p class="muted">{summary}</p>
                        {waiting.is_empty().then(|| view! { <p>"Everyone has confirmed."</p> })}
                        <ul class="plain-list today-list">
                            {waiting
                                .into_iter()
                                .map(|a| {
                                    let stored = StoredValue::new(a.clone());
                                    let label = format!("{} confirmed", a.patient_name);
                                    let patient: Uuid = a.patient_id;
                                    view! {
                                        <li class="today-row confirm-row">
                                            <span class="today-time">{format::time(a.local_start.time())}</span>
                                            <span class="today-who">
                                                <A href=format!("/patients/{patient}") attr:class="table-link list-primary">{a.patient_name.clone()}</A>
                                                <span class="muted list-secondary">{format!("{} · {}", a.appointment_type_name, a.practitioner_name)}</span>
                                            </span>
                                            <span class="today-status">
                                                <button
                                                    type="button"
                                                    class="button button-secondary button-small"
                                                    aria-label=label
                                                    disabled=move || confirm.pending().get()
                                                    on:click=move |_| { confirm.dispatch(stored.get_value()); }
                                                >
                                                    "Confirmed"
                                                </button>
                                            </span>
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
