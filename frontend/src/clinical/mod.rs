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
