//! The benchmark's figures as data: every row of the tables (and the one-off figures beside
//! them) is kept, written as JSON to `target/bench/summary.json` and compared with the baseline
//! kept in the repository (`xtask/bench-baseline.json`). A figure more than 20 % worse than its
//! baseline is flagged in red with its scenario named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::Result;

/// How much worse than the baseline a figure may be before it is flagged.
const TOLERANCE: f64 = 0.20;
/// The scenario that measures the machine rather than the server: an endpoint that does
/// nothing (no database, no token), so its rate is what the machine and the HTTP stack allow.
/// Run on another machine, every figure is compared at that machine's speed relative to the
/// baseline's (a machine a third slower is not taken for a server a third slower).
pub const REFERENCE: &str = "the machine: GET /healthz";
/// Latencies this close to their baseline are never flagged: at a few tenths of a millisecond,
/// 20 % is the machine's noise rather than the server's.
const LATENCY_FLOOR_MS: f64 = 0.5;

/// One scenario's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub scenario: String,
    pub connections: usize,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: usize,
    pub rss_mb: f64,
}

/// A figure that is not a load scenario (an ingest rate, a delivery time, the peak memory), with
/// which direction is better.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    pub value: f64,
    pub unit: String,
    pub higher_is_better: bool,
}

/// Everything one run measured.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    pub machine: String,
    pub command: String,
    pub rows: Vec<Row>,
    pub figures: BTreeMap<String, Figure>,
}

static SUMMARY: Mutex<Option<Summary>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut Summary) -> T) -> T {
    let mut guard = SUMMARY.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(Summary::default))
}

/// Starts a run: what it ran on and how it was started.
pub fn begin(command: &str) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    with(|s| {
        *s = Summary {
            machine: format!("{cores} cores, {cpu}"),
            command: command.to_owned(),
            ..Summary::default()
        }
    });
}

pub fn row(row: Row) {
    with(|s| s.rows.push(row));
}

pub fn figure(name: &str, value: f64, unit: &str, higher_is_better: bool) {
    with(|s| {
        s.figures.insert(
            name.to_owned(),
            Figure {
                value,
                unit: unit.to_owned(),
                higher_is_better,
            },
        )
    });
}

pub fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-baseline.json")
}

