//! `/calendar`: the practice's calendar in day, week and month views. The day view puts
//! practitioners side by side; appointments are coloured by type; time a practitioner does not
//! take bookings is shaded, with leave, closures and public holidays labelled. Drag an
//! appointment to another time or practitioner to move it (a conflict is refused with the
//! server's reason, and the appointment goes back); click free time to book it.

use std::collections::BTreeSet;

use api_types::scheduling::{
    Appointment, AppointmentPatch, AppointmentStatus, BlockKind, CalendarBlock, CalendarView,
    NewCalendarBlock, Practitioner, TimeOffKind,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::booking::{BookingDialog, Prefill};
use super::details::AppointmentDialog;
use super::{clock, long_day, minute_of_day, short_day, week_start};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, Dialog, PageTitle, ProblemAlert, SelectField, SkeletonRows, TextField,
};
use crate::forms::{today, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Day,
    Week,
    Month,
}

/// Pixels per minute of the time grid: a 15-minute appointment is 30 px, room for its two lines.
const PX: f64 = 2.0;
/// Appointments this short (in minutes) are laid out compactly.
const SHORT: i64 = 20;

impl View {
    fn slug(self) -> &'static str {
        match self {
            View::Day => "day",
            View::Week => "week",
            View::Month => "month",
        }
    }

    fn parse(s: &str) -> Option<View> {
        match s {
            "day" => Some(View::Day),
            "week" => Some(View::Week),
            "month" => Some(View::Month),
            _ => None,
        }
    }
}

