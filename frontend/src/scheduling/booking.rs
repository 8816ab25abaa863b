//! The booking dialog, in the manner of Calendly: choose the appointment type (and so its
//! length), then a practitioner or "any practitioner", then a day, then one of the free times;
//! staff find the patient inline. Opened from free time on the calendar, it starts with that
//! practitioner and time chosen.

use std::collections::BTreeMap;

use api_types::scheduling::{
    Appointment, AppointmentType, NewAppointment, Practitioner, Repeat, Slot, SlotList,
};
use api_types::ErrorCode;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use leptos::prelude::*;
use uuid::Uuid;

use super::{clock, long_day, price, short_day, when};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, CheckboxField, Dialog, PatientPicker, ProblemAlert, SkeletonRows, TextAreaField,
};
use crate::forms::today;

/// A time and practitioner chosen before the dialog opened (a click on the calendar).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prefill {
    pub practitioner_id: Uuid,
    pub local_start: NaiveDateTime,
}

/// How many days the day picker shows at a time.
const DAYS_SHOWN: i64 = 14;

#[component]
pub fn BookingDialog(
    open: RwSignal<bool>,
    /// A time chosen on the calendar.
    #[prop(into)]
    prefill: Signal<Option<Prefill>>,
    /// The patient, when booking from their record or from the portal.
    #[prop(optional)]
    patient: Option<(Uuid, String)>,
    /// Patients book for themselves: online types only, no patient search, no overrides.
    #[prop(optional)]
    portal: bool,
    on_booked: Callback<Appointment>,
) -> impl IntoView {
    view! {
        <Dialog open title="Book an appointment" id="booking">
            <BookingSteps open prefill=prefill.get_untracked() patient=patient.clone() portal on_booked />
        </Dialog>
    }
}

