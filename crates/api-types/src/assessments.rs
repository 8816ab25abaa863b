//! Standardised questionnaires: their items and answer scales, and exact scoring with severity
//! bands and item-level flags. The server scores every submission; the web app uses the same
//! code to show a patient or clinician the result as they answer.
//!
//! - **PHQ-9** (Kroenke, Spitzer & Williams 2001): nine items 0–3, total 0–27; minimal 0–4,
//!   mild 5–9, moderate 10–14, moderately severe 15–19, severe 20–27. Item 9 (thoughts of death
//!   or self-harm) above zero is flagged for the care team whatever the total.
//! - **GAD-7** (Spitzer et al. 2006): seven items 0–3, total 0–21; minimal 0–4, mild 5–9,
//!   moderate 10–14, severe 15–21.
//! - **K10** (Kessler et al. 2002): ten items 1–5, total 10–50; bands as used in Australian
//!   primary care (GP mental health treatment plans): likely to be well 10–19, mild 20–24,
//!   moderate 25–29, severe 30–50. Hopelessness and worthlessness felt most or all of the time
//!   are flagged.
//! - **DASS-21** (Lovibond & Lovibond 1995): twenty-one items 0–3 in three scales of seven;
//!   each scale's sum is doubled to match the full DASS. Depression: normal 0–9, mild 10–13,
//!   moderate 14–20, severe 21–27, extremely severe 28+. Anxiety: 0–7, 8–9, 10–14, 15–19, 20+.
//!   Stress: 0–14, 15–18, 19–25, 26–33, 34+. The overall severity is the most severe scale's.
//!   Item 21 ("life was meaningless") at 2 or more is flagged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;

/// The questionnaires Carebase scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    Phq9,
    Gad7,
    K10,
    Dass21,
}

/// One choice on an item's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: u8,
    pub label: &'static str,
}

/// What an instrument asks and how it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    pub instrument: Instrument,
    pub name: &'static str,
    pub title: &'static str,
    /// The instruction shown before the items.
    pub prompt: &'static str,
    pub items: &'static [&'static str],
    pub choices: &'static [Choice],
}

const FREQUENCY_0_3: &[Choice] = &[
    Choice {
        value: 0,
        label: "Not at all",
    },
    Choice {
        value: 1,
        label: "Several days",
    },
    Choice {
        value: 2,
        label: "More than half the days",
    },
    Choice {
        value: 3,
        label: "Nearly every day",
    },
];

const K10_SCALE: &[Choice] = &[
    Choice {
        value: 1,
        label: "None of the time",
    },
    Choice {
        value: 2,
        label: "A little of the time",
    },
    Choice {
        value: 3,
        label: "Some of the time",
    },
    Choice {
        value: 4,
        label: "Most of the time",
    },
    Choice {
        value: 5,
        label: "All of the time",
    },
];

const DASS_SCALE: &[Choice] = &[
    Choice {
        value: 0,
        label: "Did not apply to me at all",
    },
    Choice {
        value: 1,
        label: "Applied to me to some degree, or some of the time",
    },
    Choice {
        value: 2,
        label: "Applied to me to a considerable degree, or a good part of the time",
    },
    Choice {
        value: 3,
        label: "Applied to me very much, or most of the time",
    },
];

pub const PHQ9: Definition = Definition {
    instrument: Instrument::Phq9,
    name: "PHQ-9",
    title: "Patient Health Questionnaire (PHQ-9)",
    prompt: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items: &[
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself, or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed, or the opposite: being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead, or of hurting yourself in some way",
    ],
    choices: FREQUENCY_0_3,
};

pub const GAD7: Definition = Definition {
    instrument: Instrument::Gad7,
    name: "GAD-7",
    title: "Generalised Anxiety Disorder scale (GAD-7)",
    prompt: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    items: &[
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ],
    choices: FREQUENCY_0_3,
};

pub const K10: Definition = Definition {
    instrument: Instrument::K10,
    name: "K10",
    title: "Kessler Psychological Distress Scale (K10)",
    prompt: "In the last 4 weeks, about how often did you feel…",
    items: &[
        "…tired out for no good reason?",
        "…nervous?",
        "…so nervous that nothing could calm you down?",
        "…hopeless?",
        "…restless or fidgety?",
        "…so restless that you could not sit still?",
        "…depressed?",
        "…that everything was an effort?",
        "…so sad that nothing could cheer you up?",
        "…worthless?",
    ],
    choices: K10_SCALE,
};

