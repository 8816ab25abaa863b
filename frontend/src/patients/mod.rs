//! Patients: the searchable list, creating and editing demographics, and the patient page with
//! its tabs, care team, archive and break-the-glass access.

mod break_glass;
mod care_team;
mod details;
mod form;
mod list;
mod new;
mod page;

pub use list::PatientListPage;
pub use new::NewPatientPage;
pub use page::PatientPage;

pub use details::PatientDetails;
pub use form::{contact_patch, PatientForm, PatientFormFields, Section};
