//! The clinical record in the app: notes and the timeline on the patient's Notes tab,
//! questionnaires, documents and imaging, each also in the portal; urgent answers on the
//! clinician's dashboard.

mod assessments;
mod documents;
mod notes;

pub use assessments::{AssessmentsPanel, DashboardUrgentAnswers};
pub use documents::DocumentsPanel;
pub use notes::{MyNotes, NotesPanel, RichTextEditor};
