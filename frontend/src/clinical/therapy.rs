//! Therapy: session records with goals, interventions, progress and plan; homework set for the
//! patient with a due date; the patient's homework in the portal (mark done, add a
//! reflection); overdue homework on the clinician's dashboard.

use api_types::therapy::{Homework, HomeworkStatus, NewHomework, TherapySessionInput};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, ProblemAlert, SelectField, SkeletonRows, TextAreaField, TextField,
};
use crate::format;
use crate::forms::{optional, today, FieldErrors};

fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The staff Therapy tab: sessions and homework.
#[component]
pub fn TherapyPanel(patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let refresh = RwSignal::new(0u32);
    let sessions = Loader::new(
        move || refresh.get(),
        move |_| async move { api::clinical::therapy::sessions(&auth.client(), patient_id).await },
    );
    let recording = RwSignal::new(false);
    let bump = Callback::new(move |()| refresh.update(|n| *n += 1));
    view! {
        <div class="stack">
            <section class="card stack" aria-labelledby="sessions-heading">
                <div class="card-header">
                    <h2 class="card-title" id="sessions-heading">"Therapy sessions"</h2>
                    <button type="button" class="button button-secondary" on:click=move |_| recording.update(|r| *r = !*r)>
                        {move || if recording.get() { "Close" } else { "Record session" }}
                    </button>
                </div>
                {move || recording.get().then(|| view! {
                    <SessionForm patient_id on_saved=Callback::new(move |()| { recording.set(false); bump.run(()); }) />
                })}
                {move || match sessions.get() {
                    None => view! { <SkeletonRows rows=3 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No sessions recorded."</p> }.into_any(),
                    Some(Ok(list)) => list.into_iter().map(|s| {
                        let meta = [
                            Some(format::date(s.session_date)),
                            s.clinician_name.clone(),
                            s.appointment_label.clone(),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · ");
                        view! {
                            <article class="study" aria-label=format!("Session of {}", format::date(s.session_date))>
                                <p class="muted list-secondary">{meta}</p>
                                <dl class="facts">
                                    <dt>"Goals"</dt><dd class="preserve-lines">{s.goals.clone()}</dd>
                                    <dt>"Interventions"</dt><dd class="preserve-lines">{s.interventions.clone()}</dd>
                                    <dt>"Progress"</dt><dd class="preserve-lines">{s.progress.clone()}</dd>
                                    {s.plan.clone().map(|p| view! { <dt>"Plan"</dt><dd class="preserve-lines">{p}</dd> })}
                                </dl>
                            </article>
                        }
                    }).collect_view().into_any(),
                }}
            </section>
            <HomeworkCard patient_id staff=true sessions=Signal::derive(move || sessions.value().unwrap_or_default().into_iter().map(|s| (s.id.to_string(), format::date(s.session_date))).collect()) on_changed=bump refresh />
        </div>
    }
}

#[component]
fn SessionForm(patient_id: Uuid, on_saved: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let date = RwSignal::new(today().format("%Y-%m-%d").to_string());
    let goals = RwSignal::new(String::new());
    let interventions = RwSignal::new(String::new());
    let progress = RwSignal::new(String::new());
    let plan = RwSignal::new(String::new());
    let appointment = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let save = Action::new_unsync(move |input: &TherapySessionInput| {
        let input = input.clone();
        async move {
            match api::clinical::therapy::record_session(&auth.client(), patient_id, &input).await {
                Ok(_) => {
                    toasts.success("Session recorded");
                    on_saved.run(());
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(session_date) = parse_date(&date.get_untracked()) else {
            errors.show(vec![api_types::FieldError::new(
                "session_date",
                "required",
                "Enter the session's date.",
            )]);
            return;
        };
        let input = TherapySessionInput {
            appointment_id: appointment.get_untracked().parse().ok(),
            session_date,
            goals: goals.get_untracked(),
            interventions: interventions.get_untracked(),
            progress: progress.get_untracked(),
            plan: optional(&plan.get_untracked()),
        };
        if errors.check(input.validate(today())) {
            save.dispatch(input);
        }
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true aria-label="Therapy session">
            <div class="form-grid">
                <TextField id="session-date" label="Date" value=date input_type="date" error=errors.of("session_date") required=true />
                <super::notes::AppointmentSelect patient_id id="session-appointment" value=appointment error=errors.of("appointment_id") />
            </div>
            <TextAreaField id="session-goals" label="Goals" value=goals error=errors.of("goals") rows=2 />
            <TextAreaField id="session-interventions" label="Interventions" value=interventions error=errors.of("interventions") rows=2 />
            <TextAreaField id="session-progress" label="Progress" value=progress error=errors.of("progress") rows=2 />
            <TextAreaField id="session-plan" label="Plan (optional)" value=plan error=errors.of("plan") rows=2 />
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>"Save session"</button>
            </div>
        </form>
    }
}

/// Homework: for staff, set it and see it; for the patient, do it.
#[component]
pub fn HomeworkCard(
    patient_id: Uuid,
    staff: bool,
    #[prop(optional, into)] sessions: Signal<Vec<(String, String)>>,
    #[prop(optional)] on_changed: Option<Callback<()>>,
    #[prop(optional)] refresh: Option<RwSignal<u32>>,
) -> impl IntoView {
    let auth = use_auth();
    let local = RwSignal::new(0u32);
    let homework = Loader::new(
        move || (local.get(), refresh.map(|r| r.get())),
        move |_| async move { api::clinical::therapy::homework(&auth.client(), patient_id).await },
    );
    let changed = Callback::new(move |()| {
        local.update(|n| *n += 1);
        if let Some(c) = on_changed {
            c.run(());
        }
    });
    let setting = RwSignal::new(false);
    view! {
        <section class="card stack" aria-labelledby="homework-heading">
            <div class="card-header">
                <h2 class="card-title" id="homework-heading">"Homework"</h2>
                {staff.then(|| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| setting.update(|s| *s = !*s)>
                        {move || if setting.get() { "Close" } else { "Set homework" }}
                    </button>
                })}
            </div>
            {move || setting.get().then(|| view! {
                <HomeworkForm patient_id sessions on_saved=Callback::new(move |()| { setting.set(false); changed.run(()); }) />
            })}
            {move || match homework.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No homework set."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list.into_iter().map(|h| view! { <HomeworkRow h staff on_changed=changed /> }).collect_view()}
                    </ul>
                }
                    .into_any(),
            }}
        </section>
    }
}

#[component]
fn HomeworkRow(h: Homework, staff: bool, on_changed: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let reflection = RwSignal::new(String::new());
    let completing = RwSignal::new(false);
    let id = h.id;
    let complete = Action::new_unsync(move |_: &()| async move {
        match api::clinical::therapy::complete(
            &auth.client(),
            id,
            optional(&reflection.get_untracked()),
        )
        .await
        {
            Ok(_) => {
                toasts.success("Marked done");
                on_changed.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let (badge_class, badge) = match (h.status, h.overdue) {
        (HomeworkStatus::Done, _) => ("badge badge-success", "Done"),
        (_, true) => ("badge badge-danger", "Overdue"),
        _ => ("badge badge-muted", "To do"),
    };
    let due = format!("Due {}", format::date(h.due_date));
    let by = h
        .assigned_by_name
        .clone()
        .map(|n| format!(" · set by {n}"))
        .unwrap_or_default();
    let text_id = format!("reflection-{id}");
    view! {
        <li class="homework-row">
            <p>
                <span class="list-primary">{h.title.clone()}</span> " " <span class=badge_class>{badge}</span>
                <br />
                <span class="muted list-secondary">{format!("{due}{by}")}</span>
            </p>
            {h.instructions.clone().map(|i| view! { <p class="preserve-lines">{i}</p> })}
            {h.reflection.clone().map(|r| view! { <p class="reflection"><strong>{if staff { "Patient’s reflection: " } else { "Your reflection: " }}</strong>{r}</p> })}
            {(!staff && h.status == HomeworkStatus::Assigned).then(|| view! {
                {move || if completing.get() {
                    view! {
                        <div class="stack">
                            <TextAreaField id=text_id.clone() label="How did it go? (optional)" value=reflection rows=3 />
                            <div class="form-actions form-actions-start">
                                <button type="button" class="button button-primary" disabled=move || complete.pending().get() on:click=move |_| { complete.dispatch(()); }>"Mark done"</button>
                                <button type="button" class="button button-ghost" on:click=move |_| completing.set(false)>"Cancel"</button>
                            </div>
                        </div>
                    }
                        .into_any()
                } else {
                    view! { <button type="button" class="button button-secondary" on:click=move |_| completing.set(true)>"I’ve done this"</button> }.into_any()
                }}
            })}
        </li>
    }
}

#[component]
fn HomeworkForm(
    patient_id: Uuid,
    sessions: Signal<Vec<(String, String)>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let title = RwSignal::new(String::new());
    let instructions = RwSignal::new(String::new());
    let due = RwSignal::new(
        (today() + chrono::Duration::days(7))
            .format("%Y-%m-%d")
            .to_string(),
    );
    let session = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let save = Action::new_unsync(move |input: &NewHomework| {
        let input = input.clone();
        async move {
            match api::clinical::therapy::assign(&auth.client(), patient_id, &input).await {
                Ok(_) => {
                    toasts.success("Homework set");
                    on_saved.run(());
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(due_date) = parse_date(&due.get_untracked()) else {
            errors.show(vec![api_types::FieldError::new(
                "due_date",
                "required",
                "Choose a due date.",
            )]);
            return;
        };
        let input = NewHomework {
            title: title.get_untracked(),
            instructions: optional(&instructions.get_untracked()),
            due_date,
            session_id: session.get_untracked().parse().ok(),
        };
        if errors.check(input.validate(today())) {
            save.dispatch(input);
        }
    };
    let options = move || {
        let mut o = vec![(String::new(), "None".to_owned())];
        o.extend(sessions.get());
        o
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true aria-label="Set homework">
            <div class="form-grid">
                <TextField id="homework-title" label="Task" value=title error=errors.of("title") required=true />
                <TextField id="homework-due" label="Due" value=due input_type="date" error=errors.of("due_date") required=true />
                {move || view! { <SelectField id="homework-session" label="From session" value=session options=options() /> }}
            </div>
            <TextAreaField id="homework-instructions" label="Instructions (optional)" value=instructions error=errors.of("instructions") rows=3 />
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>"Set homework"</button>
            </div>
        </form>
    }
}

/// Overdue homework of the clinician's patients, on the dashboard; hidden when there is none.
#[component]
pub fn DashboardOverdueHomework() -> impl IntoView {
    let auth = use_auth();
    let clinical = move || {
        auth.me()
            .is_some_and(|me| me.role.has(api_types::Permission::ClinicalAccess))
    };
    let overdue = Loader::new(clinical, move |clinical| async move {
        if clinical {
            api::clinical::therapy::overdue(&auth.client())
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    });
    move || {
        overdue.value().flatten().filter(|p| !p.items.is_empty()).map(|page| view! {
            <section class="card" aria-labelledby="overdue-homework-heading">
                <h2 id="overdue-homework-heading" class="card-title">"Overdue homework"</h2>
                <ul class="plain-list">
                    {page.items.into_iter().map(|h| {
                        let link = format!("/patients/{}/therapy", h.patient_id);
                        view! {
                            <li class="list-row">
                                <span>
                                    <A href=link attr:class="table-link">{h.patient_name.clone()}</A>
                                    {format!(" · {} · due {}", h.title, format::date(h.due_date))}
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })
    }
}
