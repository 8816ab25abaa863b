//! How a downsampled series is laid out: equal buckets over the range, on the roll-ups' own
//! grid when roll-ups are read, which parts of the range come from roll-ups and which from the
//! readings, and how rows are added up into each bucket's summary.

use std::ops::Range;

use api_types::health::{Judgement, SeriesPoint, TargetRange};
use chrono::{DateTime, TimeDelta, Utc};

use super::super::ingest::{Granularity, DAILY, HOURLY};

/// One bucket's summary while it is being built.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bucket {
    pub(super) count: i64,
    pub(super) sum: f64,
    pub(super) min: f64,
    pub(super) max: f64,
}

impl Bucket {
    pub(super) fn reading(value: f64) -> Bucket {
        Bucket {
            count: 1,
            sum: value,
            min: value,
            max: value,
        }
    }

    pub(super) fn add(&mut self, other: Bucket) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// The worst judgement of a bucket, from its extremes.
fn judge_extremes(target: Option<&TargetRange>, min: f64, max: f64) -> Judgement {
    match target {
        None => Judgement::NoTarget,
        Some(t) => {
            let (a, b) = (t.judge(min), t.judge(max));
            if a == Judgement::Critical || b == Judgement::Critical {
                Judgement::Critical
            } else if a == Judgement::OutOfRange || b == Judgement::OutOfRange {
                Judgement::OutOfRange
            } else {
                Judgement::InRange
            }
        }
    }
}

/// Roll-up granularities, coarsest first.
const ROLLUPS: [Granularity; 2] = [DAILY, HOURLY];

/// How a downsampled series is laid out and read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// Bucket `i` holds the readings in `[edges[i], edges[i + 1])`: the first edge is the start of
    /// the range and the last its end.
    pub(super) edges: Vec<DateTime<Utc>>,
    /// The width of every bucket but the first and the last, which the range may cut short.
    pub(super) width: i64,
    /// Read from roll-ups: for each granularity, the whole buckets that start in its span.
    pub(super) rolled: Vec<(Granularity, Range<DateTime<Utc>>)>,
    /// Read from the readings themselves: what no whole roll-up covers.
    pub(super) raw: Vec<Range<DateTime<Utc>>>,
}

/// Lays out at most `max_points` buckets over `[from, to)`, and says where each part of the range
/// is read from. Roll-ups are used when `rollups` allows (they do not know sources) and the
/// buckets are wide enough.
pub(super) fn plan(from: DateTime<Utc>, to: DateTime<Utc>, max_points: u32, rollups: bool) -> Plan {
    let points = i64::from(max_points.max(1));
    let width = div_ceil(seconds_up(to - from), points);
    // The coarsest roll-up that still gives at least half the points asked for: a year in 500
    // points reads 365 daily rows rather than 8,760 hourly ones.
    let levels = ROLLUPS
        .iter()
        .position(|g| rollups && width * 2 >= g.seconds)
        .map_or(&[][..], |i| &ROLLUPS[i..]);
    let Some(&coarsest) = levels.first() else {
        return Plan {
            edges: edges(from, to, from, width),
            width,
            rolled: Vec::new(),
            raw: vec![from..to],
        };
    };
    // Edges on the roll-up's own grid: no roll-up then straddles two buckets, and only the first
    // and last buckets can be partial.
    let anchor = coarsest.floor(from);
    let width = coarsest.seconds * div_ceil(seconds_up(to - anchor), points * coarsest.seconds);
    let mut plan = Plan {
        edges: edges(from, to, anchor, width),
        width,
        rolled: Vec::new(),
        raw: Vec::new(),
    };
    plan.cover(from..to, levels);
    plan
}

impl Plan {
    /// Covers `span` with the whole roll-ups of the first level that fit, and the pieces left at
    /// either end with the finer levels, down to single readings.
    fn cover(&mut self, span: Range<DateTime<Utc>>, levels: &[Granularity]) {
        if span.is_empty() {
            return;
        }
        let Some((&g, finer)) = levels.split_first() else {
            self.raw.push(span);
            return;
        };
        let (start, end) = (g.ceil(span.start), g.floor(span.end));
        if start < end {
            self.cover(span.start..start, finer);
            self.rolled.push((g, start..end));
            self.cover(end..span.end, finer);
        } else {
            self.cover(span, finer);
        }
    }
}

/// The edges of `width`-second buckets counted from `anchor`, cut to `[from, to)`. `anchor` is at
/// most one width before `from`.
fn edges(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    anchor: DateTime<Utc>,
    width: i64,
) -> Vec<DateTime<Utc>> {
    let mut edges = vec![from];
    if let Some(step) = TimeDelta::try_seconds(width) {
        let mut next = anchor.checked_add_signed(step);
        while let Some(edge) = next.filter(|e| *e < to) {
            edges.push(edge);
            next = edge.checked_add_signed(step);
        }
    }
    edges.push(to);
    edges
}

/// A duration in seconds, a part second counting as one.
pub(super) fn seconds_up(d: TimeDelta) -> i64 {
    d.num_seconds() + i64::from(d.subsec_nanos() > 0)
}

/// `n / d` rounded up, for positive `d`; at least 1.
fn div_ceil(n: i64, d: i64) -> i64 {
    (n.max(1) + d - 1) / d
}

/// Adds rows (single readings or whole roll-ups, by their start) into the buckets of `edges`.
pub(super) fn compose(
    edges: &[DateTime<Utc>],
    rows: impl IntoIterator<Item = (DateTime<Utc>, Bucket)>,
    target: Option<&TargetRange>,
) -> Vec<SeriesPoint> {
    let mut buckets: Vec<Option<Bucket>> = vec![None; edges.len().saturating_sub(1)];
    for (t, b) in rows {
        let Some(slot) = edges
            .partition_point(|e| *e <= t)
            .checked_sub(1)
            .and_then(|i| buckets.get_mut(i))
        else {
            continue;
        };
        match slot {
            Some(x) => x.add(b),
            None => *slot = Some(b),
        }
    }
    edges
        .iter()
        .zip(buckets)
        .filter_map(|(start, b)| b.filter(|b| b.count > 0).map(|b| (*start, b)))
        .map(|(t, b)| SeriesPoint {
            t,
            value: b.sum / b.count as f64,
            min: Some(b.min),
            max: Some(b.max),
            count: Some(u32::try_from(b.count).unwrap_or(u32::MAX)),
            judgement: judge_extremes(target, b.min, b.max),
        })
        .collect()
}