/// Whether the screen is phone-sized: the calendar is then one practitioner's day, as a list.
fn is_narrow() -> bool {
    window()
        .match_media("(max-width: 767px)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Keeps the calendar's date, view and practitioner in the address without a navigation, so a
/// reload (or a shared link) opens the same calendar.
fn write_address(view: View, date: NaiveDate, person: Option<Uuid>, some: Option<Vec<Uuid>>) {
    let mut url = format!("/calendar?date={date}&view={}", view.slug());
    if let Some(p) = person {
        url.push_str(&format!("&practitioner={p}"));
    }
    if let Some(ids) = some.filter(|ids| !ids.is_empty()) {
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        url.push_str(&format!("&practitioners={}", ids.join(",")));
    }
    if let Ok(history) = window().history() {
        let current = window().location().href().unwrap_or_default();
        if !current.ends_with(&url) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}
/// Snap for drags and clicks.
const SNAP: i64 = 15;

/// One column of the time grid: a practitioner on a day.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    date: NaiveDate,
    practitioner: Practitioner,
}

fn range_of(view: View, anchor: NaiveDate) -> (NaiveDate, NaiveDate) {
    match view {
        View::Day => (anchor, anchor),
        View::Week => {
            let from = week_start(anchor);
            (from, from + Duration::days(6))
        }
        View::Month => {
            let first = anchor.with_day(1).unwrap_or(anchor);
            let from = week_start(first);
            (from, from + Duration::days(41))
        }
    }
}

fn title_of(view: View, anchor: NaiveDate) -> String {
    match view {
        View::Day => long_day(anchor),
        View::Week => {
            let (from, to) = range_of(View::Week, anchor);
            format!("{} – {}", short_day(from), to.format("%-d %b %Y"))
        }
        View::Month => anchor.format("%B %Y").to_string(),
    }
}

/// The hours the grid shows: 07:00–19:00, widened to fit what the range holds.
fn hours(cal: &CalendarView) -> (i64, i64) {
    let mut first = 7 * 60;
    let mut last = 19 * 60;
    let spans = cal
        .columns
        .iter()
        .flat_map(|c| c.available.iter().map(|s| (s.start, s.end)))
        .chain(
            cal.appointments
                .iter()
                .map(|a| (a.local_start, a.local_end)),
        );
    for (s, e) in spans {
        if s.date() == e.date() {
            first = first.min(minute_of_day(s) / 60 * 60);
            last = last.max((minute_of_day(e) + 59) / 60 * 60);
        } else {
            first = 0;
            last = 24 * 60;
        }
    }
    (first, last.min(24 * 60))
}

/// Clips a local span to one day, in minutes after midnight.
fn on_day(date: NaiveDate, start: NaiveDateTime, end: NaiveDateTime) -> Option<(i64, i64)> {
    let day_start = date.and_time(NaiveTime::MIN);
    let day_end = day_start + Duration::days(1);
    if end <= day_start || start >= day_end {
        return None;
    }
    let s = (start.max(day_start) - day_start).num_minutes();
    let e = (end.min(day_end) - day_start).num_minutes();
    Some((s, e))
}

/// A drag in progress.
#[derive(Debug, Clone)]
struct Drag {
    appointment: Appointment,
    start_x: i32,
    start_y: i32,
    dx: i32,
    dy: i32,
    moved: bool,
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    // The address says which day, view and practitioner to open (`?date=…&view=…`).
    let query = leptos_router::hooks::use_query_map();
    let asked = |key: &str| query.with_untracked(|q| q.get(key));
    let narrow = is_narrow();
    let view_kind = RwSignal::new(if narrow {
        View::Day
    } else {
        asked("view")
            .and_then(|v| View::parse(&v))
            .unwrap_or(View::Day)
    });
    // The week view (and a phone's day) shows one practitioner.
    let week_person = RwSignal::new(asked("practitioner").and_then(|p| p.parse::<Uuid>().ok()));
    let anchor = RwSignal::new(
        asked("date")
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .unwrap_or_else(today),
    );
    let one_person = move || narrow || view_kind.get() == View::Week;
    let people = Loader::new(
        || (),
        move |()| async move { api::scheduling::practitioners(&auth.client()).await },
    );
    // The day view shows everyone unless narrowed down (`?practitioners=…`).
    let selected = RwSignal::new(
        asked("practitioners")
            .map(|list| {
                list.split(',')
                    .filter_map(|id| id.trim().parse::<Uuid>().ok())
                    .collect::<BTreeSet<Uuid>>()
            })
            .unwrap_or_default(),
    );
    Effect::new(move |_| {
        let person = if one_person() {
            week_person.get()
        } else {
            None
        };
        let all = people.value().map(|list| list.len()).unwrap_or(0);
        let some = selected.with(|s| {
            (!one_person() && view_kind.get() == View::Day && !s.is_empty() && s.len() < all)
                .then(|| s.iter().copied().collect())
        });
        write_address(view_kind.get(), anchor.get(), person, some);
    });
    // Everyone is shown until someone narrows it down.
    Effect::new(move |_| {
        if let Some(list) = people.value() {
            if selected.with_untracked(BTreeSet::is_empty) {
                selected.set(list.iter().map(|p| p.id).collect());
            }
            if week_person.get_untracked().is_none() {
                // Someone who takes appointments starts on their own.
                let me = auth.me().map(|m| m.id);
                let own = list.iter().find(|p| Some(p.id) == me).map(|p| p.id);
                week_person.set(own.or_else(|| list.first().map(|p| p.id)));
            }
        }
    });
    let calendar = Loader::new(
        move || {
            let v = view_kind.get();
            let chosen = if one_person() {
                week_person.get().into_iter().collect()
            } else {
                selected.get()
            };
            (v, anchor.get(), chosen)
        },
        move |(v, a, chosen)| async move {
            let (from, to) = range_of(v, a);
            let ids: Vec<Uuid> = chosen.into_iter().collect();
            if ids.is_empty() {
                // Practitioners not loaded yet, or none chosen: the full calendar.
                return api::scheduling::calendar(&auth.client(), from, to, &[]).await;
            }
            api::scheduling::calendar(&auth.client(), from, to, &ids).await
        },
    );
    let booking_open = RwSignal::new(false);
    let prefill = RwSignal::new(None::<Prefill>);
    let details_open = RwSignal::new(false);
    let opened = RwSignal::new(None::<Appointment>);
    let drag = RwSignal::new(None::<Drag>);
    let hold_open = RwSignal::new(false);
    let release = Action::new_unsync(move |b: &CalendarBlock| {
        let b = b.clone();
        async move {
            match api::scheduling::delete_block(&auth.client(), b.id).await {
                Ok(()) => toasts.success(format!("Released {}.", b.label)),
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
            calendar.reload();
        }
    });
    let on_block = Callback::new(move |b: CalendarBlock| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(&format!(
                    "Release \"{}\" ({} – {})?",
                    b.label,
                    clock(b.local_start),
                    clock(b.local_end)
                ))
                .ok()
            })
            .unwrap_or(false);
        if confirmed {
            release.dispatch(b);
        }
    });

    let open_booking = Callback::new(move |p: Option<Prefill>| {
        prefill.set(p);
        booking_open.set(true);
    });
    let open_details = Callback::new(move |a: Appointment| {
        opened.set(Some(a));
        details_open.set(true);
    });
    let move_to = Action::new_unsync(move |args: &(Appointment, NaiveDateTime, Uuid)| {
        let (a, local, practitioner) = args.clone();
        async move {
            let patch = AppointmentPatch {
                local_start: Some(local),
                practitioner_id: (practitioner != a.practitioner_id).then_some(practitioner),
                ..AppointmentPatch::default()
            };
            match api::scheduling::update(&auth.client(), a.id, &patch, Some(a.version)).await {
                Ok(moved) => toasts.success(format!(
                    "Moved {} to {} with {}.",
                    moved.patient_name,
                    super::when(moved.local_start),
                    moved.practitioner_name
                )),
                Err(p) => toasts.error(format!(
                    "Not moved: {}",
                    p.detail.clone().unwrap_or(p.title.clone())
                )),
            }
            calendar.reload();
        }
    });
    let on_drop = Callback::new(
        move |(a, local, practitioner): (Appointment, NaiveDateTime, Uuid)| {
            if local != a.local_start || practitioner != a.practitioner_id {
                move_to.dispatch((a, local, practitioner));
            }
        },
    );
    let step = move |forward: bool| {
        let sign = if forward { 1 } else { -1 };
        anchor.update(|d| {
            *d = match view_kind.get_untracked() {
                View::Day => *d + Duration::days(sign),
                View::Week => *d + Duration::days(7 * sign),
                View::Month => {
                    let first = d.with_day(1).unwrap_or(*d);
                    if forward {
                        first + Duration::days(32)
                    } else {
                        first - Duration::days(1)
                    }
                    .with_day(1)
                    .unwrap_or(first)
                }
            }
        });
    };
    let view_buttons = move || {
        [
            (View::Day, "Day"),
            (View::Week, "Week"),
            (View::Month, "Month"),
        ]
        .into_iter()
        .map(|(v, label)| {
            view! {
                <button
                    type="button"
                    class="button button-secondary button-small"
                    aria-pressed=move || (view_kind.get() == v).to_string()
                    on:click=move |_| view_kind.set(v)
                >
                    {label}
                </button>
            }
        })
        .collect_view()
    };
    let date_picker = move || {
        view! {
            <label class="field calendar-date">
                <span class="visually-hidden">"Go to date"</span>
                <input
                    type="date"
                    class="input input-compact"
                    prop:value=move || anchor.get().to_string()
                    on:change=move |ev| {
                        if let Ok(d) = NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d") {
                            anchor.set(d);
                        }
                    }
                />
            </label>
        }
    };
    let person_select = move |label: &'static str| {
        view! {
            <div class="field calendar-person">
                <label class="field-label" for="week-person">{label}</label>
                <select id="week-person" class="input select input-compact" on:change=move |ev| week_person.set(event_target_value(&ev).parse().ok())>
                    {move || people.value().unwrap_or_default().into_iter().map(|p| {
                        let selected = week_person.get() == Some(p.id);
                        view! { <option value=p.id.to_string() selected=selected>{p.name}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <PageTitle text="Calendar" />
        <div class="page page-wide calendar-page" class:calendar-phone=narrow>
            <div class="page-header">
                <h1 class="page-title">"Calendar"</h1>
                <div class="form-actions-start button-row">
                    {(!narrow).then(|| view! {
                        <button type="button" class="button button-secondary" on:click=move |_| hold_open.set(true)>
                            "Hold time"
                        </button>
                    })}
                    <button type="button" class="button button-primary" on:click=move |_| open_booking.run(None)>
                        {if narrow { "Book" } else { "Book appointment" }}
                    </button>
                </div>
            </div>
            <div class="toolbar calendar-toolbar">
                <div class="button-group" role="group" aria-label="Move through the calendar">
                    <button type="button" class="button button-secondary button-small" on:click=move |_| step(false) aria-label="Previous">"‹"</button>
                    <button type="button" class="button button-secondary button-small" on:click=move |_| anchor.set(today())>"Today"</button>
                    <button type="button" class="button button-secondary button-small" on:click=move |_| step(true) aria-label="Next">"›"</button>
                </div>
                <h2 class="calendar-title" aria-live="polite">{move || title_of(view_kind.get(), anchor.get())}</h2>
                {(!narrow).then(|| view! {
                    <div class="button-group" role="group" aria-label="View">{view_buttons}</div>
                    {date_picker}
                })}
            </div>
            {if narrow {
                view! {
                    {person_select("Whose day")}
                    <details class="calendar-more">
                        <summary>"More options"</summary>
                        <div class="calendar-more-body">
                            {date_picker}
                            <button type="button" class="button button-secondary button-small" on:click=move |_| hold_open.set(true)>
                                "Hold time"
                            </button>
                        </div>
                    </details>
                }
                    .into_any()
            } else {
                view! {
                    {move || (view_kind.get() == View::Week).then(|| person_select("Whose week"))}
                    <fieldset class="practitioner-filter" hidden=move || view_kind.get() == View::Week>
                        <legend class="visually-hidden">"Practitioners shown"</legend>
                        {move || {
                            people
                                .value()
                                .unwrap_or_default()
                                .into_iter()
                                .map(|p| {
                                    let id = p.id;
                                    let checked = move || selected.with(|s| s.contains(&id));
                                    view! {
                                        <label class="chip chip-toggle">
                                            <input
                                                type="checkbox"
                                                prop:checked=checked
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    selected.update(|s| {
                                                        if on { s.insert(id); } else if s.len() > 1 { s.remove(&id); }
                                                    });
                                                }
                                            />
                                            {p.name.clone()}
                                        </label>
                                    }
                                })
                                .collect_view()
                        }}
                    </fieldset>
                }
                    .into_any()
            }}
            <div class="card card-flush calendar-card" aria-busy=move || calendar.loading().to_string()>
                {move || match calendar.get() {
                    None => view! { <SkeletonRows rows=8 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(cal)) if narrow => {
                        let person = week_person.get();
                        view! { <Agenda cal person on_open=open_details on_book=open_booking on_block /> }.into_any()
                    }
                    Some(Ok(cal)) => {
                        let kind = view_kind.get();
                        let chosen: BTreeSet<Uuid> = if kind == View::Week {
                            week_person.get().into_iter().collect()
                        } else {
                            selected.get()
                        };
                        let shown: Vec<Practitioner> = cal
                            .columns
                            .iter()
                            .map(|c| c.practitioner.clone())
                            .filter(|p| chosen.is_empty() || chosen.contains(&p.id))
                            .collect();
                        match kind {
                            View::Month => view! {
                                <MonthGrid cal anchor=anchor.get() on_day=Callback::new(move |d| { anchor.set(d); view_kind.set(View::Day); }) on_open=open_details />
                            }
                                .into_any(),
                            View::Day | View::Week => {
                                let (from, to) = (cal.from, cal.to);
                                let columns: Vec<Column> = from
                                    .iter_days()
                                    .take_while(|d| *d <= to)
                                    .flat_map(|date| shown.iter().map(move |p| Column { date, practitioner: p.clone() }))
                                    .collect();
                                view! { <TimeGrid cal columns drag on_open=open_details on_book=open_booking on_drop on_block /> }.into_any()
                            }
                        }
                    }
                }}
            </div>
        </div>
        <BookingDialog
            open=booking_open
            prefill=Signal::derive(move || prefill.get())
            on_booked=Callback::new(move |_| calendar.reload())
        />
        <AppointmentDialog open=details_open appointment=opened on_change=Callback::new(move |_| calendar.reload()) />
        <HoldDialog open=hold_open day=Signal::derive(move || anchor.get()) on_held=Callback::new(move |()| calendar.reload()) />
    }
}

/// Holds time on a practitioner's calendar: admin time, walk-ins or a group session.
#[component]
fn HoldDialog(
    open: RwSignal<bool>,
    day: Signal<NaiveDate>,
    on_held: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let people = Loader::new(
        || (),
        move |()| async move { api::scheduling::practitioners(&auth.client()).await },
    );
    let who = RwSignal::new(String::new());
    let kind = RwSignal::new("admin".to_owned());
    let label = RwSignal::new("Admin time".to_owned());
    let date = RwSignal::new(String::new());
    let start = RwSignal::new("12:00".to_owned());
    let minutes = RwSignal::new("60".to_owned());
    let capacity = RwSignal::new("6".to_owned());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    Effect::new(move |_| {
        if open.get() {
            date.set(day.get_untracked().to_string());
        }
    });
    Effect::new(move |_| {
        if let Some(first) = people
            .value()
            .and_then(|p| p.first().map(|p| p.id.to_string()))
        {
            if who.get_untracked().is_empty() {
                who.set(first);
            }
        }
    });
    let hold = Action::new_unsync(move |input: &NewCalendarBlock| {
        let input = input.clone();
        async move {
            match api::scheduling::create_block(&auth.client(), &input).await {
                Ok(b) => {
                    toasts.success(format!(
                        "Held {} – {} for {}.",
                        clock(b.local_start),
                        clock(b.local_end),
                        b.label
                    ));
                    open.set(false);
                    on_held.run(());
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let local = NaiveDateTime::parse_from_str(
            &format!("{}T{}", date.get_untracked(), start.get_untracked()),
            "%Y-%m-%dT%H:%M",
        )
        .ok();
        let input = NewCalendarBlock {
            practitioner_id: who.get_untracked().parse().unwrap_or_default(),
            kind: BlockKind::parse(&kind.get_untracked()).unwrap_or(BlockKind::Admin),
            label: label.get_untracked().trim().to_owned(),
            starts_at: None,
            local_start: local,
            fold: None,
            duration_minutes: minutes.get_untracked().trim().parse().unwrap_or(0),
            capacity: capacity.get_untracked().trim().parse().unwrap_or(0),
        };
        if errors.check(input.validate()) {
            hold.dispatch(input);
        }
    };
    view! {
        <Dialog open title="Hold time" id="hold-time">
            <form class="stack" on:submit=on_submit novalidate=true>
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                {move || {
                    let options: Vec<(String, String)> = people.value().unwrap_or_default().into_iter().map(|p| (p.id.to_string(), p.name)).collect();
                    (!options.is_empty()).then(|| view! { <SelectField id="hold-who" label="Practitioner" value=who options /> })
                }}
                <SelectField
                    id="hold-kind"
                    label="For"
                    value=kind
                    options=[BlockKind::Admin, BlockKind::WalkIn, BlockKind::Group].iter().map(|k| (k.as_str().to_owned(), k.label().to_owned())).collect()
                />
                <TextField id="label" label="Label" value=label error=errors.of("label") />
                <div class="grid">
                    <TextField id="hold-date" label="Day" value=date input_type="date" />
                    <TextField id="local_start" label="Start" value=start input_type="time" step="300" error=errors.of("local_start") />
                    <TextField id="duration_minutes" label="Minutes" value=minutes input_type="number" step="5" error=errors.of("duration_minutes") />
                    {move || (kind.get() == "group").then(|| view! { <TextField id="capacity" label="Places" value=capacity input_type="number" error=errors.of("capacity") /> })}
                </div>
                <div class="form-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="button button-primary">"Hold time"</button>
                </div>
            </form>
        </Dialog>
    }
}

/// Day and week views: a time axis, then a column per practitioner and day.
#[component]
fn TimeGrid(
    cal: CalendarView,
    columns: Vec<Column>,
    drag: RwSignal<Option<Drag>>,
    on_open: Callback<Appointment>,
    on_book: Callback<Option<Prefill>>,
    on_drop: Callback<(Appointment, NaiveDateTime, Uuid)>,
    on_block: Callback<CalendarBlock>,
) -> impl IntoView {
    let (first, last) = hours(&cal);
    let height = (last - first) as f64 * PX;
    let multi_day = columns.first().map(|c| c.date) != columns.last().map(|c| c.date);
    let multi_person = columns.first().is_some_and(|f| {
        columns
            .iter()
            .any(|c| c.practitioner.id != f.practitioner.id)
    });
    let now = cal.now_local;
    let cal = StoredValue::new(cal);
    let hour_labels = (first / 60..last / 60)
        .map(|h| {
            let top = (h * 60 - first) as f64 * PX;
            view! {
                <div class="cal-hour-label" style=format!("top: {top}px")>
                    {clock(NaiveDate::MIN.and_time(NaiveTime::from_hms_opt(h as u32, 0, 0).unwrap_or(NaiveTime::MIN)))}
                </div>
            }
        })
        .collect_view();
    let n = columns.len();
    view! {
        <div class="cal-scroll" tabindex="0" role="region" aria-label="Calendar times">
            <div class="cal-grid" style=format!("--cal-columns: {n}")>
                <div class="cal-corner"></div>
                {columns
                    .iter()
                    .map(|c| {
                        let holiday = cal.with_value(|cal| cal.holidays.iter().find(|h| h.date == c.date).map(|h| h.name.clone()));
                        let today_class = if c.date == now.date() { " cal-head-today" } else { "" };
                        view! {
                            <div class=format!("cal-head{today_class}")>
                                {multi_day.then(|| view! { <div class="cal-head-date">{short_day(c.date)}</div> })}
                                {(multi_person || !multi_day).then(|| view! { <div class="cal-head-name">{c.practitioner.name.clone()}</div> })}
                                {holiday.map(|h| view! { <div class="cal-head-holiday">{h}</div> })}
                            </div>
                        }
                    })
                    .collect_view()}
                <div class="cal-axis" style=format!("height: {height}px")>{hour_labels}</div>
                {columns
                    .into_iter()
                    .map(|c| view! { <DayColumn c cal first last drag on_open on_book on_drop on_block /> })
                    .collect_view()}
            </div>
        </div>
    }
}

#[component]
fn DayColumn(
    c: Column,
    cal: StoredValue<CalendarView>,
    first: i64,
    last: i64,
    drag: RwSignal<Option<Drag>>,
    on_open: Callback<Appointment>,
    on_book: Callback<Option<Prefill>>,
    on_drop: Callback<(Appointment, NaiveDateTime, Uuid)>,
    on_block: Callback<CalendarBlock>,
) -> impl IntoView {
    let height = (last - first) as f64 * PX;
    let date = c.date;
    let pid = c.practitioner.id;
    let y = move |minute: i64| (minute - first) as f64 * PX;
    let (available, time_off, appointments, blocks) = cal.with_value(|cal| {
        let column = cal.columns.iter().find(|col| col.practitioner.id == pid);
        let available: Vec<(i64, i64)> = column
            .map(|col| {
                col.available
                    .iter()
                    .filter_map(|s| on_day(date, s.start, s.end))
                    .collect()
            })
            .unwrap_or_default();
        let time_off: Vec<(i64, i64, TimeOffKind, String)> = column
            .map(|col| {
                col.time_off
                    .iter()
                    .filter_map(|t| {
                        on_day(date, t.start, t.end).map(|(s, e)| (s, e, t.kind, t.label.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let appointments: Vec<Appointment> = cal
            .appointments
            .iter()
            .filter(|a| {
                a.practitioner_id == pid
                    && a.local_start.date() == date
                    && a.status != AppointmentStatus::Cancelled
            })
            .cloned()
            .collect();
        let blocks: Vec<_> = cal
            .blocks
            .iter()
            .filter(|b| b.practitioner_id == pid && b.local_start.date() == date)
            .cloned()
            .collect();
        (available, time_off, appointments, blocks)
    });
    let label = format!("{} on {}", c.practitioner.name, long_day(date));
    // Clicking free time books it, at the quarter hour clicked.
    let on_click = move |ev: web_sys::MouseEvent| {
        let Some(target) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let rect = target.get_bounding_client_rect();
        let minute = first + ((f64::from(ev.client_y()) - rect.top()) / PX) as i64;
        let minute = (minute / SNAP) * SNAP;
        let local = date.and_time(NaiveTime::MIN) + Duration::minutes(minute);
        on_book.run(Some(Prefill {
            practitioner_id: pid,
            local_start: local,
        }));
    };
    view! {
        <div
            class="cal-col"
            role="group"
            style=format!("height: {height}px")
            data-date=date.to_string()
            data-practitioner=pid.to_string()
            aria-label=label
            on:click=on_click
        >
            {(first / 60..last / 60)
                .map(|h| view! { <div class="cal-line" style=format!("top: {}px", y(h * 60))></div> })
                .collect_view()}
            {available
                .into_iter()
                .map(|(s, e)| view! { <div class="cal-available" style=format!("top: {}px; height: {}px", y(s.max(first)), (e.min(last) - s.max(first)).max(0) as f64 * PX)></div> })
                .collect_view()}
            {time_off
                .into_iter()
                .map(|(s, e, kind, text)| {
                    let class = match kind {
                        TimeOffKind::Leave => "cal-off cal-off-leave",
                        TimeOffKind::Closure => "cal-off cal-off-closure",
                        TimeOffKind::Holiday => "cal-off cal-off-holiday",
                    };
                    let (s, e) = (s.max(first), e.min(last));
                    (e > s).then(|| view! {
                        <div class=class style=format!("top: {}px; height: {}px", y(s), (e - s) as f64 * PX)>
                            <span class="cal-off-label">{text}</span>
                        </div>
                    })
                })
                .collect_view()}
            {blocks
                .into_iter()
                .map(|b| {
                    let s = minute_of_day(b.local_start);
                    let e = s + (b.local_end - b.local_start).num_minutes();
                    let title = if b.kind == BlockKind::Group { format!("{} ({} of {})", b.label, b.booked, b.capacity) } else { b.label.clone() };
                    let aria = format!("{} {} – {}", title, clock(b.local_start), clock(b.local_end));
                    let block = b.clone();
                    view! {
                        <div
                            class="cal-block"
                            role="button"
                            tabindex="0"
                            aria-label=aria
                            style=format!("top: {}px; height: {}px", y(s), (e - s) as f64 * PX)
                            on:click=move |ev| { ev.stop_propagation(); on_block.run(block.clone()); }
                        >
                            <span class="cal-event-title">{title}</span>
                            <span class="cal-event-meta">{format!("{} – {}", clock(b.local_start), clock(b.local_end))}</span>
                        </div>
                    }
                })
                .collect_view()}
            {appointments
                .into_iter()
                .map(|a| view! { <EventBox a first drag on_open on_drop /> })
                .collect_view()}
        </div>
    }
}

/// An appointment on the grid: open it with a click or the keyboard, move it by dragging.
#[component]
fn EventBox(
    a: Appointment,
    first: i64,
    drag: RwSignal<Option<Drag>>,
    on_open: Callback<Appointment>,
    on_drop: Callback<(Appointment, NaiveDateTime, Uuid)>,
) -> impl IntoView {
    let start = minute_of_day(a.local_start);
    let length = (a.local_end - a.local_start).num_minutes();
    let top = (start - first) as f64 * PX;
    let height = (length as f64 * PX).max(18.0);
    let id = a.id;
    let label = format!(
        "{} {}, {} with {}, {} to {}",
        a.patient_name,
        a.appointment_type_name,
        super::status_badge(a.status).1,
        a.practitioner_name,
        clock(a.local_start),
        clock(a.local_end)
    );
    let stored = StoredValue::new(a.clone());
    let dragging = move || {
        drag.with(|d| {
            d.as_ref()
                .is_some_and(|d| d.appointment.id == id && d.moved)
        })
    };
    let offset = move || {
        drag.with(|d| match d {
            Some(d) if d.appointment.id == id && d.moved => {
                format!("transform: translate({}px, {}px);", d.dx, d.dy)
            }
            _ => String::new(),
        })
    };
    let movable = a.status == AppointmentStatus::Booked;
    // While dragging, the card reads the time it would move to.
    let (a_start, a_end) = (a.local_start, a.local_end);
    let shown_start = move || {
        drag.with(|d| match d {
            Some(d) if d.appointment.id == id && d.moved => {
                let minute = snapped(start + (f64::from(d.dy) / PX).round() as i64);
                let s = a_start.date().and_time(NaiveTime::MIN) + Duration::minutes(minute);
                (s, s + Duration::minutes(length))
            }
            _ => (a_start, a_end),
        })
    };
    let on_down = move |ev: web_sys::PointerEvent| {
        if !movable || ev.button() != 0 {
            return;
        }
        ev.stop_propagation();
        if let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        drag.set(Some(Drag {
            appointment: stored.get_value(),
            start_x: ev.client_x(),
            start_y: ev.client_y(),
            dx: 0,
            dy: 0,
            moved: false,
        }));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        drag.update(|d| {
            if let Some(d) = d.as_mut().filter(|d| d.appointment.id == id) {
                d.dx = ev.client_x() - d.start_x;
                d.dy = ev.client_y() - d.start_y;
                d.moved = d.moved || d.dx.abs() + d.dy.abs() > 4;
            }
        });
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        ev.stop_propagation();
        let Some(d) = drag.get_untracked().filter(|d| d.appointment.id == id) else {
            return;
        };
        drag.set(None);
        if !d.moved {
            on_open.run(d.appointment);
            return;
        }
        // The column under the pointer; the time the box's top edge moved to, snapped to the
        // quarter hour (every column starts at the same height).
        if let Some((date, practitioner)) = column_at(ev.client_x()) {
            let minute = snapped(start + (f64::from(d.dy) / PX).round() as i64);
            let local = date.and_time(NaiveTime::MIN) + Duration::minutes(minute);
            on_drop.run((d.appointment, local, practitioner));
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" || ev.key() == " " {
            ev.prevent_default();
            on_open.run(stored.get_value());
        }
    };
    let class = move || {
        let mut c = String::from("cal-event");
        if dragging() {
            c.push_str(" cal-event-dragging");
        }
        if a.status != AppointmentStatus::Booked {
            c.push_str(" cal-event-");
            c.push_str(a.status.as_str());
        }
        if length <= SHORT {
            c.push_str(" cal-event-short");
        }
        c
    };
    let status = (a.status != AppointmentStatus::Booked).then(|| {
        let words = match a.status {
            AppointmentStatus::NoShow => "DNA",
            s => super::status_badge(s).1,
        };
        view! { <span class=format!("cal-event-status cal-status-{}", a.status.as_str()) title=super::status_badge(a.status).1>{words}</span> }
    });
    view! {
        <div
            class=class
            role="button"
            tabindex="0"
            aria-label=label
            data-appointment=id.to_string()
            style=move || format!("top: {top}px; height: {height}px; --event-colour: {}; {}", stored.with_value(|a| a.colour.clone()), offset())
            on:click=|ev| ev.stop_propagation()
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up
            on:pointercancel=move |_| drag.set(None)
            on:keydown=on_key
        >
            <span class="cal-event-title">{status}{stored.with_value(|a| a.patient_name.clone())}</span>
            <span class="cal-event-meta">
                {move || {
                    let (from, to) = shown_start();
                    if dragging() {
                        format!("{} – {}", clock(from), clock(to))
                    } else {
                        format!("{} · {}", clock(from), stored.with_value(|a| a.appointment_type_name.clone()))
                    }
                }}
            </span>
        </div>
    }
}

/// A minute of the day snapped to the quarter hour, within the day.
fn snapped(minute: i64) -> i64 {
    ((minute as f64 / SNAP as f64).round() as i64 * SNAP).clamp(0, 24 * 60 - SNAP)
}

/// The calendar column at a horizontal point of the viewport: its day and practitioner.
fn column_at(x: i32) -> Option<(NaiveDate, Uuid)> {
    let document = web_sys::window()?.document()?;
    let columns = document.query_selector_all(".cal-col").ok()?;
    let x = f64::from(x);
    for i in 0..columns.length() {
        let el = columns.item(i)?.dyn_into::<web_sys::Element>().ok()?;
        let rect = el.get_bounding_client_rect();
        if x >= rect.left() && x < rect.right() {
            let date =
                NaiveDate::parse_from_str(&el.get_attribute("data-date")?, "%Y-%m-%d").ok()?;
            let practitioner = el.get_attribute("data-practitioner")?.parse().ok()?;
            return Some((date, practitioner));
        }
    }
    None
}

/// A phone's calendar: one practitioner's day as a list, in time order, with their appointments,
/// held time and time off; tapping an appointment opens it, "Book" on free time books it.
#[component]
fn Agenda(
    cal: CalendarView,
    person: Option<Uuid>,
    on_open: Callback<Appointment>,
    on_book: Callback<Option<Prefill>>,
    on_block: Callback<CalendarBlock>,
) -> impl IntoView {
    let date = cal.from;
    let column = cal
        .columns
        .iter()
        .find(|c| Some(c.practitioner.id) == person)
        .or_else(|| cal.columns.first())
        .cloned();
    let Some(column) = column else {
        return view! { <p class="muted agenda-empty">"Nobody takes appointments on this calendar yet."</p> }.into_any();
    };
    let pid = column.practitioner.id;
    let mut appointments: Vec<Appointment> = cal
        .appointments
        .iter()
        .filter(|a| {
            a.practitioner_id == pid
                && a.local_start.date() == date
                && a.status != AppointmentStatus::Cancelled
        })
        .cloned()
        .collect();
    appointments.sort_by_key(|a| a.local_start);
    let blocks: Vec<CalendarBlock> = cal
        .blocks
        .iter()
        .filter(|b| b.practitioner_id == pid && b.local_start.date() == date)
        .cloned()
        .collect();
    let off: Vec<String> = column
        .time_off
        .iter()
        .filter(|t| on_day(date, t.start, t.end).is_some())
        .map(|t| t.label.clone())
        .collect();
    let hours: Vec<String> = column
        .available
        .iter()
        .filter_map(|s| {
            on_day(date, s.start, s.end).map(|_| format!("{} – {}", clock(s.start), clock(s.end)))
        })
        .collect();
    let first_free = column
        .available
        .iter()
        .find(|s| s.start.date() == date)
        .map(|s| s.start);
    enum Row {
        Appointment(Box<Appointment>),
        Block(CalendarBlock),
    }
    let mut rows: Vec<(NaiveDateTime, Row)> = appointments
        .into_iter()
        .map(|a| (a.local_start, Row::Appointment(Box::new(a))))
        .chain(blocks.into_iter().map(|b| (b.local_start, Row::Block(b))))
        .collect();
    rows.sort_by_key(|(t, _)| *t);
    let empty = rows.is_empty();
    view! {
        <div class="agenda" role="region" aria-label=format!("{} on {}", column.practitioner.name, long_day(date))>
            <p class="agenda-hours muted">
                {if hours.is_empty() { "Not taking bookings this day".to_owned() } else { format!("Hours {}", hours.join(", ")) }}
                {off.into_iter().map(|o| view! { " · " <span class="agenda-off">{o}</span> }).collect_view()}
            </p>
            {empty.then(|| view! { <p class="muted agenda-empty">"Nothing booked."</p> })}
            <ol class="plain-list agenda-list">
                {rows
                    .into_iter()
                    .map(|(_, row)| match row {
                        Row::Appointment(a) => {
                            let a = *a;
                            let (_, status) = super::status_badge(a.status);
                            let status_class = if a.status == AppointmentStatus::Booked { String::new() } else { format!(" cal-event-{}", a.status.as_str()) };
                            let when = format!("{} – {}", clock(a.local_start), clock(a.local_end));
                            let colour = format!("--event-colour: {}", a.colour);
                            let label = format!("{} {}, {}, {}", when, a.patient_name, a.appointment_type_name, status);
                            let stored = a.clone();
                            view! {
                                <li>
                                    <button type="button" class=format!("agenda-item{status_class}") style=colour aria-label=label data-appointment=a.id.to_string() on:click=move |_| on_open.run(stored.clone())>
                                        <span class="agenda-time">{when}</span>
                                        <span class="agenda-main">
                                            <span class="cal-event-title">{a.patient_name.clone()}</span>
                                            <span class="cal-event-meta">{a.appointment_type_name.clone()}</span>
                                        </span>
                                        {(a.status != AppointmentStatus::Booked).then(|| view! { <span class=format!("cal-event-status cal-status-{}", a.status.as_str())>{status}</span> })}
                                    </button>
                                </li>
                            }
                                .into_any()
                        }
                        Row::Block(b) => {
                            let when = format!("{} – {}", clock(b.local_start), clock(b.local_end));
                            let stored = b.clone();
                            view! {
                                <li>
                                    <button type="button" class="agenda-item agenda-block" on:click=move |_| on_block.run(stored.clone())>
                                        <span class="agenda-time">{when}</span>
                                        <span class="agenda-main"><span class="cal-event-title">{b.label.clone()}</span></span>
                                    </button>
                                </li>
                            }
                                .into_any()
                        }
                    })
                    .collect_view()}
            </ol>
            {first_free.map(|start| view! {
                <button type="button" class="button button-secondary button-small" on:click=move |_| on_book.run(Some(Prefill { practitioner_id: pid, local_start: start }))>
                    "Book a time this day"
                </button>
            })}
        </div>
    }
        .into_any()
}

/// The month view: six weeks of days, each with its holidays and first appointments.
#[component]
fn MonthGrid(
    cal: CalendarView,
    anchor: NaiveDate,
    on_day: Callback<NaiveDate>,
    on_open: Callback<Appointment>,
) -> impl IntoView {
    const SHOWN: usize = 3;
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let today = cal.now_local.date();
    let days: Vec<NaiveDate> = cal.from.iter_days().take_while(|d| *d <= cal.to).collect();
    view! {
        <div class="month-grid" role="group" aria-label=anchor.format("%B %Y").to_string()>
            {weekdays.iter().map(|w| view! { <div class="month-weekday" aria-hidden="true">{*w}</div> }).collect_view()}
            {days
                .into_iter()
                .map(|d| {
                    let holiday = cal.holidays.iter().find(|h| h.date == d).map(|h| h.name.clone());
                    let closed = cal.closures.iter().any(|c| c.start_date <= d && d <= c.end_date);
                    let mut list: Vec<Appointment> = cal
                        .appointments
                        .iter()
                        .filter(|a| a.local_start.date() == d && a.status != AppointmentStatus::Cancelled)
                        .cloned()
                        .collect();
                    list.sort_by_key(|a| a.local_start);
                    let more = list.len().saturating_sub(SHOWN);
                    let mut class = String::from("month-day");
                    if d.month() != anchor.month() {
                        class.push_str(" month-day-other");
                    }
                    if d == today {
                        class.push_str(" month-day-today");
                    }
                    if holiday.is_some() || closed {
                        class.push_str(" month-day-off");
                    }
                    view! {
                        <div class=class>
                            <button type="button" class="month-day-number" on:click=move |_| on_day.run(d) aria-label=format!("Open {}", long_day(d))>
                                {d.day()}
                            </button>
                            {holiday.map(|h| view! { <div class="month-holiday">{h}</div> })}
                            {closed.then(|| view! { <div class="month-holiday">"Practice closed"</div> })}
                            <ul class="plain-list month-events">
                                {list
                                    .into_iter()
                                    .take(SHOWN)
                                    .map(|a| {
                                        let colour = format!("--event-colour: {}", a.colour);
                                        let text = format!("{} {}", clock(a.local_start), a.patient_name);
                                        view! {
                                            <li>
                                                <button type="button" class="month-event" style=colour on:click=move |_| on_open.run(a.clone())>
                                                    {text}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                            {(more > 0).then(|| view! {
                                <button type="button" class="link-button month-more" on:click=move |_| on_day.run(d)>
                                    {format!("{more} more")}
                                </button>
                            })}
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}