/// Writes the run's summary, prints it, compares it with the baseline and, with `save`, makes
/// it the new baseline. Returns the scenarios flagged.
pub fn finish(save: bool) -> Result<Vec<String>> {
    let summary = with(std::mem::take);
    let json = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    let out = crate::target_dir().join("bench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let path = out.join("summary.json");
    std::fs::write(&path, &json).map_err(|e| e.to_string())?;
    println!("\nsummary (JSON, also in {}):\n{json}", path.display());
    let flagged = match std::fs::read_to_string(baseline_path()) {
        Ok(text) => {
            let baseline: Summary = serde_json::from_str(&text)
                .map_err(|e| format!("{}: {e}", baseline_path().display()))?;
            let flagged = compare(&baseline, &summary);
            print_comparison(&flagged);
            flagged
                .into_iter()
                .filter(|l| !l.starts_with(SPEED))
                .collect()
        }
        Err(_) => {
            println!("\nno baseline at {} yet", baseline_path().display());
            Vec::new()
        }
    };
    if save {
        std::fs::write(baseline_path(), format!("{json}\n")).map_err(|e| e.to_string())?;
        println!("baseline updated: {}", baseline_path().display());
    }
    Ok(flagged)
}

fn print_comparison(flagged: &[String]) {
    if let Some(line) = flagged.first().filter(|l| l.starts_with(SPEED)) {
        println!("\n{line}");
    }
    let flagged: Vec<&String> = flagged.iter().filter(|l| !l.starts_with(SPEED)).collect();
    if flagged.is_empty() {
        println!("\nagainst the baseline: no figure more than 20 % worse");
        return;
    }
    println!("\nagainst the baseline, more than 20 % worse:");
    for line in flagged {
        println!("\x1b[31m  {line}\x1b[0m");
    }
}

fn worse_lower(now: f64, base: f64) -> bool {
    base > 0.0 && now < base * (1.0 - TOLERANCE)
}

fn worse_higher(now: f64, base: f64, floor: f64) -> bool {
    now > base * (1.0 + TOLERANCE) && now - base > floor
}

/// How the line giving the machine's speed starts (it leads the comparison when the speeds
/// differ, and is not a flag).
const SPEED: &str = "this machine";

/// How fast this machine is beside the baseline's, from [`REFERENCE`] (1 when either run lacks
/// it).
fn speed(baseline: &Summary, now: &Summary) -> f64 {
    let rps = |s: &Summary| {
        s.rows
            .iter()
            .find(|r| r.scenario == REFERENCE)
            .map(|r| r.rps)
            .filter(|rps| *rps > 0.0)
    };
    match (rps(baseline), rps(now)) {
        (Some(base), Some(now)) => now / base,
        _ => 1.0,
    }
}

/// The figures of `now` more than 20 % worse than the same scenario's in `baseline`, each as a
/// line naming the scenario, at this machine's speed beside the baseline's (see [`REFERENCE`];
/// a leading line says so when they differ). Scenarios only one side has are not compared.
pub fn compare(baseline: &Summary, now: &Summary) -> Vec<String> {
    let mut flagged = Vec::new();
    let speed = speed(baseline, now);
    if (speed - 1.0).abs() > 0.05 {
        flagged.push(format!(
            "{SPEED} serves the reference at {:.0} % of the baseline machine's rate: each baseline \
             figure is scaled by that before comparing (rates times it, times divided by it)",
            speed * 100.0
        ));
    }
    for r in &now.rows {
        let Some(b) = baseline.rows.iter().find(|b| b.scenario == r.scenario) else {
            continue;
        };
        if r.scenario == REFERENCE {
            continue;
        }
        let (base_rps, base_p99) = (b.rps * speed, b.p99_ms / speed);
        let scaled = |value: String| {
            if speed == 1.0 {
                String::new()
            } else {
                format!(", {value} at this machine's speed")
            }
        };
        if worse_lower(r.rps, base_rps) {
            flagged.push(format!(
                "{}: {:.0} req/s (baseline {:.0}{})",
                r.scenario,
                r.rps,
                b.rps,
                scaled(format!("{base_rps:.0}"))
            ));
        }
        if worse_higher(r.p99_ms, base_p99, LATENCY_FLOOR_MS) {
            flagged.push(format!(
                "{}: p99 {:.2} ms (baseline {:.2}{})",
                r.scenario,
                r.p99_ms,
                b.p99_ms,
                scaled(format!("{base_p99:.2}"))
            ));
        }
        if r.errors > b.errors {
            flagged.push(format!(
                "{}: {} errors (baseline {})",
                r.scenario, r.errors, b.errors
            ));
        }
    }
    for (name, f) in &now.figures {
        let Some(b) = baseline.figures.get(name) else {
            continue;
        };
        // Memory does not scale with the machine's speed; rates and times do.
        let scale = if f.unit == "MB" { 1.0 } else { speed };
        let worse = if f.higher_is_better {
            worse_lower(f.value, b.value * scale)
        } else {
            worse_higher(f.value, b.value / scale, 0.0)
        };
        if worse {
            flagged.push(format!(
                "{name}: {:.1} {} (baseline {:.1})",
                f.value, f.unit, b.value
            ));
        }
    }
    flagged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rps: f64, p99: f64, peak: f64) -> Summary {
        let mut s = Summary::default();
        s.rows.push(Row {
            scenario: "read one patient".into(),
            connections: 16,
            rps,
            p50_ms: 1.0,
            p99_ms: p99,
            max_ms: 10.0,
            errors: 0,
            rss_mb: 50.0,
        });
        s.figures.insert(
            "peak server memory".into(),
            Figure {
                value: peak,
                unit: "MB".into(),
                higher_is_better: false,
            },
        );
        s
    }

    #[test]
    fn a_figure_within_a_fifth_of_its_baseline_is_not_flagged() {
        assert!(compare(&run(10_000.0, 5.0, 150.0), &run(8_100.0, 5.9, 179.0)).is_empty());
    }

    #[test]
    fn throughput_latency_and_memory_more_than_a_fifth_worse_are_each_flagged_by_scenario() {
        let flagged = compare(&run(10_000.0, 5.0, 150.0), &run(7_000.0, 7.0, 190.0));
        assert_eq!(flagged.len(), 3, "{flagged:?}");
        assert!(flagged[0].starts_with("read one patient: 7000 req/s"));
        assert!(flagged[1].starts_with("read one patient: p99 7.00 ms"));
        assert!(flagged[2].starts_with("peak server memory: 190.0 MB"));
    }

    #[test]
    fn a_slower_machine_is_not_taken_for_a_slower_server_but_a_slower_server_still_is() {
        let with_reference = |reference: f64, rps: f64, p99: f64| {
            let mut s = run(rps, p99, 150.0);
            s.rows.push(Row {
                scenario: REFERENCE.into(),
                rps: reference,
                ..s.rows[0].clone()
            });
            s
        };
        let baseline = with_reference(100_000.0, 10_000.0, 5.0);
        // A machine at 70 %: the server at 70 % too is as it was.
        let flagged = compare(&baseline, &with_reference(70_000.0, 7_000.0, 7.0));
        assert_eq!(flagged.len(), 1, "{flagged:?}");
        assert!(flagged[0].starts_with("this machine serves the reference at 70 %"));
        // The same machine at 70 % with the server at half: flagged.
        let flagged = compare(&baseline, &with_reference(70_000.0, 5_000.0, 7.0));
        assert_eq!(flagged.len(), 2, "{flagged:?}");
        assert!(flagged[1].starts_with("read one patient: 5000 req/s"));
    }

    #[test]
    fn tiny_latencies_are_not_flagged_for_noise() {
        assert!(compare(&run(10_000.0, 0.3, 150.0), &run(10_000.0, 0.5, 150.0)).is_empty());
    }
}
