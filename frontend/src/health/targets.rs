//! The patient's target ranges: what applies to each metric and why, and for practitioners,
//! the conditions that shape the defaults and an override for one metric.

use api_types::health::{
    Metric, PatientTargets, PutTargets, TargetCondition, TargetOverride, TargetSource,
};
use api_types::Permission;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use uuid::Uuid;

use super::metric_name;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, CheckboxField, ProblemAlert, SkeletonRows, TextField};
use crate::forms::{optional, FieldErrors};

fn shown(m: Option<&Metric>, v: f64) -> String {
    m.map_or_else(|| v.to_string(), |m| m.display(v))
}

/// `90–140`, `at least 7000` or `at most 80`.
fn target_text(m: Option<&Metric>, low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{}–{}", shown(m, l), shown(m, h)),
        (Some(l), None) => format!("at least {}", shown(m, l)),
        (None, Some(h)) => format!("at most {}", shown(m, h)),
        (None, None) => "—".to_owned(),
    }
}

/// `≤ 80 or ≥ 180`, one side, or a dash.
fn critical_text(m: Option<&Metric>, low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("≤ {} or ≥ {}", shown(m, l), shown(m, h)),
        (Some(l), None) => format!("≤ {}", shown(m, l)),
        (None, Some(h)) => format!("≥ {}", shown(m, h)),
        (None, None) => "—".to_owned(),
    }
}