pub const DASS21: Definition = Definition {
    instrument: Instrument::Dass21,
    name: "DASS-21",
    title: "Depression, Anxiety and Stress Scales (DASS-21)",
    prompt: "Please read each statement and choose how much it applied to you over the past week. There are no right or wrong answers.",
    items: &[
        "I found it hard to wind down",
        "I was aware of dryness of my mouth",
        "I couldn't seem to experience any positive feeling at all",
        "I experienced breathing difficulty (for example, excessively rapid breathing, or breathlessness without physical exertion)",
        "I found it difficult to work up the initiative to do things",
        "I tended to over-react to situations",
        "I experienced trembling (for example, in the hands)",
        "I felt that I was using a lot of nervous energy",
        "I was worried about situations in which I might panic and make a fool of myself",
        "I felt that I had nothing to look forward to",
        "I found myself getting agitated",
        "I found it difficult to relax",
        "I felt down-hearted and blue",
        "I was intolerant of anything that kept me from getting on with what I was doing",
        "I felt I was close to panic",
        "I was unable to become enthusiastic about anything",
        "I felt I wasn't worth much as a person",
        "I felt that I was rather touchy",
        "I was aware of the action of my heart without physical exertion (for example, a sense of heart rate increase, or of the heart missing a beat)",
        "I felt scared without any good reason",
        "I felt that life was meaningless",
    ],
    choices: DASS_SCALE,
};

/// DASS-21 items (1-based) of each scale.
const DASS_DEPRESSION: [usize; 7] = [3, 5, 10, 13, 16, 17, 21];
const DASS_ANXIETY: [usize; 7] = [2, 4, 7, 9, 15, 19, 20];
const DASS_STRESS: [usize; 7] = [1, 6, 8, 11, 12, 14, 18];

impl Instrument {
    pub const ALL: [Instrument; 4] = [
        Instrument::Phq9,
        Instrument::Gad7,
        Instrument::K10,
        Instrument::Dass21,
    ];

    pub fn definition(self) -> &'static Definition {
        match self {
            Instrument::Phq9 => &PHQ9,
            Instrument::Gad7 => &GAD7,
            Instrument::K10 => &K10,
            Instrument::Dass21 => &DASS21,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Phq9 => "phq9",
            Instrument::Gad7 => "gad7",
            Instrument::K10 => "k10",
            Instrument::Dass21 => "dass21",
        }
    }

    pub fn parse(s: &str) -> Option<Instrument> {
        Instrument::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// The lowest and highest total.
    pub fn range(self) -> (u32, u32) {
        match self {
            Instrument::Phq9 => (0, 27),
            Instrument::Gad7 => (0, 21),
            Instrument::K10 => (10, 50),
            Instrument::Dass21 => (0, 126),
        }
    }
}

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
fn dass_band(score: u32, bounds: [u32; 4]) -> Severity {
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

// ---------------------------------------------------------------------------------------------
// On the wire
// ---------------------------------------------------------------------------------------------

/// One answer choice, as the API describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChoiceInfo {
    pub value: u8,
    pub label: String,
}

/// A questionnaire: what it asks and the answers it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentInfo {
    pub instrument: Instrument,
    pub name: String,
    pub title: String,
    pub prompt: String,
    pub items: Vec<String>,
    pub choices: Vec<ChoiceInfo>,
    pub min_score: u32,
    pub max_score: u32,
}

impl From<&Definition> for InstrumentInfo {
    fn from(d: &Definition) -> Self {
        let (min_score, max_score) = d.instrument.range();
        InstrumentInfo {
            instrument: d.instrument,
            name: d.name.to_owned(),
            title: d.title.to_owned(),
            prompt: d.prompt.to_owned(),
            items: d.items.iter().map(|i| (*i).to_owned()).collect(),
            choices: d
                .choices
                .iter()
                .map(|c| ChoiceInfo {
                    value: c.value,
                    label: c.label.to_owned(),
                })
                .collect(),
            min_score,
            max_score,
        }
    }
}

/// Who completed the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssessmentSource {
    /// The patient, in the portal.
    Patient,
    /// Staff, entering the patient's answers.
    Staff,
}

/// A completed questionnaire to record: one answer per item, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    pub instrument: Instrument,
    pub answers: Vec<u8>,
    /// When the patient answered; now when absent. Not in the future.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// The appointment it was completed for, if any.
    #[serde(default)]
    pub appointment_id: Option<Uuid>,
}

/// A clinician's review of an urgent answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentReview {
    pub reviewed_by: Option<Uuid>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: DateTime<Utc>,
    pub note: String,
}

/// A completed questionnaire with its exact result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// For lists across patients.
    pub patient_name: String,
    pub instrument: Instrument,
    pub answers: Vec<u8>,
    pub score: u32,
    pub min_score: u32,
    pub max_score: u32,
    pub severity: Severity,
    pub subscales: Vec<SubscaleScore>,
    pub flags: Vec<ItemFlag>,
    /// An urgent flag was raised (PHQ-9 item 9 above zero) and the care team alerted.
    pub urgent: bool,
    pub review: Option<AssessmentReview>,
    pub source: AssessmentSource,
    pub entered_by: Option<Uuid>,
    pub entered_by_name: Option<String>,
    pub appointment_id: Option<Uuid>,
    pub completed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// Mark an urgent answer as reviewed, saying what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewAssessment {
    /// 1 to 2,000 characters.
    pub note: String,
}

