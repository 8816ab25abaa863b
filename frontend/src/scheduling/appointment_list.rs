//! A patient's appointments, upcoming and past: on their record for staff, and in the portal
//! for the patient, who books and cancels there within the practice's rules.

use api_types::scheduling::{
    Appointment, AppointmentPatch, AppointmentQuery, AppointmentStatus, DateOrInstant,
};
use leptos::prelude::*;
use uuid::Uuid;

use super::booking::BookingDialog;
use super::details::AppointmentDialog;
use super::{clock, status_badge, when};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, Dialog, EmptyState, ProblemAlert, SkeletonRows, TextAreaField,
};
use crate::format;

#[component]
pub fn AppointmentsPanel(
    patient_id: Uuid,
    /// The patient's name, for the booking dialog.
    #[prop(into)]
    patient_name: String,
    /// The patient themself, in the portal.
    #[prop(optional)]
    portal: bool,
) -> impl IntoView {
    let auth = use_auth();
    let refresh = RwSignal::new(0_u64);
    let load = move |upcoming: bool| {
        Loader::new(
            move || refresh.get(),
            move |_| async move {
                let now = DateOrInstant::Instant(format::now());
                let query = AppointmentQuery {
                    from: upcoming.then_some(now),
                    to: (!upcoming).then_some(now),
                    patient_id: (!portal).then_some(patient_id),
                    descending: Some(!upcoming),
                    limit: Some(50),
                    ..AppointmentQuery::default()
                };
                api::scheduling::appointments(&auth.client(), &query).await
            },
        )
    };
    let upcoming = load(true);
    let past = load(false);
    let booking_open = RwSignal::new(false);
    let details_open = RwSignal::new(false);
    let opened = RwSignal::new(None::<Appointment>);
    let cancelling = RwSignal::new(None::<Appointment>);
    let cancel_open = RwSignal::new(false);
    let on_change = Callback::new(move |_| refresh.update(|n| *n += 1));
    let open = Callback::new(move |a: Appointment| {
        if portal {
            cancelling.set(Some(a));
            cancel_open.set(true);
        } else {
            opened.set(Some(a));
            details_open.set(true);
        }
    });
    let toasts = use_toasts();
    // The patient says they are coming.
    let confirm_action = Action::new_unsync(move |a: &Appointment| {
        let a = a.clone();
        async move {
            let patch = AppointmentPatch {
                confirmed: Some(true),
                ..AppointmentPatch::default()
            };
            match api::scheduling::update(&auth.client(), a.id, &patch, Some(a.version)).await {
                Ok(_) => {
                    toasts.success("Confirmed: the practice knows you are coming.");
                    refresh.update(|n| *n += 1);
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let confirm = Callback::new(move |a: Appointment| {
        confirm_action.dispatch(a);
    });
    let rules = Loader::new(
        || (),
        move |()| async move { api::scheduling::settings(&auth.client()).await },
    );
    view! {
        <section class="card stack" aria-labelledby="appointments-upcoming">
            <div class="card-header">
                <h2 class="card-title" id="appointments-upcoming">"Upcoming appointments"</h2>
                {move || {
                    let allowed = !portal || rules.value().is_some_and(|r| r.online_booking.enabled);
                    allowed.then(|| view! {
                        <button type="button" class="button button-primary" on:click=move |_| booking_open.set(true)>
                            "Book appointment"
                        </button>
                    })
                }}
            </div>
            <List loader=upcoming empty="No upcoming appointments." open confirm portal />
            {move || {
                (portal)
                    .then(|| rules.value().map(|r| view! {
                        <p class="field-hint">
                            {format!(
                                "You can book up to {} days ahead and cancel up to {} hours before an appointment. For anything else, call the practice.",
                                r.online_booking.max_days_ahead, r.online_booking.cancellation_notice_hours
                            )}
                        </p>
                    }))
                    .flatten()
            }}
        </section>
        <section class="card stack" aria-labelledby="appointments-past">
            <h2 class="card-title" id="appointments-past">"Past appointments"</h2>
            <List loader=past empty="No past appointments." open confirm portal />
        </section>
        <BookingDialog
            open=booking_open
            prefill=Signal::derive(|| None)
            patient=(patient_id, patient_name.clone())
            portal
            on_booked=on_change
        />
        <AppointmentDialog open=details_open appointment=opened on_change />
        <CancelDialog open=cancel_open appointment=cancelling on_change />
    }
}

#[component]
fn List(
    loader: Loader<api_types::Page<Appointment>>,
    empty: &'static str,
    open: Callback<Appointment>,
    /// The patient confirms they are coming (in the portal).
    confirm: Callback<Appointment>,
    portal: bool,
) -> impl IntoView {
    move || {
        match loader.get() {
        None => view! { <SkeletonRows rows=2 /> }.into_any(),
        Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
        Some(Ok(page)) if page.items.is_empty() => view! { <EmptyState title=empty /> }.into_any(),
        Some(Ok(page)) => view! {
            <ul class="plain-list appointment-list">
                {page
                    .items
                    .into_iter()
                    .map(|a| {
                        let (class, label) = status_badge(a.status);
                        let colour = format!("--event-colour: {}", a.colour);
                        let action = match (portal, a.status) {
                            (true, AppointmentStatus::Booked) if a.starts_at > format::now() => Some("Cancel"),
                            (false, _) => Some("Open"),
                            _ => None,
                        };
                        let upcoming_booked = a.status == AppointmentStatus::Booked && a.starts_at > format::now();
                        let confirmed = upcoming_booked.then_some(a.confirmation.is_some());
                        let summary = format!("{} with {}", a.appointment_type_name, a.practitioner_name);
                        let time = format!("{} – {}", when(a.local_start), clock(a.local_end));
                        let to_confirm = (portal && confirmed == Some(false)).then(|| {
                            let label = format!("Confirm you are coming on {}", when(a.local_start));
                            let a = a.clone();
                            view! {
                                <button type="button" class="button button-primary button-small" aria-label=label on:click=move |_| confirm.run(a.clone())>
                                    "Confirm"
                                </button>
                            }
                        });
                        view! {
                            <li class="list-row appointment-row" style=colour>
                                <div>
                                    <div class="list-primary">{time}</div>
                                    <div class="list-secondary">{summary}</div>
                                </div>
                                <span class=class>{label}</span>
                                {(confirmed == Some(true)).then(|| view! { <span class="badge badge-success">"Confirmed"</span> })}
                                {to_confirm}
                                {action.map(|text| {
                                    let label = format!("{text} appointment on {}", when(a.local_start));
                                    view! {
                                        <button type="button" class="button button-secondary button-small" aria-label=label on:click=move |_| open.run(a.clone())>
                                            {text}
                                        </button>
                                    }
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
            .into_any(),
    }
    }
}

/// A patient cancels their own appointment, with a reason.
#[component]
fn CancelDialog(
    open: RwSignal<bool>,
    appointment: RwSignal<Option<Appointment>>,
    on_change: Callback<Appointment>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None);
    let cancel = Action::new_unsync(move |a: &Appointment| {
        let a = a.clone();
        async move {
            let patch = AppointmentPatch {
                status: Some(AppointmentStatus::Cancelled),
                cancellation_reason: Some(reason.get_untracked()),
                ..AppointmentPatch::default()
            };
            match api::scheduling::update(&auth.client(), a.id, &patch, Some(a.version)).await {
                Ok(updated) => {
                    toasts.success("Your appointment is cancelled.");
                    open.set(false);
                    reason.set(String::new());
                    on_change.run(updated);
                }
                Err(p) => problem.set(Some(p)),
            }
        }
    });
    view! {
        <Dialog open title="Cancel appointment" id="cancel-appointment">
            {move || appointment.get_untracked().map(|a| {
                let text = format!("{} with {}, {}", a.appointment_type_name, a.practitioner_name, when(a.local_start));
                view! {
                    <form class="stack" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        problem.set(None);
                        cancel.dispatch(a.clone());
                    }>
                        {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                        <p>{text}</p>
                        <TextAreaField id="portal-cancel-reason" label="Why are you cancelling?" value=reason rows=2 />
                        <div class="form-actions">
                            <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>"Keep it"</button>
                            <button type="submit" class="button button-danger" disabled=move || reason.get().trim().is_empty()>
                                "Cancel appointment"
                            </button>
                        </div>
                    </form>
                }
            })}
        </Dialog>
    }
}
