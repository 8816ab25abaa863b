//! The clinical record in the app: questionnaires on the patient's Questionnaires tab, in the
//! portal, and urgent answers on the clinician's dashboard.

mod assessments;

pub use assessments::{AssessmentsPanel, DashboardUrgentAnswers};
