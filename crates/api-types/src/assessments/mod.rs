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

mod instruments;
mod scoring;
#[cfg(test)]
mod tests;
mod wire;

pub use instruments::{Choice, Definition, Instrument, DASS21, GAD7, K10, PHQ9};
pub use scoring::{bands, score, validate, ItemFlag, Scored, Severity, SubscaleScore};
pub use wire::{
    Assessment, AssessmentQuery, AssessmentReview, AssessmentSource, ChoiceInfo, InstrumentInfo,
    NewAssessment, ReviewAssessment,
};
