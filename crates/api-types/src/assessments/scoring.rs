//! Exact scoring: the total (or DASS-21's doubled scales), the severity band, and the answers
//! that need a clinician's attention whatever the total.

use serde::{Deserialize, Serialize};

use super::instruments::{Instrument, DASS_ANXIETY, DASS_DEPRESSION, DASS_STRESS};
use crate::error::FieldError;

/// How severe a score is: a code clients match on, the words clinicians use, and a level from
/// 0 (none) to 4 (the instrument's most severe band) for colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Severity {
    /// `minimal`, `mild`, `moderate`, `moderately_severe`, `severe`, `extremely_severe`,
    /// `normal` or `likely_well`.
    pub code: String,
    pub label: String,
    pub level: u8,
}

fn severity(code: &str, label: &str, level: u8) -> Severity {
    Severity {
        code: code.to_owned(),
        label: label.to_owned(),
        level,
    }
}

/// A scale within an instrument (DASS-21's depression, anxiety and stress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscaleScore {
    /// `depression`, `anxiety` or `stress`.
    pub scale: String,
    pub score: u32,
    pub severity: Severity,
}

/// An answer that needs a clinician's attention whatever the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemFlag {
    /// 1-based.
    pub item: u32,
    /// `self_harm_thoughts`, `hopelessness`, `worthlessness` or `meaninglessness`.
    pub code: String,
    pub label: String,
    /// The care team is alerted at once.
    pub urgent: bool,
}

/// The exact result of one completed questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scored {
    pub instrument: Instrument,
    pub score: u32,
    pub min_score: u32,
    pub max_score: u32,
    pub severity: Severity,
    #[serde(default)]
    pub subscales: Vec<SubscaleScore>,
    #[serde(default)]
    pub flags: Vec<ItemFlag>,
}

