//! The questionnaires: what each asks, the answers each item takes, and the range of its total.

use serde::{Deserialize, Serialize};

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
pub(super) const DASS_DEPRESSION: [usize; 7] = [3, 5, 10, 13, 16, 17, 21];
pub(super) const DASS_ANXIETY: [usize; 7] = [2, 4, 7, 9, 15, 19, 20];
pub(super) const DASS_STRESS: [usize; 7] = [1, 6, 8, 11, 12, 14, 18];

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
