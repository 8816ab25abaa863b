//! The health panel: the latest value of every measurement, a chart of one over a chosen range
//! with the target band, its trend, manual entry, open alerts and target ranges.

use api_types::health::{Metric, MetricCategory, ObservationQuery, Trend, METRICS};
use chrono::{Duration, NaiveDate, Utc};
use leptos::prelude::*;
use uuid::Uuid;

use super::alerts::AlertList;
use super::chart::LineChart;
use super::devices::DevicesCard;
use super::entry::ManualEntry;
use super::targets::TargetsCard;
use super::{judgement_badge, metric_name, with_unit};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, EmptyState, ProblemAlert, SkeletonRows, TextField};
use crate::format;
use crate::forms::optional;

/// The ranges a chart offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Week,
    Month,
    Quarter,
    Year,
    Custom,
}

const RANGES: [(Range, &str); 5] = [
    (Range::Week, "7 days"),
    (Range::Month, "30 days"),
    (Range::Quarter, "90 days"),
    (Range::Year, "1 year"),
    (Range::Custom, "Custom"),
];

fn category_label(c: MetricCategory) -> &'static str {
    match c {
        MetricCategory::Vitals => "Vital signs",
        MetricCategory::Body => "Body",
        MetricCategory::Metabolic => "Metabolic",
        MetricCategory::Activity => "Activity",
        MetricCategory::Sleep => "Sleep",
    }
}

fn day(s: &str) -> Option<chrono::DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(crate::format::start_of_day(d))
}

