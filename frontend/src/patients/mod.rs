//! Patients: the searchable list, creating and editing demographics, and the patient page with
//! its tabs, care team, archive and break-the-glass access.

mod break_glass;
mod care_team;
mod details;
mod form;
mod list;
mod new;
mod page;

use leptos::prelude::*;
use list::PatientListPage;
use new::NewPatientPage;
use page::PatientPage;

/// A screen of the patients area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatientsPage {
    List,
    New,
    Record,
}

/// A patients screen; the area's code arrives the first time one is opened.
#[cfg_attr(feature = "split", leptos::lazy(patients))]
pub async fn page(page: PatientsPage) -> AnyView {
    match page {
        PatientsPage::List => view! { <PatientListPage /> }.into_any(),
        PatientsPage::New => view! { <NewPatientPage /> }.into_any(),
        PatientsPage::Record => view! { <PatientPage /> }.into_any(),
    }
}

pub use details::PatientDetails;
pub use form::{contact_patch, PatientForm, PatientFormFields, Section};