impl ReviewAssessment {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let n = self.note.trim().chars().count();
        if n == 0 || n > 2000 {
            return Err(vec![FieldError {
                field: "note".into(),
                code: if n == 0 { "required" } else { "too_long" }.into(),
                message: "Say what was done, in up to 2,000 characters.".into(),
            }]);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AssessmentQuery {
    pub instrument: Option<Instrument>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers for `instrument` that total `score` (items filled from the first), with every
    /// other item at the scale's lowest.
    fn answers_totalling(instrument: Instrument, score: u32) -> Vec<u8> {
        let d = instrument.definition();
        let lo = d.choices[0].value;
        let hi = d.choices[d.choices.len() - 1].value;
        let mut left = score - u32::from(lo) * d.items.len() as u32;
        (0..d.items.len())
            .map(|_| {
                let extra = left.min(u32::from(hi - lo));
                left -= extra;
                lo + extra as u8
            })
            .collect()
    }

    fn code(instrument: Instrument, total: u32) -> String {
        score(instrument, &answers_totalling(instrument, total))
            .unwrap()
            .severity
            .code
    }

    #[test]
    fn phq9_bands_at_every_boundary() {
        for (total, band) in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ] {
            assert_eq!(code(Instrument::Phq9, total), band, "PHQ-9 {total}");
        }
    }

    #[test]
    fn gad7_bands_at_every_boundary() {
        for (total, band) in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ] {
            assert_eq!(code(Instrument::Gad7, total), band, "GAD-7 {total}");
        }
    }

    #[test]
    fn k10_bands_at_every_boundary() {
        for (total, band) in [
            (10, "likely_well"),
            (19, "likely_well"),
            (20, "mild"),
            (24, "mild"),
            (25, "moderate"),
            (29, "moderate"),
            (30, "severe"),
            (50, "severe"),
        ] {
            assert_eq!(code(Instrument::K10, total), band, "K10 {total}");
        }
    }

    /// DASS-21 answers with the given raw sums on the depression, anxiety and stress items.
    fn dass(depression: u32, anxiety: u32, stress: u32) -> Scored {
        let mut answers = [0u8; 21];
        for (items, mut left) in [
            (DASS_DEPRESSION, depression),
            (DASS_ANXIETY, anxiety),
            (DASS_STRESS, stress),
        ] {
            for i in items {
                let a = left.min(3);
                left -= a;
                answers[i - 1] = a as u8;
            }
        }
        score(Instrument::Dass21, &answers).unwrap()
    }

    #[test]
    fn dass21_scales_are_doubled_and_banded_at_every_boundary() {
        // (doubled score, band) per scale: each boundary and the ends.
        let depression = [
            (0, "normal"),
            (8, "normal"),
            (10, "mild"),
            (12, "mild"),
            (14, "moderate"),
            (20, "moderate"),
            (22, "severe"),
            (26, "severe"),
            (28, "extremely_severe"),
            (42, "extremely_severe"),
        ];
        for (s, band) in depression {
            let r = dass(s / 2, 0, 0);
            assert_eq!(r.subscales[0].score, s);
            assert_eq!(r.subscales[0].severity.code, band, "depression {s}");
        }
        let anxiety = [
            (0, "normal"),
            (6, "normal"),
            (8, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (16, "severe"),
            (18, "severe"),
            (20, "extremely_severe"),
            (42, "extremely_severe"),
        ];
        for (s, band) in anxiety {
            let r = dass(0, s / 2, 0);
            assert_eq!(r.subscales[1].severity.code, band, "anxiety {s}");
        }
        let stress = [
            (0, "normal"),
            (14, "normal"),
            (16, "mild"),
            (18, "mild"),
            (20, "moderate"),
            (24, "moderate"),
            (26, "severe"),
            (32, "severe"),
            (34, "extremely_severe"),
            (42, "extremely_severe"),
        ];
        for (s, band) in stress {
            let r = dass(0, 0, s / 2);
            assert_eq!(r.subscales[2].severity.code, band, "stress {s}");
        }
        // Odd cut-offs are unreachable with doubled scores; the bands still cover them.
        assert_eq!(dass_band(9, [9, 13, 20, 27]).code, "normal");
        assert_eq!(dass_band(13, [9, 13, 20, 27]).code, "mild");
        assert_eq!(dass_band(21, [9, 13, 20, 27]).code, "severe");
        assert_eq!(dass_band(27, [9, 13, 20, 27]).code, "severe");
        assert_eq!(dass_band(7, [7, 9, 14, 19]).code, "normal");
        assert_eq!(dass_band(9, [7, 9, 14, 19]).code, "mild");
        assert_eq!(dass_band(15, [7, 9, 14, 19]).code, "severe");
        assert_eq!(dass_band(19, [7, 9, 14, 19]).code, "severe");
        assert_eq!(dass_band(15, [14, 18, 25, 33]).code, "mild");
        assert_eq!(dass_band(19, [14, 18, 25, 33]).code, "moderate");
        assert_eq!(dass_band(25, [14, 18, 25, 33]).code, "moderate");
        assert_eq!(dass_band(33, [14, 18, 25, 33]).code, "severe");
        // The overall severity is the worst scale's; the total is every item doubled.
        let r = dass(2, 8, 1);
        assert_eq!(r.score, 22);
        assert_eq!(r.severity.code, "severe");
        assert_eq!(r.severity.level, 3);
    }

    #[test]
    fn dass21_items_belong_to_one_scale_each() {
        let mut all: Vec<usize> = DASS_DEPRESSION
            .iter()
            .chain(&DASS_ANXIETY)
            .chain(&DASS_STRESS)
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (1..=21).collect::<Vec<_>>());
    }