#[component]
pub fn HealthPanel(
    patient_id: Uuid,
    /// Staff also see the patient's open alerts; everyone sees readings, entry, devices and
    /// target ranges.
    staff: bool,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let refresh = RwSignal::new(0_u64);
    let latest = Loader::new(
        move || refresh.get(),
        move |_| async move { api::health::latest(&auth.client(), patient_id).await },
    );
    // Opened from an alert (`?metric=`), the tab starts on the metric that alerted.
    let asked = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("metric"))
        .filter(|m| Metric::by_code(m).is_some());
    let metric = RwSignal::new(asked.clone().unwrap_or_else(|| String::from("systolic_bp")));
    // Otherwise it starts on the first measurement that has data.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || asked.is_some() {
            return true;
        }
        match latest.value() {
            Some(list) => {
                if let Some(first) = list.first() {
                    metric.set(first.metric.clone());
                }
                true
            }
            None => false,
        }
    });
    let range = RwSignal::new(Range::Month);
    let custom_from = RwSignal::new(String::new());
    let custom_to = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let series = Loader::new(
        move || {
            refresh.track();
            let now = format::now();
            let (from, to) = match range.get() {
                Range::Week => (Some(now - Duration::days(7)), Some(now)),
                Range::Month => (Some(now - Duration::days(30)), Some(now)),
                Range::Quarter => (Some(now - Duration::days(90)), Some(now)),
                Range::Year => (Some(now - Duration::days(365)), Some(now)),
                Range::Custom => (
                    day(&custom_from.get()),
                    NaiveDate::parse_from_str(&custom_to.get(), "%Y-%m-%d")
                        .ok()
                        .map(|d| crate::format::start_of_day(d + Duration::days(1))),
                ),
            };
            ObservationQuery {
                metric: metric.get(),
                from,
                to,
                max_points: Some(400),
                source: optional(&source.get()),
            }
        },
        move |q| async move { api::health::series(&auth.client(), patient_id, &q).await },
    );
    let trend = Loader::new(
        move || (metric.get(), refresh.get()),
        move |(m, _)| async move { api::health::trend(&auth.client(), patient_id, &m).await },
    );
    let chart = Signal::derive(move || series.value());
    let is_heart_rate = move || metric.with(|m| m.contains("heart_rate"));
    let chart_label = Signal::derive(move || metric_name(&metric.get()));
    let export = Action::new_unsync(move |_: &()| async move {
        let code = metric.get_untracked();
        let query = api_types::health::ExportQuery {
            metric: Some(code.clone()),
            from: None,
            to: None,
        };
        match api::health::export(&auth.client(), patient_id, &query).await {
            Ok(csv) => format::download(&format!("{code}.csv"), "text/csv", &csv),
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let on_recorded = Callback::new(move |()| refresh.update(|n| *n += 1));
    // A reading just entered is charted at once.
    let on_entered = Callback::new(move |code: String| {
        metric.set(code);
        refresh.update(|n| *n += 1);
    });
    let mut grouped: Vec<(MetricCategory, Vec<(String, String)>)> = Vec::new();
    for m in METRICS.iter() {
        let entry = (m.code.to_owned(), m.name.to_owned());
        match grouped.iter_mut().find(|(c, _)| *c == m.category) {
            Some((_, list)) => list.push(entry),
            None => grouped.push((m.category, vec![entry])),
        }
    }
    view! {
        <div class="health">
            {staff
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="patient-alerts-heading">
                            <h2 id="patient-alerts-heading" class="card-title">"Open alerts"</h2>
                            <AlertList patient_id refresh=refresh />
                        </section>
                    }
                })}
            <section class="card" aria-labelledby="latest-heading">
                <h2 id="latest-heading" class="card-title">"Latest readings"</h2>
                {move || match latest.get() {
                    None => view! { <SkeletonRows rows=2 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => {
                        view! {
                            <EmptyState
                                title="No health data yet"
                                detail="Readings appear here once they are entered below or arrive from a connected device."
                            />
                        }
                            .into_any()
                    }
                    Some(Ok(list)) => {
                        view! {
                            <ul class="metric-tiles">
                                {list
                                    .into_iter()
                                    .map(|l| {
                                        let m = Metric::by_code(&l.metric);
                                        let (label, class) = judgement_badge(l.judgement);
                                        let code = l.metric.clone();
                                        let selected_code = code.clone();
                                        view! {
                                            <li>
                                                <button
                                                    type="button"
                                                    class="metric-tile"
                                                    aria-pressed=move || (metric.get() == selected_code).to_string()
                                                    on:click=move |_| metric.set(code.clone())
                                                >
                                                    <span class="metric-tile-name">{metric_name(&l.metric)}</span>
                                                    <span class="metric-tile-value">
                                                        {m.map(|m| with_unit(m, l.value)).unwrap_or_default()}
                                                    </span>
                                                    <span class=format!("badge {class}")>{label}</span>
                                                    <span class="muted metric-tile-time">{format::date_time(l.effective_at)}</span>
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
            </section>
            <section class="card" aria-labelledby="chart-heading">
                <div class="card-header">
                    <h2 id="chart-heading" class="card-title">{move || metric_name(&metric.get())}</h2>
                    <button type="button" class="button button-ghost button-small" on:click=move |_| { export.dispatch(()); }>
                        "Export CSV"
                    </button>
                </div>
                <div class="toolbar chart-toolbar">
                    <div class="field">
                        <label class="field-label" for="chart-metric">"Measurement"</label>
                        <select
                            id="chart-metric"
                            class="input select"
                            prop:value=move || metric.get()
                            on:change=move |ev| metric.set(event_target_value(&ev))
                        >
                            {grouped
                                .into_iter()
                                .map(|(c, list)| {
                                    view! {
                                        <optgroup label=category_label(c)>
                                            {list
                                                .into_iter()
                                                .map(|(code, name)| view! { <option value=code>{name}</option> })
                                                .collect_view()}
                                        </optgroup>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="segmented" role="group" aria-label="Period">
                        {RANGES
                            .into_iter()
                            .map(|(r, label)| {
                                view! {
                                    <button
                                        type="button"
                                        class="segmented-button"
                                        aria-pressed=move || (range.get() == r).to_string()
                                        on:click=move |_| range.set(r)
                                    >
                                        {label}
                                    </button>
                                }
                            })
                            .collect_view()}
                    </div>
                    <Show when=is_heart_rate>
                        <div class="field">
                            <label class="field-label" for="chart-source">"Source"</label>
                            <select
                                id="chart-source"
                                class="input select"
                                prop:value=move || source.get()
                                on:change=move |ev| source.set(event_target_value(&ev))
                            >
                                <option value="">"All sources"</option>
                                <option value="device">"Devices"</option>
                                <option value="withings">"Withings"</option>
                                <option value="manual">"Entered by hand"</option>
                            </select>
                        </div>
                    </Show>
                </div>
                <Show when=move || range.get() == Range::Custom>
                    <div class="grid grid-4">
                        <TextField id="chart-from" label="From" input_type="date" value=custom_from />
                        <TextField id="chart-to" label="To" input_type="date" value=custom_to />
                    </div>
                </Show>
                {move || series.get().and_then(Result::err).map(|problem| view! { <ProblemAlert problem /> })}
                <LineChart series=chart label=chart_label />
                <TrendLine trend=Signal::derive(move || trend.value()) />
            </section>
            <DevicesCard patient_id on_synced=on_recorded />
            <section class="card" aria-labelledby="entry-heading">
                <h2 id="entry-heading" class="card-title">"Record a reading"</h2>
                <ManualEntry patient_id metric=metric on_recorded=on_entered />
            </section>
            // Patients see their ranges too; only practitioners may change them.
            <TargetsCard patient_id metric=metric on_change=on_recorded />
        </div>
    }
}

/// Averages, change from baseline and slope, in a sentence.
#[component]
fn TrendLine(#[prop(into)] trend: Signal<Option<Trend>>) -> impl IntoView {
    move || {
        let t = trend.get()?;
        let m = Metric::by_code(&t.metric)?;
        let avg7 = t.average_7d.map(|v| with_unit(m, v));
        let avg30 = t.average_30d.map(|v| with_unit(m, v));
        if avg7.is_none() && avg30.is_none() {
            return None;
        }
        let change = t.change_from_baseline.map(|c| {
            let sign = if c >= 0.0 { "+" } else { "−" };
            format!("{sign}{} from the usual level", with_unit(m, c.abs()))
        });
        let slope = t.weekly_slope.map(|s| {
            let sign = if s >= 0.0 { "+" } else { "−" };
            format!("{sign}{} a week over 4 weeks", with_unit(m, s.abs()))
        });
        Some(view! {
            <dl class="trend">
                {avg7.map(|v| view! { <div><dt>"7-day average"</dt><dd>{v}</dd></div> })}
                {avg30.map(|v| view! { <div><dt>"30-day average"</dt><dd>{v}</dd></div> })}
                {change.map(|v| view! { <div><dt>"Against baseline"</dt><dd>{v}</dd></div> })}
                {slope.map(|v| view! { <div><dt>"Trend"</dt><dd>{v}</dd></div> })}
            </dl>
        })
    }
}
