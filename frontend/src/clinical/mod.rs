//! The clinical record in the app: notes and the timeline on the patient's Notes tab,
//! questionnaires, medications, therapy and homework, documents and imaging, each also in the
//! portal; urgent answers and overdue homework on the clinician's dashboard.

mod assessments;
mod documents;
mod medications;
mod notes;
mod therapy;

pub use assessments::{AssessmentsPanel, DashboardUrgentAnswers};
pub use documents::DocumentsPanel;
pub use medications::MedicationsPanel;
pub use notes::{MyNotes, NotesPanel, RichTextEditor};
pub use therapy::{DashboardOverdueHomework, HomeworkCard, TherapyPanel};

use leptos::prelude::*;
use uuid::Uuid;

/// A clinical tab of a patient's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClinicalTab {
    Assessments,
    Notes,
    Medications,
    Therapy,
    Documents,
}

/// A clinical tab of a patient's page, for staff; the clinical area's code arrives the first
/// time one is shown.
#[cfg_attr(feature = "split", leptos::lazy(clinical))]
pub async fn tab(tab: ClinicalTab, patient_id: Uuid) -> AnyView {
    match tab {
        ClinicalTab::Assessments => view! { <AssessmentsPanel patient_id staff=true /> }.into_any(),
        ClinicalTab::Notes => view! { <NotesPanel patient_id /> }.into_any(),
        ClinicalTab::Medications => view! { <MedicationsPanel patient_id staff=true /> }.into_any(),
        ClinicalTab::Therapy => view! { <TherapyPanel patient_id /> }.into_any(),
        ClinicalTab::Documents => view! { <DocumentsPanel patient_id staff=true /> }.into_any(),
    }
}
