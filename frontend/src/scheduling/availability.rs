//! `/schedule/availability`: a practitioner's weekly hours (several windows a day), leave and
//! extra hours, whether they take bookings on public holidays, their private calendar feed and
//! their Google Calendar sync.
//! Practitioners and nurses edit their own; managers choose whose.

use api_types::scheduling::CalendarSyncState;
use api_types::scheduling::{
    Availability, AvailabilityException, AvailabilityInput, ClockTime, ExceptionKind, Weekday,
    WeeklyWindow,
};
use api_types::Permission;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::long_day;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, CheckboxField, PageTitle, ProblemAlert, SkeletonRows};
use crate::format;
use crate::forms::{today, FieldErrors};

#[derive(Clone, Copy)]
struct WindowRow {
    weekday: Weekday,
    start: RwSignal<String>,
    end: RwSignal<String>,
    /// The first and last dates the window applies (`YYYY-MM-DD`), or empty: every week.
    from: RwSignal<String>,
    until: RwSignal<String>,
}

impl WindowRow {
    fn new(weekday: Weekday, start: &str, end: &str) -> WindowRow {
        WindowRow {
            weekday,
            start: RwSignal::new(start.to_owned()),
            end: RwSignal::new(end.to_owned()),
            from: RwSignal::new(String::new()),
            until: RwSignal::new(String::new()),
        }
    }
}

fn date_of(s: &RwSignal<String>) -> Option<NaiveDate> {
    s.get_untracked().parse().ok()
}

#[derive(Clone)]
struct ExceptionRow {
    kind: ExceptionKind,
    start_date: NaiveDate,
    end_date: NaiveDate,
    start_time: Option<ClockTime>,
    end_time: Option<ClockTime>,
    reason: Option<String>,
}

