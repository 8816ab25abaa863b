//! A line chart of one metric, drawn as SVG: the target band shaded, critical limits dashed,
//! points coloured and shaped by judgement (so colour is never the only cue), a min–max
//! envelope for summarised buckets, and a keyboard- and pointer-driven readout. A table of the
//! same points is one click away for screen readers and exact values.

use api_types::health::{Judgement, Metric, Series, SeriesPoint};
use leptos::prelude::*;

use super::judgement_badge;
use crate::format;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// Beyond this many points, only those out of range are marked.
const MAX_MARKED: usize = 150;
/// Rows the table shows, newest first.
const TABLE_ROWS: usize = 200;

/// "Nice" tick values (1, 2 or 5 × 10ⁿ apart) covering `lo..hi`.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || count == 0 {
        return vec![lo];
    }
    let raw = (hi - lo) / count as f64;
    let magnitude = 10_f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut t = first;
    while t <= hi + step * 0.5 {
        ticks.push((t / step).round() * step);
        t += step;
    }
    ticks
}

/// The value range to draw: the data, the target band, and a little room.
fn y_domain(points: &[SeriesPoint], series: &Series) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for p in points {
        lo = lo.min(p.min.unwrap_or(p.value));
        hi = hi.max(p.max.unwrap_or(p.value));
    }
    if let Some(t) = &series.target {
        for v in [t.low, t.high].into_iter().flatten() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.02).max(0.5);
    (lo - pad, hi + pad)
}

struct Scale {
    t0: f64,
    t1: f64,
    v0: f64,
    v1: f64,
}

impl Scale {
    fn x(&self, t: f64) -> f64 {
        LEFT + (t - self.t0) / (self.t1 - self.t0).max(1.0) * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, v: f64) -> f64 {
        TOP + (1.0 - (v - self.v0) / (self.v1 - self.v0).max(f64::EPSILON))
            * (HEIGHT - TOP - BOTTOM)
    }
}

/// Tick labels for the time axis, chosen by the span.
fn time_ticks(t0: f64, t1: f64) -> Vec<(f64, String)> {
    let span_days = (t1 - t0) / 86_400_000.0;
    let n = 6;
    (0..=n)
        .map(|i| {
            let t = t0 + (t1 - t0) * f64::from(i) / f64::from(n);
            let d = chrono::DateTime::from_timestamp_millis(t as i64)
                .map(crate::format::local)
                .unwrap_or_default();
            let month = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ]
            .get(chrono::Datelike::month0(&d) as usize)
            .copied()
            .unwrap_or("");
            let label = if span_days <= 2.0 {
                crate::format::time(d.time())
            } else if span_days <= 200.0 {
                format!("{} {month}", chrono::Datelike::day(&d))
            } else {
                format!("{month} {}", chrono::Datelike::year(&d))
            };
            (t, label)
        })
        .collect()
}

fn millis(p: &SeriesPoint) -> f64 {
    p.t.timestamp_millis() as f64
}

/// The marker of a point: a circle in range, a square out of range, a triangle when critical.
fn marker(j: Judgement, x: f64, y: f64, big: bool) -> impl IntoView {
    let r = if big { 6.0 } else { 4.0 };
    match j {
        Judgement::Critical => view! {
            <path
                class="chart-point chart-point-critical"
                d=format!("M{x:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z", y - r * 1.2, x + r * 1.1, y + r * 0.8, x - r * 1.1, y + r * 0.8)
            ></path>
        }
        .into_any(),
        Judgement::OutOfRange => view! {
            <rect class="chart-point chart-point-out" x=x - r * 0.85 y=y - r * 0.85 width=r * 1.7 height=r * 1.7></rect>
        }
        .into_any(),
        _ => view! { <circle class="chart-point chart-point-in" cx=x cy=y r=r * 0.8></circle> }.into_any(),
    }
}

/// The words a screen reader hears for the whole chart.
fn summary(label: &str, series: &Series) -> String {
    let readings: u32 = series.points.iter().map(|p| p.count.unwrap_or(1)).sum();
    if readings == 0 {
        return format!("{label}: no readings in this period");
    }
    let out = series
        .points
        .iter()
        .filter(|p| p.judgement == Judgement::OutOfRange)
        .count();
    let critical = series
        .points
        .iter()
        .filter(|p| p.judgement == Judgement::Critical)
        .count();
    let noun = if readings == 1 { "reading" } else { "readings" };
    let (first, last) = (
        series
            .points
            .first()
            .map(|p| format::date(p.t.date_naive()))
            .unwrap_or_default(),
        series
            .points
            .last()
            .map(|p| format::date(p.t.date_naive()))
            .unwrap_or_default(),
    );
    let unit = if series.downsampled {
        "periods"
    } else {
        "readings"
    };
    format!("{label}: {readings} {noun} from {first} to {last}; {out} {unit} out of range, {critical} critical")
}

