//! One appointment: when, who, status, and what staff do with it (arrived, completed, did not
//! attend, cancel with a reason), with its history.

use api_types::scheduling::{
    Appointment, AppointmentPatch, AppointmentStatus, ConfirmedVia, SeriesScope,
};
use leptos::prelude::*;
use leptos_router::components::A;

use super::{clock, status_badge, when};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, Dialog, ProblemAlert, TextAreaField};
use crate::format;

#[component]
pub fn AppointmentDialog(
    open: RwSignal<bool>,
    appointment: RwSignal<Option<Appointment>>,
    /// Called with the appointment as it now is after a change.
    on_change: Callback<Appointment>,
) -> impl IntoView {
    view! {
        <Dialog open title="Appointment" id="appointment">
            {move || {
                appointment
                    .get_untracked()
                    .map(|a| view! { <AppointmentBody a open on_change /> })
            }}
        </Dialog>
    }
}

#[component]
fn AppointmentBody(
    a: Appointment,
    open: RwSignal<bool>,
    on_change: Callback<Appointment>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let current = RwSignal::new(a.clone());
    let reason = RwSignal::new(String::new());
    let cancelling = RwSignal::new(false);
    let whole_series = RwSignal::new(false);
    let problem = RwSignal::new(None);
    let id = a.id;
    let history = Loader::new(
        move || current.with(|c| c.version),
        move |_| async move { api::scheduling::history(&auth.client(), id).await },
    );
    let change = Action::new_unsync(move |patch: &AppointmentPatch| {
        let patch = patch.clone();
        async move {
            problem.set(None);
            let version = current.with_untracked(|c| c.version);
            match api::scheduling::update(&auth.client(), id, &patch, Some(version)).await {
                Ok(updated) => {
                    toasts.success(match (patch.confirmed, updated.status) {
                        (Some(true), _) => "Marked confirmed.".to_owned(),
                        (Some(false), _) => "No longer marked confirmed.".to_owned(),
                        (None, AppointmentStatus::Cancelled) => "Appointment cancelled.".to_owned(),
                        (None, s) => format!("Marked {}.", status_badge(s).1.to_lowercase()),
                    });
                    cancelling.set(false);
                    current.set(updated.clone());
                    on_change.run(updated);
                }
                Err(p) => problem.set(Some(p)),
            }
        }
    });
    let pending = change.pending();
    let set_status = move |s: AppointmentStatus| {
        change.dispatch(AppointmentPatch {
            status: Some(s),
            ..AppointmentPatch::default()
        });
    };
    let in_series = a.series.is_some();
    view! {
        <div class="stack">
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            {move || {
                let a = current.get();
                let (class, label) = status_badge(a.status);
                view! {
                    <dl class="details">
                        <dt>"Patient"</dt>
                        <dd>
                            <A href=format!("/patients/{}/appointments", a.patient_id)>{a.patient_name.clone()}</A>
                        </dd>
                        <dt>"When"</dt>
                        <dd>{format!("{} – {}", when(a.local_start), clock(a.local_end))}</dd>
                        <dt>"With"</dt>
                        <dd>{a.practitioner_name.clone()}</dd>
                        <dt>"Type"</dt>
                        <dd>{a.appointment_type_name.clone()}</dd>
                        <dt>"Status"</dt>
                        <dd>
                            <span class=class>{label}</span>
                            {(a.status == AppointmentStatus::Booked).then(|| match a.confirmation {
                                Some(c) => view! {
                                    " "
                                    <span class="badge badge-success">"Confirmed"</span>
                                    <span class="muted">{format!(" {} {}", match c.via { ConfirmedVia::Portal => "by the patient in the portal,", ConfirmedVia::Sms => "by the patient, by text,", ConfirmedVia::Desk => "with the practice,", }, format::date_time(c.at))}</span>
                                }.into_any(),
                                None => view! { " " <span class="badge">"Not confirmed"</span> }.into_any(),
                            })}
                        </dd>
                        {a.series.as_ref().map(|s| view! { <dt>"Series"</dt><dd>{format!("{} of {}", s.index, s.count)}</dd> })}
                        {a.notes.clone().map(|n| view! { <dt>"Note"</dt><dd class="pre-wrap">{n}</dd> })}
                        {a.cancellation.clone().map(|c| view! { <dt>"Cancelled"</dt><dd>{format!("{} ({})", c.reason, format::date_time(c.cancelled_at))}</dd> })}
                    </dl>
                }
            }}
            {move || {
                let status = current.get().status;
                let next = status.next();
                (!next.is_empty() && !cancelling.get()).then(|| {
                    view! {
                        <div class="form-actions form-actions-start">
                            {next
                                .iter()
                                .copied()
                                .filter(|s| *s != AppointmentStatus::Cancelled)
                                .map(|s| {
                                    let label = match s {
                                        AppointmentStatus::Booked => "Back to booked",
                                        AppointmentStatus::Arrived => "Arrived",
                                        AppointmentStatus::Completed => "Completed",
                                        AppointmentStatus::NoShow => "Did not attend",
                                        AppointmentStatus::Cancelled => "Cancel",
                                    };
                                    view! {
                                        <button type="button" class="button button-secondary" disabled=move || pending.get() on:click=move |_| set_status(s)>
                                            {label}
                                        </button>
                                    }
                                })
                                .collect_view()}
                            {(status == AppointmentStatus::Booked).then(|| {
                                let confirmed = current.get().confirmation.is_some();
                                view! {
                                    <button
                                        type="button"
                                        class="button button-secondary"
                                        disabled=move || pending.get()
                                        on:click=move |_| {
                                            change.dispatch(AppointmentPatch {
                                                confirmed: Some(!confirmed),
                                                ..AppointmentPatch::default()
                                            });
                                        }
                                    >
                                        {if confirmed { "Not confirmed after all" } else { "Patient confirmed" }}
                                    </button>
                                }
                            })}
                            {next.contains(&AppointmentStatus::Cancelled).then(|| view! {
                                <button type="button" class="button button-danger-outline" on:click=move |_| cancelling.set(true)>
                                    "Cancel appointment"
                                </button>
                            })}
                        </div>
                    }
                })
            }}
            {move || cancelling.get().then(|| view! {
                <form class="stack" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    change.dispatch(AppointmentPatch {
                        status: Some(AppointmentStatus::Cancelled),
                        cancellation_reason: Some(reason.get_untracked()),
                        apply_to: if whole_series.get_untracked() { SeriesScope::Following } else { SeriesScope::This },
                        ..AppointmentPatch::default()
                    });
                }>
                    <TextAreaField id="cancel-reason" label="Reason for cancelling" value=reason rows=2 />
                    {in_series.then(|| view! {
                        <crate::components::common::CheckboxField id="cancel-series" label="Also cancel the later appointments of this series" checked=whole_series />
                    })}
                    <div class="form-actions form-actions-start">
                        <button type="submit" class="button button-danger" disabled=move || pending.get() || reason.get().trim().is_empty()>
                            "Cancel appointment"
                        </button>
                        <button type="button" class="button button-ghost" on:click=move |_| cancelling.set(false)>
                            "Keep it"
                        </button>
                    </div>
                </form>
            })}
            <details class="history">
                <summary>"History"</summary>
                {move || {
                    history.value().map(|h| {
                        view! {
                            <ul class="plain-list history-list">
                                {h.into_iter()
                                    .map(|c| {
                                        let what = match c.action.as_str() {
                                            "created" => "Booked".to_owned(),
                                            "rescheduled" => "Moved".to_owned(),
                                            "cancelled" => "Cancelled".to_owned(),
                                            "notes_changed" => "Note changed".to_owned(),
                                            "confirmed" => "Confirmed".to_owned(),
                                            "unconfirmed" => "Confirmation taken back".to_owned(),
                                            _ => c.status.map_or("Changed".to_owned(), |s| format!("Marked {}", status_badge(s).1.to_lowercase())),
                                        };
                                        view! {
                                            <li>
                                                <span>{what}</span>
                                                " · "
                                                <span class="muted">{format!("{} by {}", format::date_time(c.occurred_at), c.actor_name.unwrap_or_else(|| if c.action == "confirmed" { "the patient, by text".into() } else { "an integration".into() }))}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })
                }}
            </details>
            <div class="form-actions">
                <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </div>
    }
}