/// Checks the answers (one per item, each on the instrument's scale).
pub fn validate(instrument: Instrument, answers: &[u8]) -> Result<(), Vec<FieldError>> {
    let d = instrument.definition();
    let mut errors = Vec::new();
    if answers.len() != d.items.len() {
        errors.push(FieldError {
            field: "answers".into(),
            code: "wrong_count".into(),
            message: format!(
                "{} has {} items; {} answers were given.",
                d.name,
                d.items.len(),
                answers.len()
            ),
        });
        return Err(errors);
    }
    for (i, a) in answers.iter().enumerate() {
        if !d.choices.iter().any(|c| c.value == *a) {
            let (lo, hi) = (d.choices[0].value, d.choices[d.choices.len() - 1].value);
            errors.push(FieldError {
                field: format!("answers[{i}]"),
                code: "out_of_range".into(),
                message: format!("Item {} is answered from {lo} to {hi}.", i + 1),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn phq9_band(score: u32) -> Severity {
    match score {
        0..=4 => severity("minimal", "Minimal", 0),
        5..=9 => severity("mild", "Mild", 1),
        10..=14 => severity("moderate", "Moderate", 2),
        15..=19 => severity("moderately_severe", "Moderately severe", 3),
        _ => severity("severe", "Severe", 4),
    }
}

fn gad7_band(score: u32) -> Severity {
    match score {
        0..=4 => severity("minimal", "Minimal", 0),
        5..=9 => severity("mild", "Mild", 1),
        10..=14 => severity("moderate", "Moderate", 2),
        _ => severity("severe", "Severe", 4),
    }
}

fn k10_band(score: u32) -> Severity {
    match score {
        0..=19 => severity("likely_well", "Likely to be well", 0),
        20..=24 => severity("mild", "Mild", 1),
        25..=29 => severity("moderate", "Moderate", 2),
        _ => severity("severe", "Severe", 4),
    }
}

/// DASS-21 bands for a doubled scale score, from the upper bounds of normal, mild, moderate and
/// severe.
pub(super) fn dass_band(score: u32, bounds: [u32; 4]) -> Severity {
    if score <= bounds[0] {
        severity("normal", "Normal", 0)
    } else if score <= bounds[1] {
        severity("mild", "Mild", 1)
    } else if score <= bounds[2] {
        severity("moderate", "Moderate", 2)
    } else if score <= bounds[3] {
        severity("severe", "Severe", 3)
    } else {
        severity("extremely_severe", "Extremely severe", 4)
    }
}

/// The severity bands of an instrument's total, lowest first, as `(from, to, severity)`.
/// DASS-21 is banded per scale, so its total has none.
pub fn bands(instrument: Instrument) -> Vec<(u32, u32, Severity)> {
    let band: fn(u32) -> Severity = match instrument {
        Instrument::Phq9 => phq9_band,
        Instrument::Gad7 => gad7_band,
        Instrument::K10 => k10_band,
        Instrument::Dass21 => return Vec::new(),
    };
    let (lo, hi) = instrument.range();
    let mut out: Vec<(u32, u32, Severity)> = Vec::new();
    for s in lo..=hi {
        let b = band(s);
        match out.last_mut() {
            Some(last) if last.2 == b => last.1 = s,
            _ => out.push((s, s, b)),
        }
    }
    out
}

fn flag(item: u32, code: &str, label: &str, urgent: bool) -> ItemFlag {
    ItemFlag {
        item,
        code: code.to_owned(),
        label: label.to_owned(),
        urgent,
    }
}

/// Scores answers that `validate` accepted (one per item, on the item's scale).
pub fn score(instrument: Instrument, answers: &[u8]) -> Result<Scored, Vec<FieldError>> {
    validate(instrument, answers)?;
    let total: u32 = answers.iter().map(|a| u32::from(*a)).sum();
    let (min_score, max_score) = instrument.range();
    let answer = |item: usize| answers[item - 1];
    let mut subscales = Vec::new();
    let mut flags = Vec::new();
    let (score, band) = match instrument {
        Instrument::Phq9 => {
            if answer(9) > 0 {
                flags.push(flag(
                    9,
                    "self_harm_thoughts",
                    "Thoughts of being better off dead or of self-harm",
                    true,
                ));
            }
            (total, phq9_band(total))
        }
        Instrument::Gad7 => (total, gad7_band(total)),
        Instrument::K10 => {
            if answer(4) >= 4 {
                flags.push(flag(
                    4,
                    "hopelessness",
                    "Hopeless most or all of the time",
                    false,
                ));
            }
            if answer(10) >= 4 {
                flags.push(flag(
                    10,
                    "worthlessness",
                    "Worthless most or all of the time",
                    false,
                ));
            }
            (total, k10_band(total))
        }
        Instrument::Dass21 => {
            let scale = |items: [usize; 7]| -> u32 {
                2 * items.iter().map(|i| u32::from(answer(*i))).sum::<u32>()
            };
            for (name, items, bounds) in [
                ("depression", DASS_DEPRESSION, [9, 13, 20, 27]),
                ("anxiety", DASS_ANXIETY, [7, 9, 14, 19]),
                ("stress", DASS_STRESS, [14, 18, 25, 33]),
            ] {
                let s = scale(items);
                subscales.push(SubscaleScore {
                    scale: name.to_owned(),
                    score: s,
                    severity: dass_band(s, bounds),
                });
            }
            if answer(21) >= 2 {
                flags.push(flag(
                    21,
                    "meaninglessness",
                    "Felt that life was meaningless",
                    false,
                ));
            }
            let worst = subscales
                .iter()
                .map(|s| s.severity.clone())
                .max_by_key(|s| s.level)
                .unwrap_or_else(|| severity("normal", "Normal", 0));
            (2 * total, worst)
        }
    };
    Ok(Scored {
        instrument,
        score,
        min_score,
        max_score,
        severity: band,
        subscales,
        flags,
    })
}
