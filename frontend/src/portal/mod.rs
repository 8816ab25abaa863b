//! The patient portal: a patient's own home, details, health and appointments. Later
//! capabilities add records, messages and sharing here.

mod appointments;
mod details;
mod health;
mod home;
mod questionnaires;

pub use appointments::MyAppointmentsPage;
pub use details::MyDetailsPage;
pub use health::MyHealthPage;
pub use home::PortalHome;
pub use questionnaires::MyQuestionnairesPage;
