//! `/admin/audit`: the audit log, with filters, CSV export, and a check that its hash chain is
//! unbroken.

use api_types::audit::{AuditAction, AuditEvent, AuditOutcome, AuditQuery};
use chrono::{NaiveDate, Utc};
use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, CheckboxField, EmptyState, PageTitle, Pagination, PatientPicker, ProblemAlert,
    SelectField, SkeletonRows, TextField,
};
use crate::format;
use crate::forms::optional;

const PAGE_SIZE: u64 = 50;

/// The filters as chosen; they apply when the person presses Apply.
#[derive(Debug, Clone, Copy)]
struct Filters {
    action: RwSignal<String>,
    outcome: RwSignal<String>,
    /// The patient picked by name.
    patient: RwSignal<Option<(Uuid, String)>>,
    /// A member of staff's id, from the list of staff.
    actor: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    /// Whether to show what screens do on their own (checking for alerts, renewing sessions).
    routine: RwSignal<bool>,
}

/// The start of a day picked in the filter, in the practice's time zone, or of the day after.
fn day_start(d: &str, plus_days: i64) -> Option<chrono::DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
    Some(format::start_of_day(
        date + chrono::Duration::days(plus_days),
    ))
}

impl Filters {
    fn query(&self) -> AuditQuery {
        AuditQuery {
            patient_id: self.patient.get_untracked().map(|(id, _)| id),
            actor_id: optional(&self.actor.get_untracked()).and_then(|s| Uuid::parse_str(&s).ok()),
            routine: (!self.routine.get_untracked()).then_some(false),
            action: optional(&self.action.get_untracked()),
            outcome: match self.outcome.get_untracked().as_str() {
                "success" => Some(AuditOutcome::Success),
                "denied" => Some(AuditOutcome::Denied),
                "failure" => Some(AuditOutcome::Failure),
                _ => None,
            },
            from: optional(&self.from.get_untracked()).and_then(|d| day_start(&d, 0)),
            to: optional(&self.to.get_untracked()).and_then(|d| day_start(&d, 1)),
            limit: None,
            offset: None,
        }
    }
}

/// The last 8 characters of an id: its random part, which tells ids apart at a glance (the
/// first characters of time-ordered ids are shared by everything created the same day).
fn short(id: &str) -> String {
    let n = id.chars().count();
    id.chars().skip(n.saturating_sub(8)).collect()
}

/// The action filter's choices: any action, then for each group of actions the whole group (its
/// prefix, such as `auth.`) and each action in it.
fn action_groups() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let mut groups: Vec<(&'static str, Vec<(&'static str, String)>)> = Vec::new();
    for &a in AuditAction::ALL {
        if groups.last().map(|(g, _)| *g) != Some(a.group()) {
            groups.push((a.group(), vec![(a.prefix(), format!("{}: all", a.group()))]));
        }
        if let Some((_, options)) = groups.last_mut() {
            options.push((a.as_str(), a.label().to_owned()));
        }
    }
    groups
}