#[component]
fn BookingSteps(
    open: RwSignal<bool>,
    prefill: Option<Prefill>,
    patient: Option<(Uuid, String)>,
    portal: bool,
    on_booked: Callback<Appointment>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let types = Loader::new(
        || (),
        move |()| async move { api::scheduling::types(&auth.client(), false).await },
    );
    let people = Loader::new(
        || (),
        move |()| async move { api::scheduling::practitioners(&auth.client()).await },
    );
    let chosen_type = RwSignal::new(None::<AppointmentType>);
    // `None` is "any practitioner".
    let chosen_practitioner = RwSignal::new(prefill.map(|p| p.practitioner_id));
    let practitioner_step_done = RwSignal::new(prefill.is_some());
    let window_start = RwSignal::new(today());
    let chosen_day = RwSignal::new(prefill.map(|p| p.local_start.date()));
    let chosen_slot = RwSignal::new(None::<(NaiveDateTime, Uuid)>);
    let chosen_patient = RwSignal::new(patient.clone());
    let notes = RwSignal::new(String::new());
    let repeat_on = RwSignal::new(false);
    let every = RwSignal::new("1".to_owned());
    let times = RwSignal::new("6".to_owned());
    let problem = RwSignal::new(None::<api_types::Problem>);
    let outside = RwSignal::new(false);

    let slots = Loader::new(
        move || {
            (
                chosen_type.get().map(|t| t.id),
                practitioner_step_done.get(),
                chosen_practitioner.get(),
                window_start.get(),
                chosen_patient.get().map(|p| p.0),
            )
        },
        move |(type_id, ready, practitioner, from, patient)| async move {
            match (type_id, ready, prefill) {
                (Some(t), true, None) => api::scheduling::slots(
                    &auth.client(),
                    t,
                    practitioner,
                    from,
                    from + Duration::days(DAYS_SHOWN - 1),
                    patient,
                )
                .await
                .map(Some),
                _ => Ok(None),
            }
        },
    );

    let book = Action::new_unsync(move |allow_outside: &bool| {
        let allow_outside = *allow_outside;
        async move {
            let (Some(t), Some((patient_id, _))) =
                (chosen_type.get_untracked(), chosen_patient.get_untracked())
            else {
                return;
            };
            let (local_start, practitioner_id) = match (prefill, chosen_slot.get_untracked()) {
                (Some(p), _) => (p.local_start, p.practitioner_id),
                (None, Some(s)) => s,
                _ => return,
            };
            let input = NewAppointment {
                appointment_type_id: t.id,
                practitioner_id,
                patient_id,
                starts_at: None,
                local_start: Some(local_start),
                fold: None,
                notes: crate::forms::optional(&notes.get_untracked()),
                repeat: (repeat_on.get_untracked() && !portal).then(|| Repeat {
                    every_weeks: every.get_untracked().trim().parse().unwrap_or(0),
                    count: times.get_untracked().trim().parse().unwrap_or(0),
                }),
                block_id: None,
                allow_outside_availability: allow_outside,
            };
            problem.set(None);
            match api::scheduling::book(&auth.client(), &input).await {
                Ok(a) => {
                    toasts.success(match &a.series {
                        Some(s) => format!(
                            "Booked {} {} appointments with {}, the first on {}.",
                            s.count,
                            a.appointment_type_name,
                            a.practitioner_name,
                            when(a.local_start)
                        ),
                        None => format!(
                            "Booked {} with {} on {}.",
                            a.appointment_type_name,
                            a.practitioner_name,
                            when(a.local_start)
                        ),
                    });
                    open.set(false);
                    on_booked.run(a);
                }
                Err(p) => {
                    outside.set(p.code == ErrorCode::OutsideAvailability && !portal);
                    if p.code == ErrorCode::SlotConflict {
                        slots.reload();
                        chosen_slot.set(None);
                    }
                    problem.set(Some(p));
                }
            }
        }
    });
    let pending = book.pending();

    let practitioner_name = move |id: Uuid| {
        people
            .value()
            .and_then(|list| list.into_iter().find(|p| p.id == id))
            .map(|p| p.name)
            .unwrap_or_default()
    };

    view! {
        <div class="booking stack">
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            {move || {
                outside
                    .get()
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="button button-secondary"
                                on:click=move |_| {
                                    outside.set(false);
                                    book.dispatch(true);
                                }
                            >
                                "Book outside their hours anyway"
                            </button>
                        }
                    })
            }}
            {prefill
                .map(|p| {
                    view! {
                        <p class="booking-chosen">
                            <strong>{move || practitioner_name(p.practitioner_id)}</strong>
                            ", "
                            {when(p.local_start)}
                        </p>
                    }
                })}
            <section class="booking-step" aria-labelledby="booking-type">
                <h3 class="booking-step-title" id="booking-type">"1. Appointment type"</h3>
                {move || match types.get() {
                    None => view! { <SkeletonRows rows=2 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(list)) => {
                        let list: Vec<AppointmentType> = list
                            .into_iter()
                            .filter(|t| prefill.is_none_or(|p| t.practitioner_ids.contains(&p.practitioner_id)))
                            .collect();
                        if list.is_empty() {
                            return view! { <p class="muted">"No appointment types can be booked here yet."</p> }.into_any();
                        }
                        view! {
                            <div class="choice-grid" role="group" aria-label="Appointment types">
                                {list
                                    .into_iter()
                                    .map(|t| {
                                        let id = t.id;
                                        let pressed = move || chosen_type.with(|c| c.as_ref().map(|c| c.id) == Some(id));
                                        let label = t.name.clone();
                                        let detail = format!(
                                            "{} min{}",
                                            t.duration_minutes,
                                            if t.price_cents > 0 { format!(" · {}", price(t.price_cents)) } else { String::new() },
                                        );
                                        let colour = format!("--swatch: {}", t.colour);
                                        view! {
                                            <button
                                                type="button"
                                                class="choice"
                                                style=colour
                                                aria-pressed=move || pressed().to_string()
                                                on:click=move |_| {
                                                    chosen_type.set(Some(t.clone()));
                                                    chosen_slot.set(None);
                                                    problem.set(None);
                                                }
                                            >
                                                <span class="choice-swatch" aria-hidden="true"></span>
                                                <span class="choice-label">{label}</span>
                                                <span class="choice-detail">{detail}</span>
                                            </button>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                            .into_any()
                    }
                }}
            </section>
            {move || {
                let t = chosen_type.get()?;
                if prefill.is_some() {
                    return None;
                }
                let offered: Vec<Practitioner> = people
                    .value()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| t.practitioner_ids.contains(&p.id))
                    .collect();
                Some(view! {
                    <section class="booking-step" aria-labelledby="booking-who">
                        <h3 class="booking-step-title" id="booking-who">"2. With"</h3>
                        <div class="choice-grid" role="group" aria-label="Practitioner">
                            <button
                                type="button"
                                class="choice"
                                aria-pressed=move || (practitioner_step_done.get() && chosen_practitioner.get().is_none()).to_string()
                                on:click=move |_| {
                                    chosen_practitioner.set(None);
                                    practitioner_step_done.set(true);
                                    chosen_slot.set(None);
                                }
                            >
                                <span class="choice-label">"Any practitioner"</span>
                                <span class="choice-detail">"The first who is free"</span>
                            </button>
                            {offered
                                .into_iter()
                                .map(|p| {
                                    let id = p.id;
                                    view! {
                                        <button
                                            type="button"
                                            class="choice"
                                            aria-pressed=move || (practitioner_step_done.get() && chosen_practitioner.get() == Some(id)).to_string()
                                            on:click=move |_| {
                                                chosen_practitioner.set(Some(id));
                                                practitioner_step_done.set(true);
                                                chosen_slot.set(None);
                                            }
                                        >
                                            <span class="choice-label">{p.name.clone()}</span>
                                            <span class="choice-detail">{crate::auth::role_label(p.role)}</span>
                                        </button>
                                    }
                                })
                                .collect_view()}
                        </div>
                    </section>
                })
            }}
            {move || {
                (chosen_type.get().is_some() && practitioner_step_done.get() && prefill.is_none())
                    .then(|| view! { <DayAndTime slots chosen_day chosen_slot window_start practitioner_name /> })
            }}
            {move || {
                let ready = chosen_type.get().is_some()
                    && (prefill.is_some() || chosen_slot.get().is_some());
                ready.then(|| {
                    view! {
                        <section class="booking-step" aria-labelledby="booking-patient">
                            <h3 class="booking-step-title" id="booking-patient">
                                {match (&patient, portal) {
                                    (_, true) => "Confirm".to_owned(),
                                    (Some((_, name)), false) if !name.trim().is_empty() => format!("Confirm for {name}"),
                                    (Some(_), false) => "Confirm".to_owned(),
                                    (None, false) => "Patient".to_owned(),
                                }}
                            </h3>
                            {if portal || patient.is_some() {
                                None
                            } else {
                                Some(view! { <PatientPicker id="booking-patient-search" chosen=chosen_patient /> })
                            }}
                            {(!portal).then(|| view! {
                                <TextAreaField id="booking-notes" label="Note for the practice (optional)" value=notes rows=2 />
                                <CheckboxField id="booking-repeat" label="Repeat at the same time" checked=repeat_on />
                                {move || repeat_on.get().then(|| view! {
                                    <div class="window-row" role="group" aria-label="Repeat">
                                        <label for="repeat-every">"Every"</label>
                                        <input id="repeat-every" type="number" min="1" max="12" class="input input-compact" bind:value=every />
                                        <span>"weeks,"</span>
                                        <input id="repeat-count" type="number" min="2" max="52" class="input input-compact" aria-label="Appointments in all" bind:value=times />
                                        <span>"appointments in all"</span>
                                    </div>
                                })}
                            })}
                            <div class="form-actions">
                                <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                                    "Cancel"
                                </button>
                                <button
                                    type="button"
                                    class="button button-primary"
                                    disabled=move || pending.get() || chosen_patient.get().is_none()
                                    on:click=move |_| { book.dispatch(false); }
                                >
                                    {move || {
                                        if pending.get() {
                                            "Booking…".to_owned()
                                        } else {
                                            let time = prefill
                                                .map(|p| p.local_start)
                                                .or_else(|| chosen_slot.get().map(|s| s.0));
                                            match time {
                                                Some(t) => format!("Book {}", clock(t)),
                                                None => "Book".to_owned(),
                                            }
                                        }
                                    }}
                                </button>
                            </div>
                        </section>
                    }
                })
            }}
        </div>
    }
}

/// Days with free times, then the times of the chosen day.
#[component]
fn DayAndTime(
    slots: Loader<Option<SlotList>>,
    chosen_day: RwSignal<Option<NaiveDate>>,
    chosen_slot: RwSignal<Option<(NaiveDateTime, Uuid)>>,
    window_start: RwSignal<NaiveDate>,
    practitioner_name: impl Fn(Uuid) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let by_day = Memo::new(move |_| {
        let mut days: BTreeMap<NaiveDate, Vec<Slot>> = BTreeMap::new();
        if let Some(Some(list)) = slots.value() {
            for s in list.slots {
                days.entry(s.local_start.date()).or_default().push(s);
            }
        }
        days
    });
    Effect::new(move |_| {
        // Pick the first day with times when the chosen one has none.
        let days = by_day.get();
        let keep = chosen_day
            .get_untracked()
            .is_some_and(|d| days.contains_key(&d));
        if !keep {
            chosen_day.set(days.keys().next().copied());
        }
    });
    view! {
        <section class="booking-step" aria-labelledby="booking-day">
            <h3 class="booking-step-title" id="booking-day">"3. Day and time"</h3>
            <div class="day-strip-nav">
                <button
                    type="button"
                    class="button button-ghost button-small"
                    disabled=move || window_start.get() <= today()
                    on:click=move |_| window_start.update(|d| *d = (*d - Duration::days(DAYS_SHOWN)).max(today()))
                >
                    "‹ Earlier"
                </button>
                <span class="muted">
                    {move || {
                        let from = window_start.get();
                        format!("{} – {}", short_day(from), short_day(from + Duration::days(DAYS_SHOWN - 1)))
                    }}
                </span>
                <button
                    type="button"
                    class="button button-ghost button-small"
                    on:click=move |_| window_start.update(|d| *d += Duration::days(DAYS_SHOWN))
                >
                    "Later ›"
                </button>
            </div>
            {move || match slots.get() {
                None => view! { <SkeletonRows rows=2 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(_)) => {
                    let from = window_start.get();
                    let days = by_day.get();
                    view! {
                        <div class="day-strip" role="group" aria-label="Days">
                            {(0..DAYS_SHOWN)
                                .map(|i| {
                                    let d = from + Duration::days(i);
                                    let n = days.get(&d).map_or(0, Vec::len);
                                    view! {
                                        <button
                                            type="button"
                                            class="day-choice"
                                            disabled=n == 0
                                            aria-pressed=move || (chosen_day.get() == Some(d)).to_string()
                                            aria-label=format!("{}, {}", long_day(d), match n { 0 => "no free times".to_owned(), 1 => "1 free time".to_owned(), n => format!("{n} free times") })
                                            on:click=move |_| {
                                                chosen_day.set(Some(d));
                                                chosen_slot.set(None);
                                            }
                                        >
                                            <span class="day-choice-weekday">{d.format("%a").to_string()}</span>
                                            <span class="day-choice-date">{d.format("%-d %b").to_string()}</span>
                                        </button>
                                    }
                                })
                                .collect_view()}
                        </div>
                        {move || {
                            let Some(d) = chosen_day.get() else {
                                return view! { <p class="muted">"No free times in these days: try later dates."</p> }.into_any();
                            };
                            let times = by_day.get().get(&d).cloned().unwrap_or_default();
                            view! {
                                <div class="time-grid" role="group" aria-label=format!("Times on {}", long_day(d))>
                                    {times
                                        .into_iter()
                                        .map(|s| {
                                            let Some(first) = s.practitioner_ids.first().copied() else {
                                                return ().into_any();
                                            };
                                            let t = s.local_start;
                                            let title = if s.practitioner_ids.len() > 1 {
                                                format!("{} practitioners free", s.practitioner_ids.len())
                                            } else {
                                                practitioner_name(first)
                                            };
                                            view! {
                                                <button
                                                    type="button"
                                                    class="time-choice"
                                                    title=title
                                                    aria-pressed=move || (chosen_slot.get().map(|c| c.0) == Some(t)).to_string()
                                                    on:click=move |_| chosen_slot.set(Some((t, first)))
                                                >
                                                    {clock(t)}
                                                </button>
                                            }
                                                .into_any()
                                        })
                                        .collect_view()}
                                </div>
                            }
                                .into_any()
                        }}
                        {move || {
                            chosen_slot
                                .get()
                                .map(|(t, p)| view! { <p class="booking-chosen">{format!("{} with {}", when(t), practitioner_name(p))}</p> })
                        }}
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