#[component]
pub fn AvailabilityPage() -> impl IntoView {
    let auth = use_auth();
    let manager = move || {
        auth.me()
            .is_some_and(|m| m.role.has(Permission::ScheduleManage))
    };
    let people = Loader::new(
        || (),
        move |()| async move { api::scheduling::practitioners(&auth.client()).await },
    );
    let chosen = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        if chosen.get_untracked().is_some() {
            return;
        }
        let Some(me) = auth.me() else { return };
        if me.role.is_clinician() {
            chosen.set(Some(me.id));
        } else if let Some(first) = people.value().and_then(|p| p.first().map(|p| p.id)) {
            chosen.set(Some(first));
        }
    });
    let availability = Loader::new(
        move || chosen.get(),
        move |id| async move {
            match id {
                Some(id) => api::scheduling::availability(&auth.client(), id)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <PageTitle text="Availability" />
        <div class="page page-narrow">
            <h1 class="page-title">"Availability"</h1>
            {move || manager().then(|| view! {
                <div class="field">
                    <label class="field-label" for="availability-who">"Practitioner"</label>
                    <select
                        id="availability-who"
                        class="input select"
                        on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())
                    >
                        {people.value().unwrap_or_default().into_iter().map(|p| {
                            let selected = chosen.get_untracked() == Some(p.id);
                            view! { <option value=p.id.to_string() selected=selected>{p.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
            {move || match availability.get() {
                None => view! { <SkeletonRows rows=6 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(None)) => view! { <p class="muted">"Choose a practitioner."</p> }.into_any(),
                Some(Ok(Some(a))) => {
                    let own = auth.me().is_some_and(|m| m.id == a.practitioner_id);
                    let id = a.practitioner_id;
                    view! {
                        <AvailabilityForm a on_saved=Callback::new(move |saved| availability.set(Some(saved))) />
                        {own.then(|| view! { <FeedPanel practitioner=id /> })}
                        <GooglePanel practitioner=id own />
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

#[component]
fn AvailabilityForm(a: Availability, on_saved: Callback<Availability>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let id = a.practitioner_id;
    let windows = RwSignal::new(
        a.weekly
            .iter()
            .map(|w| {
                let row = WindowRow::new(w.weekday, &w.start.to_string(), &w.end.to_string());
                row.from
                    .set(w.effective_from.map(|d| d.to_string()).unwrap_or_default());
                row.until
                    .set(w.effective_until.map(|d| d.to_string()).unwrap_or_default());
                row
            })
            .collect::<Vec<_>>(),
    );
    let exceptions = RwSignal::new(
        a.exceptions
            .iter()
            .map(|x| ExceptionRow {
                kind: x.kind,
                start_date: x.start_date,
                end_date: x.end_date,
                start_time: x.start_time,
                end_time: x.end_time,
                reason: x.reason.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let holidays = RwSignal::new(a.works_public_holidays);
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |input: &AvailabilityInput| {
        let input = input.clone();
        async move {
            match api::scheduling::save_availability(&auth.client(), id, &input).await {
                Ok(saved) => {
                    toasts.success("Availability saved.");
                    on_saved.run(saved);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let weekly: Vec<WeeklyWindow> = windows
            .get_untracked()
            .iter()
            .filter_map(|w| {
                Some(WeeklyWindow {
                    weekday: w.weekday,
                    start: ClockTime::parse(&w.start.get_untracked())?,
                    end: ClockTime::parse(&w.end.get_untracked())?,
                    effective_from: date_of(&w.from),
                    effective_until: date_of(&w.until),
                })
            })
            .collect();
        let input = AvailabilityInput {
            works_public_holidays: holidays.get_untracked(),
            weekly,
            exceptions: exceptions
                .get_untracked()
                .into_iter()
                .map(|x| AvailabilityException {
                    kind: x.kind,
                    start_date: x.start_date,
                    end_date: x.end_date,
                    start_time: x.start_time,
                    end_time: x.end_time,
                    reason: x.reason,
                })
                .collect(),
        };
        if errors.check(input.validate()) {
            save.dispatch(input);
        }
    };
    view! {
        <form class="card stack" on:submit=on_submit novalidate=true aria-label="Weekly hours">
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <p class="field-hint">{format!(
                "Times are in the practice's time zone ({}). Give dates to hours that apply only for a while, such as a new roster from a given week; leave them empty for every week.",
                a.time_zone
            )}</p>
            <h2 class="section-title">"Weekly hours"</h2>
            {Weekday::ALL
                .into_iter()
                .map(|day| {
                    let rows = move || {
                        windows
                            .get()
                            .into_iter()
                            .enumerate()
                            .filter(|(_, w)| w.weekday == day)
                            .collect::<Vec<_>>()
                    };
                    view! {
                        <fieldset class="fieldset weekday-row">
                            <legend>{day.label()}</legend>
                            {move || {
                                let list = rows();
                                if list.is_empty() {
                                    return view! { <span class="muted">"Not working"</span> }.into_any();
                                }
                                list.into_iter()
                                    .map(|(i, w)| {
                                        let err = errors.of(format!("weekly[{i}].start"));
                                        let err_end = errors.of(format!("weekly[{i}].end"));
                                        view! {
                                            <div class="window-row">
                                                <label>
                                                    <span class="visually-hidden">{format!("{} start", day.label())}</span>
                                                    <input type="time" class="input input-compact" step="300" bind:value=w.start aria-invalid=move || err.get().is_some().then_some("true") />
                                                </label>
                                                "–"
                                                <label>
                                                    <span class="visually-hidden">{format!("{} end", day.label())}</span>
                                                    <input type="time" class="input input-compact" step="300" bind:value=w.end aria-invalid=move || err_end.get().is_some().then_some("true") />
                                                </label>
                                                <label class="window-dates">
                                                    <span class="field-hint">"from"</span>
                                                    <span class="visually-hidden">{format!("{} hours apply from (empty: always)", day.label())}</span>
                                                    <input type="date" class="input input-compact" bind:value=w.from />
                                                </label>
                                                <label class="window-dates">
                                                    <span class="field-hint">"until"</span>
                                                    <span class="visually-hidden">{format!("{} hours apply until (empty: for good)", day.label())}</span>
                                                    <input type="date" class="input input-compact" bind:value=w.until aria-invalid=move || errors.of(format!("weekly[{i}].effective_until")).get().is_some().then_some("true") />
                                                </label>
                                                <button
                                                    type="button"
                                                    class="button button-ghost button-small"
                                                    aria-label=format!("Remove this {} window", day.label())
                                                    on:click=move |_| windows.update(|v| { v.remove(i); })
                                                >
                                                    "Remove"
                                                </button>
                                                {move || err.get().or_else(|| err_end.get()).map(|m| view! { <span class="field-error">{m}</span> })}
                                            </div>
                                        }
                                    })
                                    .collect_view()
                                    .into_any()
                            }}
                            <button
                                type="button"
                                class="link-button"
                                on:click=move |_| windows.update(|v| {
                                    let start = if v.iter().any(|w| w.weekday == day) { "13:00" } else { "09:00" };
                                    v.push(WindowRow::new(day, start, "17:00"));
                                })
                            >
                                {format!("Add hours on {}", day.label())}
                            </button>
                        </fieldset>
                    }
                })
                .collect_view()}
            <CheckboxField id="works-holidays" label="Takes bookings on public holidays" checked=holidays />
            <h2 class="section-title">"Leave and extra hours"</h2>
            <ul class="plain-list">
                {move || {
                    exceptions
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| {
                            let days = if x.start_date == x.end_date {
                                long_day(x.start_date)
                            } else {
                                format!("{} to {}", long_day(x.start_date), long_day(x.end_date))
                            };
                            let hours = match (x.start_time, x.end_time) {
                                (Some(s), Some(e)) => format!(", {} – {}", clock_time(s), clock_time(e)),
                                _ => String::new(),
                            };
                            let kind = match x.kind {
                                ExceptionKind::Unavailable => "Away",
                                ExceptionKind::Available => "Extra hours",
                            };
                            let reason = x.reason.clone().map(|r| format!(" ({r})")).unwrap_or_default();
                            view! {
                                <li class="list-row">
                                    <span>{format!("{kind}: {days}{hours}{reason}")}</span>
                                    <button type="button" class="button button-ghost button-small" on:click=move |_| exceptions.update(|v| { v.remove(i); })>
                                        "Remove"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <NewException exceptions />
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save availability" }}
                </button>
            </div>
        </form>
    }
}

/// Adds leave or extra hours to the list (saved with the form).
#[component]
fn NewException(exceptions: RwSignal<Vec<ExceptionRow>>) -> impl IntoView {
    let kind = RwSignal::new("unavailable".to_owned());
    let from = RwSignal::new(today().to_string());
    let to = RwSignal::new(today().to_string());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move |_| {
        error.set(None);
        let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (Some(start_date), Some(end_date)) =
            (parse(&from.get_untracked()), parse(&to.get_untracked()))
        else {
            error.set(Some("Choose the first and last days.".into()));
            return;
        };
        let kind =
            ExceptionKind::parse(&kind.get_untracked()).unwrap_or(ExceptionKind::Unavailable);
        let (st, et) = (
            ClockTime::parse(&start.get_untracked()),
            ClockTime::parse(&end.get_untracked()),
        );
        let row = ExceptionRow {
            kind,
            start_date,
            end_date,
            start_time: st,
            end_time: et,
            reason: crate::forms::optional(&reason.get_untracked()),
        };
        let check = AvailabilityInput {
            exceptions: vec![AvailabilityException {
                kind,
                start_date,
                end_date,
                start_time: st,
                end_time: et,
                reason: row.reason.clone(),
            }],
            ..AvailabilityInput::default()
        };
        if let Err(e) = check.validate() {
            error.set(e.first().map(|e| e.message.clone()));
            return;
        }
        exceptions.update(|v| v.push(row));
        reason.set(String::new());
    };
    view! {
        <fieldset class="fieldset" aria-label="Add leave or extra hours">
            <legend>"Add"</legend>
            <div class="inline-form-row">
                <label class="field">
                    <span class="field-label">"Kind"</span>
                    <select class="input select" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="unavailable">"Away (leave, training)"</option>
                        <option value="available">"Extra hours"</option>
                    </select>
                </label>
                <label class="field"><span class="field-label">"From"</span><input type="date" class="input" bind:value=from /></label>
                <label class="field"><span class="field-label">"To"</span><input type="date" class="input" bind:value=to /></label>
                <label class="field"><span class="field-label">"Start (optional)"</span><input type="time" class="input" step="300" bind:value=start /></label>
                <label class="field"><span class="field-label">"End (optional)"</span><input type="time" class="input" step="300" bind:value=end /></label>
                <label class="field"><span class="field-label">"Reason"</span><input type="text" class="input" bind:value=reason /></label>
            </div>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <button type="button" class="button button-secondary button-small" on:click=add>"Add to the list"</button>
        </fieldset>
    }
}

/// The practitioner's private calendar feed: make an address (shown once), or stop it.
#[component]
fn FeedPanel(practitioner: Uuid) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let feed = Loader::new(
        || (),
        move |()| async move { api::scheduling::feed(&auth.client(), practitioner).await },
    );
    let names = RwSignal::new(false);
    let url = RwSignal::new(None::<String>);
    let create = Action::new_unsync(move |_: &()| async move {
        match api::scheduling::create_feed(&auth.client(), practitioner, names.get_untracked())
            .await
        {
            Ok(f) => {
                url.set(f.url.clone());
                feed.set(Some(f));
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let stop = Action::new_unsync(move |_: &()| async move {
        match api::scheduling::delete_feed(&auth.client(), practitioner).await {
            Ok(()) => {
                url.set(None);
                feed.set(None);
                toasts.success("The calendar feed is stopped.");
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    view! {
        <section class="card stack" aria-labelledby="feed-title">
            <h2 class="card-title" id="feed-title">"Calendar feed"</h2>
            <p class="field-hint">
                "Subscribe to your appointments from your phone or desktop calendar. The address is private: anyone who has it can read your calendar."
            </p>
            {move || url.get().map(|u| view! {
                <div class="alert alert-info">
                    <p>"Your feed's address (shown only now):"</p>
                    <code class="secret">{u.clone()}</code>
                    <button type="button" class="button button-secondary button-small" on:click=move |_| format::copy_to_clipboard(&u)>"Copy"</button>
                </div>
            })}
            {move || match feed.get() {
                Some(Ok(Some(f))) => view! {
                    <p>{format!(
                        "On since {}{}.",
                        format::date_time(f.created_at),
                        f.last_fetched_at.map(|t| format!("; last read {}", format::date_time(t))).unwrap_or_default()
                    )}</p>
                    <div class="form-actions form-actions-start">
                        <button type="button" class="button button-secondary" on:click=move |_| { create.dispatch(()); }>"New address"</button>
                        <button type="button" class="button button-danger-outline" on:click=move |_| { stop.dispatch(()); }>"Stop the feed"</button>
                    </div>
                }
                    .into_any(),
                Some(Ok(None)) => view! {
                    <CheckboxField id="feed-names" label="Show patients' names in my calendar app" checked=names />
                    <button type="button" class="button button-secondary" on:click=move |_| { create.dispatch(()); }>"Make a feed address"</button>
                }
                    .into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                None => view! { <SkeletonRows rows=1 /> }.into_any(),
            }}
        </section>
    }
}

/// Google Calendar sync: connect your own account (through Google's consent page), see its
/// state, disconnect. Managers see anyone's and may disconnect it.
#[component]
fn GooglePanel(practitioner: Uuid, own: bool) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let query = use_query_map();
    let status = Loader::new(
        || (),
        move |()| async move { api::scheduling::google_calendar(&auth.client(), practitioner).await },
    );
    // Back from Google's consent page.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !own {
            return true;
        }
        match query.with_untracked(|q| q.get("google")).as_deref() {
            Some("connected") => toasts
                .success("Google Calendar is connected. Your appointments are being added to it."),
            Some("declined") => {
                toasts.error("Google Calendar was not connected: access was declined.")
            }
            Some("error") => toasts.error("Google Calendar could not be connected. Try again."),
            _ => {}
        }
        true
    });
    let names = RwSignal::new(false);
    let connect = Action::new_unsync(move |_: &()| async move {
        match api::scheduling::connect_google_calendar(
            &auth.client(),
            practitioner,
            names.get_untracked(),
        )
        .await
        {
            Ok(link) => {
                let _ = window().location().assign(&link.authorize_url);
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let disconnect = Action::new_unsync(move |_: &()| async move {
        match api::scheduling::disconnect_google_calendar(&auth.client(), practitioner).await {
            Ok(()) => {
                status.reload();
                toasts.success(
                    "Google Calendar is disconnected; Carebase's events are removed from it.",
                );
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    view! {
        {move || match status.get() {
            // Offered only where the practice has set Google up.
            Some(Ok(s)) if !s.available && s.connection.is_none() => ().into_any(),
            Some(Ok(s)) => view! {
                <section class="card stack" aria-labelledby="google-title">
                    <h2 class="card-title" id="google-title">"Google Calendar"</h2>
                    {match s.connection {
                        Some(c) => {
                            let reconnect = c.state == CalendarSyncState::Reconnect;
                            view! {
                                <p>{format!(
                                    "Appointments go to {}{}.",
                                    c.account,
                                    if c.include_patient_names { ", with patients' names" } else { ", showing only the appointment type" }
                                )}</p>
                                <p class="muted">{format!(
                                    "Connected {}{}{}.",
                                    format::date_time(c.connected_at),
                                    c.last_sync_at.map(|t| format!("; last updated {}", format::date_time(t))).unwrap_or_default(),
                                    if c.pending > 0 { format!("; {} waiting", c.pending) } else { String::new() }
                                )}</p>
                                {c.last_error.map(|e| view! { <div class="alert alert-warning" role="status">{e}</div> })}
                                <div class="form-actions form-actions-start">
                                    {(own && reconnect).then(|| view! {
                                        <button type="button" class="button button-primary" on:click=move |_| { connect.dispatch(()); }>"Connect again"</button>
                                    })}
                                    <button type="button" class="button button-danger-outline" on:click=move |_| { disconnect.dispatch(()); }>"Disconnect"</button>
                                </div>
                            }
                                .into_any()
                        }
                        None if own => view! {
                            <p class="field-hint">
                                "Add your appointments to your own Google Calendar; they move and disappear there as they change here."
                            </p>
                            <CheckboxField id="google-names" label="Show patients' names in Google Calendar" checked=names />
                            <button type="button" class="button button-secondary" on:click=move |_| { connect.dispatch(()); }>"Connect Google Calendar"</button>
                        }
                            .into_any(),
                        None => view! { <p class="muted">"Not connected."</p> }.into_any(),
                    }}
                </section>
            }
                .into_any(),
            Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// A time of day from the availability rules, as the app writes times: `9:00 am`; the end of the
/// day reads `midnight`.
fn clock_time(t: ClockTime) -> String {
    let minutes = u32::from(t.0);
    if minutes >= 24 * 60 {
        return "midnight".to_owned();
    }
    chrono::NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0)
        .map(crate::format::time)
        .unwrap_or_else(|| t.to_string())
}