    #[test]
    fn phq9_item_9_above_zero_is_an_urgent_flag_whatever_the_total() {
        let mut answers = [0u8; 9];
        assert!(score(Instrument::Phq9, &answers).unwrap().flags.is_empty());
        answers[8] = 1;
        let r = score(Instrument::Phq9, &answers).unwrap();
        assert_eq!(r.score, 1);
        assert_eq!(r.severity.code, "minimal");
        assert_eq!(r.flags.len(), 1);
        assert_eq!(r.flags[0].item, 9);
        assert_eq!(r.flags[0].code, "self_harm_thoughts");
        assert!(r.flags[0].urgent);
    }

    #[test]
    fn k10_and_dass21_flag_their_items() {
        let mut k = [1u8; 10];
        k[3] = 4;
        k[9] = 5;
        let r = score(Instrument::K10, &k).unwrap();
        let codes: Vec<&str> = r.flags.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["hopelessness", "worthlessness"]);
        assert!(r.flags.iter().all(|f| !f.urgent));
        let mut d = [0u8; 21];
        d[20] = 2;
        assert_eq!(score(Instrument::Dass21, &d).unwrap().flags[0].item, 21);
        d[20] = 1;
        assert!(score(Instrument::Dass21, &d).unwrap().flags.is_empty());
    }

    #[test]
    fn wrong_answers_are_refused_with_the_item() {
        let e = score(Instrument::Phq9, &[0; 8]).unwrap_err();
        assert_eq!(e[0].code, "wrong_count");
        let mut a = [0u8; 9];
        a[2] = 4;
        let e = score(Instrument::Phq9, &a).unwrap_err();
        assert_eq!(e[0].field, "answers[2]");
        // K10 starts at 1.
        let e = score(Instrument::K10, &[0; 10]).unwrap_err();
        assert_eq!(e.len(), 10);
    }

    #[test]
    fn every_total_in_range_scores_within_range() {
        for instrument in [Instrument::Phq9, Instrument::Gad7, Instrument::K10] {
            let (lo, hi) = instrument.range();
            for total in lo..=hi {
                let r = score(instrument, &answers_totalling(instrument, total)).unwrap();
                assert_eq!(r.score, total);
                assert!(r.severity.level <= 4);
            }
        }
        let all_high = [3u8; 21];
        assert_eq!(score(Instrument::Dass21, &all_high).unwrap().score, 126);
    }

    #[test]
    fn bands_cover_the_range_without_gaps() {
        let phq: Vec<(u32, u32)> = bands(Instrument::Phq9).iter().map(|b| (b.0, b.1)).collect();
        assert_eq!(phq, [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]);
        let k10: Vec<(u32, u32)> = bands(Instrument::K10).iter().map(|b| (b.0, b.1)).collect();
        assert_eq!(k10, [(10, 19), (20, 24), (25, 29), (30, 50)]);
        assert_eq!(bands(Instrument::Gad7).len(), 4);
        assert!(bands(Instrument::Dass21).is_empty());
    }

    #[test]
    fn definitions_match_their_instruments() {
        for i in Instrument::ALL {
            let d = i.definition();
            assert_eq!(d.instrument, i);
            assert_eq!(Instrument::parse(i.as_str()), Some(i));
            let expected = match i {
                Instrument::Phq9 => 9,
                Instrument::Gad7 => 7,
                Instrument::K10 => 10,
                Instrument::Dass21 => 21,
            };
            assert_eq!(d.items.len(), expected);
        }
    }
}
