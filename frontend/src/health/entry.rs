//! Manual entry of a reading: by staff on the Health tab, or by the patient in the portal.

use api_types::health::{IngestResponse, Judgement, Metric, ObservationInput, METRICS};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use uuid::Uuid;

use super::with_unit;
use crate::api;
use crate::auth::use_auth;
use crate::components::common::{use_toasts, ProblemAlert, SelectField, TextField};
use crate::format;
use crate::forms::FieldErrors;
use crate::layouts::AlertsChanged;

/// Now as a `datetime-local` value on the practice's clock, to the second:
/// `2026-03-04T14:05:09`. Readings are kept to the second, so a measurement repeated a moment
/// later is a new reading, not the same one sent twice.
fn local_now() -> String {
    format::local(format::now())
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// A `datetime-local` value (the practice's wall clock) as a UTC instant.
fn parse_local(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let wall = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M"))
        .ok()?;
    Some(format::instant(wall))
}

/// Metrics a person types in: everything but the dense device series.
fn manual_metrics() -> Vec<(String, String)> {
    METRICS
        .iter()
        .filter(|m| m.sampling != api_types::health::Sampling::Intraday)
        .map(|m| (m.code.to_owned(), format!("{} ({})", m.name, m.unit_label)))
        .collect()
}

#[component]
pub fn ManualEntry(
    patient_id: Uuid,
    /// The metric to start with; follows the chart's choice.
    #[prop(into)]
    metric: Signal<String>,
    /// Called with the metric's code after a reading is recorded.
    on_recorded: Callback<String>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let chosen = RwSignal::new(metric.get_untracked());
    let changed = AlertsChanged::from_context();
    Effect::new(move |_| {
        let m = metric.get();
        if Metric::by_code(&m).is_some_and(|m| m.sampling != api_types::health::Sampling::Intraday)
        {
            chosen.set(m);
        }
    });
    let value = RwSignal::new(String::new());
    let when = RwSignal::new(local_now());
    // The time the field was last filled in by the app: if the person left it alone, the
    // reading is taken as made when they press Record, however long the form was open.
    let suggested = StoredValue::new(when.get_untracked());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let unit = move || {
        Metric::by_code(&chosen.get())
            .map(|m| m.unit_label)
            .unwrap_or_default()
    };
    let save = Action::new_unsync(move |input: &ObservationInput| {
        let input = input.clone();
        async move {
            match api::health::record(&auth.client(), patient_id, &input).await {
                // Someone recorded this measurement at this very second already: theirs stands.
                Ok(IngestResponse::One(o)) if o.value != input.value => {
                    let shown = Metric::by_code(&o.metric)
                        .map(|m| with_unit(m, o.value))
                        .unwrap_or_default();
                    toasts.error(format!(
                        "A reading was already recorded at that time ({shown}); nothing was changed."
                    ));
                }
                Ok(IngestResponse::One(o)) => {
                    let metric = Metric::by_code(&o.metric);
                    let shown = metric.map(|m| with_unit(m, o.value)).unwrap_or_default();
                    match o.judgement {
                        Judgement::Critical => {
                            toasts.error(format!(
                                "Recorded {shown}: a critical reading. The care team has been alerted."
                            ));
                            if let Some(c) = changed {
                                c.notify();
                            }
                        }
                        Judgement::OutOfRange => {
                            toasts.success(format!("Recorded {shown}: out of the target range."))
                        }
                        _ => toasts.success(format!("Recorded {shown}.")),
                    }
                    value.set(String::new());
                    let now = local_now();
                    suggested.set_value(now.clone());
                    when.set(now);
                    on_recorded.run(o.metric);
                }
                Ok(IngestResponse::Many(_)) => on_recorded.run(chosen.get_untracked()),
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let Ok(number) = value
            .get_untracked()
            .trim()
            .replace(',', ".")
            .parse::<f64>()
        else {
            errors.show(vec![api_types::FieldError::new(
                "value",
                "required",
                "Enter the reading as a number.",
            )]);
            return;
        };
        let entered = when.get_untracked();
        let entered = if suggested.with_value(|s| *s == entered) {
            local_now()
        } else {
            entered
        };
        let Some(effective_at) = parse_local(&entered) else {
            errors.show(vec![api_types::FieldError::new(
                "effective_at",
                "required",
                "Enter when it was measured.",
            )]);
            return;
        };
        let input = ObservationInput {
            metric: chosen.get_untracked(),
            value: number,
            effective_at,
            device: None,
        };
        if errors.check(input.validate(format::now()).map(drop)) {
            save.dispatch(input);
        }
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true aria-label="Record a reading">
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <div class="grid grid-3">
                <SelectField id="entry-metric" label="Measurement" value=chosen options=manual_metrics() error=errors.of("metric") />
                <TextField
                    id="entry-value"
                    label=Signal::derive(move || format!("Value ({})", unit()))
                    inputmode="decimal"
                    required=true
                    value=value
                    error=errors.of("value")
                />
                <TextField
                    id="entry-when"
                    label="Measured at"
                    input_type="datetime-local"
                    step="1"
                    required=true
                    value=when
                    error=errors.of("effective_at")
                />
            </div>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Recording…" } else { "Record reading" }}
                </button>
            </div>
        </form>
    }
}
