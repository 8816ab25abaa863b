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

/// Pixels per minute of the time grid.
const PX: f64 = 1.6;
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
    let view_kind = RwSignal::new(View::Day);
    // The week view shows one practitioner's week.
    let week_person = RwSignal::new(None::<Uuid>);
    let anchor = RwSignal::new(today());
    let people = Loader::new(
        || (),
        move |()| async move { api::scheduling::practitioners(&auth.client()).await },
    );
    let selected = RwSignal::new(BTreeSet::<Uuid>::new());
    // Everyone is shown until someone narrows it down.
    Effect::new(move |_| {
        if let Some(list) = people.value() {
            if selected.with_untracked(BTreeSet::is_empty) {
                selected.set(list.iter().map(|p| p.id).collect());
            }
            if week_person.get_untracked().is_none() {
                week_person.set(list.first().map(|p| p.id));
            }
        }
    });
    let calendar = Loader::new(
        move || {
            let v = view_kind.get();
            let chosen = if v == View::Week {
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
    view! {
        <PageTitle text="Calendar" />
        <div class="page page-wide calendar-page">
            <div class="page-header">
                <h1 class="page-title">"Calendar"</h1>
                <div class="form-actions-start button-row">
                    <button type="button" class="button button-secondary" on:click=move |_| hold_open.set(true)>
                        "Hold time"
                    </button>
                    <button type="button" class="button button-primary" on:click=move |_| open_booking.run(None)>
                        "Book appointment"
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
                <div class="button-group" role="group" aria-label="View">
                    {[(View::Day, "Day"), (View::Week, "Week"), (View::Month, "Month")]
                        .into_iter()
                        .map(|(v, label)| view! {
                            <button
                                type="button"
                                class="button button-secondary button-small"
                                aria-pressed=move || (view_kind.get() == v).to_string()
                                on:click=move |_| view_kind.set(v)
                            >
                                {label}
                            </button>
                        })
                        .collect_view()}
                </div>
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
            </div>
            {move || (view_kind.get() == View::Week).then(|| view! {
                <div class="field calendar-person">
                    <label class="field-label" for="week-person">"Whose week"</label>
                    <select id="week-person" class="input select input-compact" on:change=move |ev| week_person.set(event_target_value(&ev).parse().ok())>
                        {people.value().unwrap_or_default().into_iter().map(|p| {
                            let selected = week_person.get_untracked() == Some(p.id);
                            view! { <option value=p.id.to_string() selected=selected>{p.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
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
            <div class="card card-flush calendar-card" aria-busy=move || calendar.loading().to_string()>
                {move || match calendar.get() {
                    None => view! { <SkeletonRows rows=8 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
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
            let minute = start + (f64::from(d.dy) / PX).round() as i64;
            let minute =
                ((minute as f64 / SNAP as f64).round() as i64 * SNAP).clamp(0, 24 * 60 - SNAP);
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
        c
    };
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
            <span class="cal-event-title">{stored.with_value(|a| a.patient_name.clone())}</span>
            <span class="cal-event-meta">
                {stored.with_value(|a| format!("{} · {}", clock(a.local_start), a.appointment_type_name))}
            </span>
        </div>
    }
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