#[component]
pub fn LineChart(
    /// The series, or `None` while it loads.
    #[prop(into)]
    series: Signal<Option<Series>>,
    /// What the chart shows, for its accessible name.
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let focused = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        series.track();
        focused.set(None);
    });
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let len = series.with(|s| s.as_ref().map_or(0, |s| s.points.len()));
        if len == 0 {
            return;
        }
        let next = match (ev.key().as_str(), focused.get_untracked()) {
            ("ArrowRight", Some(i)) => (i + 1).min(len - 1),
            ("ArrowLeft", Some(i)) => i.saturating_sub(1),
            ("ArrowRight" | "ArrowLeft" | "End", None) | ("End", _) => len - 1,
            ("Home", _) => 0,
            _ => return,
        };
        ev.prevent_default();
        focused.set(Some(next));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let Some(target) = ev.current_target() else {
            return;
        };
        use wasm_bindgen::JsCast;
        let Ok(el) = target.dyn_into::<web_sys::Element>() else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let x = (f64::from(ev.client_x()) - rect.left()) / rect.width() * WIDTH;
        series.with_untracked(|s| {
            let Some(s) = s else { return };
            if s.points.is_empty() {
                return;
            }
            let scale = Scale {
                t0: s.from.timestamp_millis() as f64,
                t1: s.to.timestamp_millis() as f64,
                v0: 0.0,
                v1: 1.0,
            };
            let nearest = s
                .points
                .iter()
                .enumerate()
                .min_by(|a, b| {
                    let da = (scale.x(millis(a.1)) - x).abs();
                    let db = (scale.x(millis(b.1)) - x).abs();
                    da.total_cmp(&db)
                })
                .map(|(i, _)| i);
            focused.set(nearest);
        });
    };
    view! {
        <div class="chart">
            {move || match series.get() {
                None => view! { <div class="chart-skeleton skeleton-row"></div> }.into_any(),
                Some(s) if s.points.is_empty() => {
                    view! {
                        <div class="chart-empty">
                            <p>"No readings in this period"</p>
                        </div>
                    }
                        .into_any()
                }
                Some(s) => {
                    let metric = Metric::by_code(&s.metric);
                    let (v0, v1) = y_domain(&s.points, &s);
                    let scale = Scale {
                        t0: s.from.timestamp_millis() as f64,
                        t1: s.to.timestamp_millis() as f64,
                        v0,
                        v1,
                    };
                    let fmt = move |v: f64| metric.map_or_else(|| format!("{v:.1}"), |m| m.display(v));
                    let plot_bottom = HEIGHT - BOTTOM;
                    let band = s.target.as_ref().and_then(|t| {
                        if t.low.is_none() && t.high.is_none() {
                            return None;
                        }
                        let top = t.high.map_or(TOP, |h| scale.y(h).max(TOP));
                        let bottom = t.low.map_or(plot_bottom, |l| scale.y(l).min(plot_bottom));
                        Some(view! {
                            <rect class="chart-band" x=LEFT y=top width=WIDTH - LEFT - RIGHT height=(bottom - top).max(0.0)>
                                <title>"Target range"</title>
                            </rect>
                        })
                    });
                    let critical_lines = s
                        .target
                        .as_ref()
                        .map(|t| {
                            [t.critical_low, t.critical_high]
                                .into_iter()
                                .flatten()
                                .filter(|c| *c >= v0 && *c <= v1)
                                .map(|c| {
                                    let y = scale.y(c);
                                    view! {
                                        <line class="chart-critical" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y></line>
                                        <text class="chart-critical-label" x=WIDTH - RIGHT - 4.0 y=y - 4.0 text-anchor="end">
                                            {format!("critical {}", fmt(c))}
                                        </text>
                                    }
                                })
                                .collect_view()
                        });
                    let y_ticks = nice_ticks(v0, v1, 5)
                        .into_iter()
                        .filter(|v| *v >= v0 && *v <= v1)
                        .map(|v| {
                            let y = scale.y(v);
                            view! {
                                <line class="chart-grid" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y></line>
                                <text class="chart-axis-label" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{fmt(v)}</text>
                            }
                        })
                        .collect_view();
                    let ticks = time_ticks(scale.t0, scale.t1);
                    let last = ticks.len().saturating_sub(1);
                    let x_ticks = ticks
                        .into_iter()
                        .enumerate()
                        .map(|(i, (t, label))| {
                            let x = scale.x(t);
                            // The end labels sit inside the chart rather than half outside it.
                            let anchor = match i {
                                0 => "start",
                                i if i == last => "end",
                                _ => "middle",
                            };
                            view! {
                                <text class="chart-axis-label" x=x y=HEIGHT - 10.0 text-anchor=anchor>{label}</text>
                            }
                        })
                        .collect_view();
                    let path: String = s
                        .points
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            format!("{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, scale.x(millis(p)), scale.y(p.value))
                        })
                        .collect();
                    let envelope = s.downsampled.then(|| {
                        let upper = s.points.iter().map(|p| format!("{:.1},{:.1}", scale.x(millis(p)), scale.y(p.max.unwrap_or(p.value))));
                        let lower = s.points.iter().rev().map(|p| format!("{:.1},{:.1}", scale.x(millis(p)), scale.y(p.min.unwrap_or(p.value))));
                        let d = format!("M{}Z", upper.chain(lower).collect::<Vec<_>>().join(" L"));
                        view! { <path class="chart-envelope" d=d></path> }
                    });
                    let all_marked = s.points.len() <= MAX_MARKED;
                    let markers = s
                        .points
                        .iter()
                        .filter(|p| all_marked || matches!(p.judgement, Judgement::OutOfRange | Judgement::Critical))
                        .map(|p| marker(p.judgement, scale.x(millis(p)), scale.y(p.value), false))
                        .collect_view();
                    let points = s.points.clone();
                    let unit = metric.map(|m| m.unit_label).unwrap_or_default();
                    let readout = move || {
                        let i = focused.get()?;
                        let p = points.get(i)?;
                        let (x, y) = (scale.x(millis(p)), scale.y(p.value));
                        Some(view! {
                            <line class="chart-crosshair" x1=x x2=x y1=TOP y2=plot_bottom></line>
                            {marker(p.judgement, x, y, true)}
                        })
                    };
                    let text_points = s.points.clone();
                    let readout_text = move || {
                        let i = focused.get()?;
                        let p = text_points.get(i)?;
                        let (j, _) = judgement_badge(p.judgement);
                        let range = match (p.min, p.max, p.count) {
                            (Some(lo), Some(hi), Some(n)) => format!(" (mean of {n}: {}–{})", fmt(lo), fmt(hi)),
                            _ => String::new(),
                        };
                        Some(format!("{}: {} {unit}{range}, {}", format::date_time(p.t), fmt(p.value), j.to_lowercase()))
                    };
                    let name = summary(&label.get(), &s);
                    let table = s.points.iter().rev().take(TABLE_ROWS).cloned().collect::<Vec<_>>();
                    let truncated = s.points.len() > TABLE_ROWS;
                    view! {
                        <svg
                            class="chart-svg"
                            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                            width="100%"
                            role="img"
                            aria-label=name
                            tabindex="0"
                            on:keydown=on_key
                            on:pointermove=on_move
                            on:pointerleave=move |_| focused.set(None)
                            on:blur=move |_| focused.set(None)
                        >
                            {band}
                            {y_ticks}
                            {critical_lines}
                            {envelope}
                            <path class="chart-line" d=path></path>
                            {markers}
                            {x_ticks}
                            {readout}
                        </svg>
                        <p class="chart-readout" aria-live="polite">
                            {move || readout_text().unwrap_or_else(|| "Point at the chart, or focus it and use the arrow keys, to read a value.".to_owned())}
                        </p>
                        <ul class="chart-legend" aria-hidden="true">
                            <li><svg width="14" height="14"><circle class="chart-point chart-point-in" cx="7" cy="7" r="4"></circle></svg>"In range"</li>
                            <li><svg width="14" height="14"><rect class="chart-point chart-point-out" x="2" y="2" width="10" height="10"></rect></svg>"Out of range"</li>
                            <li><svg width="14" height="14"><path class="chart-point chart-point-critical" d="M7,1 L13,12 L1,12 Z"></path></svg>"Critical"</li>
                            <li><span class="chart-legend-band"></span>"Target range"</li>
                        </ul>
                        <details class="details-disclosure chart-table">
                            <summary>"Show as table"</summary>
                            <table class="table table-dense">
                                <caption class="visually-hidden">"Readings, newest first"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"When"</th>
                                        <th scope="col">{format!("Value ({unit})")}</th>
                                        <th scope="col">"Judgement"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {table
                                        .into_iter()
                                        .map(|p| {
                                            let (j, class) = judgement_badge(p.judgement);
                                            let value = match (p.min, p.max, p.count) {
                                                (Some(lo), Some(hi), Some(n)) => format!("{} (n = {n}, {}–{})", fmt(p.value), fmt(lo), fmt(hi)),
                                                _ => fmt(p.value),
                                            };
                                            view! {
                                                <tr>
                                                    <td class="nowrap">{format::date_time(p.t)}</td>
                                                    <td>{value}</td>
                                                    <td><span class=format!("badge {class}")>{j}</span></td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {truncated.then(|| view! { <p class="muted">{format!("The newest {TABLE_ROWS} points are shown.")}</p> })}
                        </details>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::nice_ticks;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let t = nice_ticks(87.3, 163.9, 5);
        assert!(t.first().is_some_and(|v| *v <= 87.3) && t.last().is_some_and(|v| *v >= 160.0));
        assert!(
            t.windows(2).all(|w| (w[1] - w[0] - 20.0).abs() < 1e-9),
            "{t:?}"
        );
    }
}
