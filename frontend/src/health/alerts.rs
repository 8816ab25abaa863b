//! Alerts for critical readings: the open ones on a clinician's dashboard and on the patient's
//! Health tab, each acknowledged with a note of what was done.

use api_types::health::{Alert, AlertQuery, AlertStatus, Metric};
use api_types::Permission;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::{metric_name, with_unit};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, Dialog, ProblemAlert, SkeletonRows, TextAreaField};
use crate::format;
use crate::forms::FieldErrors;
use crate::layouts::AlertsChanged;

/// Open alerts: all the caller may see, or one patient's.
#[component]
pub fn AlertList(
    #[prop(optional)] patient_id: Option<Uuid>,
    /// Bumped by the caller when new readings may have raised alerts.
    #[prop(optional, into)]
    refresh: Signal<u64>,
) -> impl IntoView {
    let auth = use_auth();
    let alerts = Loader::new(
        move || refresh.get(),
        move |_| async move {
            api::health::alerts(
                &auth.client(),
                &AlertQuery {
                    status: Some(AlertStatus::Open),
                    patient_id,
                    limit: Some(50),
                    offset: None,
                },
            )
            .await
        },
    );
    let acknowledging = RwSignal::new(None::<Alert>);
    let changed = AlertsChanged::from_context();
    let dialog_open = RwSignal::new(false);
    Effect::new(move |_| {
        if !dialog_open.get() {
            acknowledging.set(None);
        }
    });
    view! {
        {move || match alerts.get() {
            None => view! { <SkeletonRows rows=2 /> }.into_any(),
            Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
            Some(Ok(page)) if page.items.is_empty() => {
                view! { <p class="muted">"No open alerts."</p> }.into_any()
            }
            Some(Ok(page)) => {
                view! {
                    <ul class="plain-list alert-list">
                        {page
                            .items
                            .into_iter()
                            .map(|a| {
                                let shown = Metric::by_code(&a.metric)
                                    .map(|m| with_unit(m, a.value))
                                    .unwrap_or_default();
                                let link = format!("/patients/{}/health?metric={}", a.patient_id, a.metric);
                                let for_dialog = a.clone();
                                view! {
                                    <li class="list-row alert-row">
                                        <span>
                                            <span class="badge badge-danger">"Critical"</span>
                                            " "
                                            {patient_id
                                                .is_none()
                                                .then(|| view! { <A href=link attr:class="table-link">{a.patient_name.clone()}</A> })}
                                            <span class="list-primary">{metric_name(&a.metric)} " " {shown}</span>
                                            <br />
                                            <span class="muted list-secondary">
                                                {if a.readings > 1 {
                                                    let latest = Metric::by_code(&a.metric)
                                                        .map(|m| with_unit(m, a.latest_value))
                                                        .unwrap_or_default();
                                                    format!(
                                                        "First measured {}; {} critical readings since, the latest {} at {}",
                                                        format::date_time(a.effective_at),
                                                        a.readings - 1,
                                                        latest,
                                                        format::date_time(a.latest_effective_at),
                                                    )
                                                } else {
                                                    format!("Measured {}", format::date_time(a.effective_at))
                                                }}
                                            </span>
                                        </span>
                                        <button
                                            type="button"
                                            class="button button-secondary button-small"
                                            on:click=move |_| {
                                                acknowledging.set(Some(for_dialog.clone()));
                                                dialog_open.set(true);
                                            }
                                        >
                                            "Acknowledge"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }
        }}
        <Dialog open=dialog_open title="Acknowledge alert" id="acknowledge-alert">
            <AcknowledgeForm
                alert=acknowledging
                open=dialog_open
                on_done=Callback::new(move |()| {
                    alerts.reload();
                    if let Some(c) = changed {
                        c.notify();
                    }
                })
            />
        </Dialog>
    }
}

#[component]
fn AcknowledgeForm(
    alert: RwSignal<Option<Alert>>,
    open: RwSignal<bool>,
    on_done: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let note = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |(id, text): &(Uuid, String)| {
        let (id, text) = (*id, text.clone());
        async move {
            match api::health::acknowledge(&auth.client(), id, text).await {
                Ok(_) => {
                    toasts.success("Alert acknowledged.");
                    note.set(String::new());
                    open.set(false);
                    on_done.run(());
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let text = note.get_untracked().trim().to_owned();
        if text.is_empty() {
            errors.show(vec![api_types::FieldError::new(
                "note",
                "required",
                "Say what was done about it.",
            )]);
            return;
        }
        if let Some(a) = alert.get_untracked() {
            save.dispatch((a.id, text));
        }
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            {move || {
                alert
                    .get()
                    .map(|a| {
                        let shown = Metric::by_code(&a.metric).map(|m| with_unit(m, a.value)).unwrap_or_default();
                        view! {
                            <p>
                                <strong>{a.patient_name.clone()}</strong>
                                ": " {metric_name(&a.metric)} " " {shown} ", measured " {format::date_time(a.effective_at)}
                                {(a.readings > 1).then(|| format!(", and {} more critical readings since", a.readings - 1))}
                                "."
                            </p>
                        }
                    })
            }}
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <TextAreaField id="note" label="What was done" value=note error=errors.of("note") rows=3 />
            <div class="form-actions">
                <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    "Acknowledge"
                </button>
            </div>
        </form>
    }
}

/// The dashboard card for clinicians: open alerts for the patients in their care.
#[component]
pub fn DashboardAlerts() -> impl IntoView {
    let auth = use_auth();
    let clinical = move || {
        auth.me()
            .is_some_and(|me| me.role.has(Permission::ClinicalAccess))
    };
    view! {
        <Show when=clinical>
            <section class="card" aria-labelledby="alerts-heading">
                <h2 id="alerts-heading" class="card-title">"Open alerts"</h2>
                <AlertList />
            </section>
        </Show>
    }
}