#[component]
pub fn TargetsCard(
    patient_id: Uuid,
    /// The metric whose override the editor offers.
    #[prop(into)]
    metric: Signal<String>,
    /// Called after a change, since judgements follow the ranges.
    on_change: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let targets = Loader::new(
        || (),
        move |()| async move { api::health::targets(&auth.client(), patient_id).await },
    );
    let editing = RwSignal::new(false);
    let can_edit = move || {
        auth.me()
            .is_some_and(|me| me.role.has(Permission::TargetsManage))
    };
    view! {
        <section class="card" aria-labelledby="targets-heading">
            <div class="card-header">
                <h2 id="targets-heading" class="card-title">"Target ranges"</h2>
                <Show when=move || can_edit() && !editing.get()>
                    <button type="button" class="button button-secondary button-small" on:click=move |_| editing.set(true)>
                        "Adjust"
                    </button>
                </Show>
            </div>
            {move || match targets.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(t)) if editing.get() => {
                    view! { <TargetsEditor patient_id current=t metric targets editing on_change /> }.into_any()
                }
                Some(Ok(t)) => view! { <TargetsTable targets=t metric /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn TargetsTable(targets: PatientTargets, #[prop(into)] metric: Signal<String>) -> impl IntoView {
    let conditions = if targets.conditions.is_empty() {
        "none recorded".to_owned()
    } else {
        targets
            .conditions
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ranges = targets.ranges.clone();
    let current = move || {
        let code = metric.get();
        let Some(r) = ranges.iter().find(|r| r.metric == code).cloned() else {
            return view! { <p class="muted">{format!("No target range applies to {}.", metric_name(&code).to_lowercase())}</p> }
                .into_any();
        };
        let m = Metric::by_code(&r.metric);
        let unit = m.map(|m| m.unit_label).unwrap_or_default();
        view! {
            <dl class="trend">
                <div>
                    <dt>{format!("Target for {}", metric_name(&r.metric).to_lowercase())}</dt>
                    <dd>{target_text(m, r.low, r.high)} " " {unit}</dd>
                </div>
                <div>
                    <dt>"Critical"</dt>
                    <dd>{critical_text(m, r.critical_low, r.critical_high)}</dd>
                </div>
                <div>
                    <dt>"Set by"</dt>
                    <dd>{match r.source {
                        TargetSource::Override => "A practitioner, for this patient",
                        TargetSource::Default => "The practice default",
                    }}</dd>
                </div>
            </dl>
            <p class="muted list-secondary">{r.reference.clone()}</p>
        }
        .into_any()
    };
    view! {
        {current}
        <p class="muted">"Conditions that shape the defaults: " {conditions}</p>
        <details class="details-disclosure">
            <summary>"All target ranges"</summary>
            <div class="table-scroll">
                <table class="table table-dense">
                    <caption class="visually-hidden">"Target ranges"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Measurement"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col">"Critical"</th>
                            <th scope="col">"Basis"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {targets
                            .ranges
                            .into_iter()
                            .map(|r| {
                                let m = Metric::by_code(&r.metric);
                                let code = r.metric.clone();
                                view! {
                                    <tr class:row-selected=move || metric.get() == code>
                                        <td>{metric_name(&r.metric)}</td>
                                        <td class="nowrap">{target_text(m, r.low, r.high)} " " {m.map(|m| m.unit_label)}</td>
                                        <td class="nowrap">{critical_text(m, r.critical_low, r.critical_high)}</td>
                                        <td>
                                            {match r.source {
                                                TargetSource::Override => view! { <span class="badge badge-warning">"Practitioner"</span> }.into_any(),
                                                TargetSource::Default => view! { <span class="badge badge-muted">"Default"</span> }.into_any(),
                                            }}
                                            <br />
                                            <span class="muted list-secondary">{r.reference.clone()}</span>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
}

#[component]
fn TargetsEditor(
    patient_id: Uuid,
    current: PatientTargets,
    #[prop(into)] metric: Signal<String>,
    targets: Loader<PatientTargets>,
    editing: RwSignal<bool>,
    on_change: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let conditions: Vec<(TargetCondition, RwSignal<bool>)> = TargetCondition::ALL
        .into_iter()
        .map(|c| (c, RwSignal::new(current.conditions.contains(&c))))
        .collect();
    let code = metric.get_untracked();
    // The editor starts from the range that applies now (the default, unless overridden), so
    // that an override changes what the practitioner means to change and keeps the rest,
    // critical limits included.
    let existing = current.ranges.iter().find(|r| r.metric == code).cloned();
    let field = |v: Option<f64>| RwSignal::new(v.map(|v| v.to_string()).unwrap_or_default());
    let overriding = RwSignal::new(
        existing
            .as_ref()
            .is_some_and(|r| r.source == TargetSource::Override),
    );
    let low = field(existing.as_ref().and_then(|r| r.low));
    let high = field(existing.as_ref().and_then(|r| r.high));
    let critical_low = field(existing.as_ref().and_then(|r| r.critical_low));
    let critical_high = field(existing.as_ref().and_then(|r| r.critical_high));
    let note = RwSignal::new(
        existing
            .filter(|r| r.source == TargetSource::Override)
            .map(|r| r.reference)
            .unwrap_or_default(),
    );
    // Overrides of other metrics stay as they are.
    let others: Vec<TargetOverride> = current
        .ranges
        .iter()
        .filter(|r| r.source == TargetSource::Override && r.metric != code)
        .map(|r| TargetOverride {
            metric: r.metric.clone(),
            low: r.low,
            high: r.high,
            critical_low: r.critical_low,
            critical_high: r.critical_high,
            note: Some(r.reference.clone()),
        })
        .collect();
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |put: &PutTargets| {
        let put = put.clone();
        async move {
            match api::health::save_targets(&auth.client(), patient_id, &put).await {
                Ok(saved) => {
                    toasts.success("Target ranges saved.");
                    targets.set(saved);
                    editing.set(false);
                    on_change.run(());
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let chosen_conditions = StoredValue::new(conditions.clone());
    let others = StoredValue::new(others);
    let code_for_submit = code.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let number = |s: RwSignal<String>| {
            optional(&s.get_untracked()).and_then(|v| v.replace(',', ".").parse::<f64>().ok())
        };
        let mut overrides = others.get_value();
        let index = overrides.len();
        if overriding.get_untracked() {
            overrides.push(TargetOverride {
                metric: code_for_submit.clone(),
                low: number(low),
                high: number(high),
                critical_low: number(critical_low),
                critical_high: number(critical_high),
                note: optional(&note.get_untracked()),
            });
        }
        let local = overrides
            .get(index)
            .map(|o| o.validate(index))
            .unwrap_or_default();
        if !errors.check(if local.is_empty() { Ok(()) } else { Err(local) }) {
            return;
        }
        save.dispatch(PutTargets {
            conditions: chosen_conditions.with_value(|c| {
                c.iter()
                    .filter(|(_, on)| on.get_untracked())
                    .map(|(c, _)| *c)
                    .collect()
            }),
            overrides,
        });
    };
    let err =
        move |name: &str| errors.of(format!("overrides[{}].{name}", others.with_value(Vec::len)));
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <fieldset class="fieldset">
                <legend>"Conditions"</legend>
                <div class="checkbox-grid">
                    {conditions
                        .into_iter()
                        .map(|(c, on)| view! { <CheckboxField id=format!("condition-{c:?}") label=c.label() checked=on /> })
                        .collect_view()}
                </div>
            </fieldset>
            <fieldset class="fieldset">
                <legend>{format!("Range for {}", metric_name(&code))}</legend>
                <CheckboxField id="override-on" label="Use a range for this patient instead of the default" checked=overriding />
                <Show when=move || overriding.get()>
                    <div class="grid grid-4">
                        <TextField id="override-critical-low" label="Critical low" inputmode="decimal" value=critical_low error=err("critical_low") />
                        <TextField id="override-low" label="Low" inputmode="decimal" value=low error=err("low") />
                        <TextField id="override-high" label="High" inputmode="decimal" value=high error=err("high") />
                        <TextField id="override-critical-high" label="Critical high" inputmode="decimal" value=critical_high error=err("critical_high") />
                    </div>
                    <TextField id="override-note" label="Reason" hint="Why this patient's range differs: kept with it, and shown to colleagues beside it" value=note error=err("note") />
                </Show>
            </fieldset>
            <div class="form-actions">
                <button type="button" class="button button-secondary" on:click=move |_| editing.set(false)>
                    "Cancel"
                </button>
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    "Save ranges"
                </button>
            </div>
        </form>
    }
}