/// Details longer than this fold away behind a disclosure.
const DETAIL_PREVIEW: usize = 80;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let filters = Filters {
        action: RwSignal::new(String::new()),
        outcome: RwSignal::new(String::new()),
        patient: RwSignal::new(None),
        actor: RwSignal::new(String::new()),
        from: RwSignal::new(String::new()),
        to: RwSignal::new(String::new()),
        routine: RwSignal::new(false),
    };
    // What people did, without what screens do on their own, until asked for.
    let applied = RwSignal::new(filters.query());
    let offset = RwSignal::new(0_u64);
    let events = Loader::new(
        move || AuditQuery {
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
            ..applied.get()
        },
        move |q| async move { api::admin::audit_events(&auth.client(), &q).await },
    );
    let total = Signal::derive(move || events.value().map(|p| (p.total, p.total_capped)));
    // The names of the patients on the page, so that the log says whom rather than which id.
    let patient_names = Loader::new(
        move || {
            let mut ids: Vec<Uuid> = events
                .value()
                .map(|p| p.items.iter().filter_map(|e| e.patient_id).collect())
                .unwrap_or_default();
            ids.sort_unstable();
            ids.dedup();
            ids
        },
        move |ids: Vec<Uuid>| async move {
            if ids.is_empty() {
                return Ok(HashMap::new());
            }
            Ok(api::patients::names(&auth.client(), &ids)
                .await?
                .into_iter()
                .map(|n| (n.patient_id, n.name))
                .collect::<HashMap<Uuid, String>>())
        },
    );
    // Staff names, so that the log says who rather than which id.
    let names = Loader::new(
        || (),
        move |()| async move {
            let page = api::admin::users(
                &auth.client(),
                &api_types::admin::UserQuery {
                    limit: Some(100),
                    ..Default::default()
                },
            )
            .await?;
            Ok(page
                .items
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect::<HashMap<Uuid, String>>())
        },
    );
    let export = Action::new_unsync(move |_: &()| async move {
        match api::admin::export_audit_events(&auth.client(), &applied.get_untracked()).await {
            Ok(csv) => format::download("audit-events.csv", "text/csv", &csv),
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let verify = Action::new_unsync(move |_: &()| async move {
        match api::admin::verify_audit_chain(&auth.client()).await {
            Ok(v) if v.ok => toasts.success(format!(
                "The audit log is intact: {} events checked.",
                v.events_checked
            )),
            Ok(v) => toasts.error(format!(
                "The audit log's chain is broken at event {}.",
                v.first_broken_seq
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            )),
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        offset.set(0);
        applied.set(filters.query());
    };
    let outcomes = vec![
        (String::new(), "Any".to_owned()),
        ("success".to_owned(), "Success".to_owned()),
        ("denied".to_owned(), "Denied".to_owned()),
        ("failure".to_owned(), "Failure".to_owned()),
    ];
    view! {
        <PageTitle text="Audit log" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Audit log"</h1>
                <div class="page-actions">
                    <button type="button" class="button button-secondary" disabled=move || verify.pending().get() on:click=move |_| { verify.dispatch(()); }>
                        {move || if verify.pending().get() { "Checking…" } else { "Verify chain" }}
                    </button>
                    <button type="button" class="button button-secondary" disabled=move || export.pending().get() on:click=move |_| { export.dispatch(()); }>
                        {move || if export.pending().get() { "Exporting…" } else { "Export CSV" }}
                    </button>
                </div>
            </div>
            <form class="card filters" on:submit=apply>
                <div class="grid grid-3">
                    <ActionField value=filters.action />
                    <SelectField id="audit-outcome" label="Outcome" value=filters.outcome options=outcomes />
                    <div class="audit-patient-filter">
                        <PatientPicker id="audit-patient" chosen=filters.patient />
                    </div>
                    {move || {
                        let mut staff: Vec<(String, String)> = names
                            .value()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(id, name)| (id.to_string(), name))
                            .collect();
                        staff.sort_by(|a, b| a.1.cmp(&b.1));
                        let options = std::iter::once((String::new(), "Anyone".to_owned()))
                            .chain(staff)
                            .collect::<Vec<_>>();
                        view! { <SelectField id="audit-actor" label="Who" value=filters.actor options /> }
                    }}
                    <TextField id="audit-from" label="From" input_type="date" value=filters.from />
                    <TextField id="audit-to" label="To" input_type="date" value=filters.to />
                </div>
                <CheckboxField
                    id="audit-routine"
                    label="Include what screens do on their own (checking for alerts, renewing sessions)"
                    checked=filters.routine
                />
                <div class="form-actions form-actions-start">
                    <button type="submit" class="button button-primary">"Apply filters"</button>
                </div>
            </form>
            <div class="card card-flush" aria-busy=move || events.loading().to_string()>
                {move || match events.get() {
                    None => view! { <SkeletonRows rows=10 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => {
                        view! { <EmptyState title="No events match" /> }.into_any()
                    }
                    Some(Ok(page)) => {
                        view! {
                            <div class="table-scroll">
                                <table class="table table-dense">
                                    <caption class="visually-hidden">"Audit events"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"#"</th>
                                            <th scope="col">"When"</th>
                                            <th scope="col">"Who"</th>
                                            <th scope="col">"Action"</th>
                                            <th scope="col">"Patient"</th>
                                            <th scope="col" class="hide-narrow">"Resource"</th>
                                            <th scope="col">"Outcome"</th>
                                            <th scope="col" class="hide-narrow">"IP"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {
                                            let names = names.value().unwrap_or_default();
                                            let patients = patient_names.value().unwrap_or_default();
                                            page.items
                                                .into_iter()
                                                .map(|e| {
                                                    let name = e.actor_id.and_then(|id| names.get(&id).cloned());
                                                    let patient_name = e.patient_id.and_then(|id| patients.get(&id).cloned());
                                                    view! { <EventRow event=e name patient_name filters applied offset /> }
                                                })
                                                .collect_view()
                                        }
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </div>
        </div>
    }
}

/// Picks an action, or a group of actions, to narrow the log to.
#[component]
fn ActionField(value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label class="field-label" for="audit-action">"Action"</label>
            <select
                id="audit-action"
                name="audit-action"
                class="input select"
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">"Any"</option>
                {action_groups()
                    .into_iter()
                    .map(|(group, options)| {
                        view! {
                            <optgroup label=group>
                                {options
                                    .into_iter()
                                    .map(|(code, label)| {
                                        let selected = code == value.get_untracked();
                                        view! {
                                            <option value=code selected=selected>
                                                {label}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </optgroup>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// What an event did: the action's phrase with its code beside it, or the bare code of an action
/// this version doesn't know.
fn action_view(action: &str) -> AnyView {
    match AuditAction::parse(action) {
        Some(a) => view! {
            <span title=a.as_str()>{a.label()}</span>
            " "
            <code class="muted">{a.as_str()}</code>
        }
        .into_any(),
        None => view! { <code>{action.to_owned()}</code> }.into_any(),
    }
}

#[component]
fn EventRow(
    event: AuditEvent,
    /// The actor's name, when they are staff.
    name: Option<String>,
    /// The patient's name, when the event is about one.
    patient_name: Option<String>,
    filters: Filters,
    applied: RwSignal<AuditQuery>,
    offset: RwSignal<u64>,
) -> impl IntoView {
    let e = event;
    let outcome = match e.outcome {
        AuditOutcome::Success => ("badge-success", "Success"),
        AuditOutcome::Denied => ("badge-warning", "Denied"),
        AuditOutcome::Failure => ("badge-danger", "Failure"),
    };
    // Clicking a patient narrows the log to them.
    let patient = e.patient_id.map(|p| {
        let label = patient_name.clone();
        let shown = label.clone();
        view! {
            <button
                type="button"
                class="link-button"
                title="Show only this patient's events"
                on:click=move |_| {
                    let name = label.clone().unwrap_or_else(|| format!("Patient …{}", short(&p.to_string())));
                    filters.patient.set(Some((p, name)));
                    offset.set(0);
                    applied.set(filters.query());
                }
            >
                {match shown {
                    Some(name) => view! { {name} }.into_any(),
                    None => view! { <code>"…" {short(&p.to_string())}</code> }.into_any(),
                }}
            </button>
        }
    });
    let role = e
        .actor_role
        .clone()
        .or_else(|| e.actor_kind.clone())
        .unwrap_or_default();
    let who = match (name, e.actor_id) {
        (_, None) if e.actor_kind.as_deref() == Some("system") => {
            "Carebase (scheduled work)".to_owned()
        }
        (_, None) => "Anonymous".to_owned(),
        (Some(name), Some(_)) => format!("{name} ({role})"),
        (None, Some(id)) => format!("{role} …{}", short(&id.to_string())),
    };
    // Events clients cause on their own recede, so that people's acts stand out.
    let routine = AuditAction::parse(&e.action).is_some_and(AuditAction::is_routine);
    let detail = e.detail.clone().map(|d| {
        if d.chars().count() <= DETAIL_PREVIEW {
            view! { <br /><span class="muted">{d}</span> }.into_any()
        } else {
            let preview: String = d.chars().take(DETAIL_PREVIEW).collect();
            view! {
                <details class="details-disclosure">
                    <summary class="muted">{preview} "…"</summary>
                    <span class="muted audit-detail">{d}</span>
                </details>
            }
            .into_any()
        }
    });
    view! {
        <tr class:audit-routine=routine>
            <td class="muted">{e.seq}</td>
            <td class="nowrap">{format::date_time(e.occurred_at)}</td>
            <td>{who}</td>
            <td>
                {action_view(&e.action)}
                {detail}
            </td>
            <td>{patient}</td>
            <td class="hide-narrow">
                {e.resource_type.clone().map(|t| match e.resource_id.as_deref() {
                    Some(r) if r.len() > 12 => format!("{t} …{}", short(r)),
                    Some(r) => format!("{t} {r}"),
                    None => t,
                })}
            </td>
            <td>
                <span class=format!("badge {}", outcome.0)>{outcome.1}</span>
            </td>
            <td class="hide-narrow">{e.ip.clone()}</td>
        </tr>
    }
}
