//! The patient portal: a patient's own home, appointments, health, records, questionnaires,
//! details and privacy.

mod appointments;
mod details;
mod health;
mod home;
mod homework;
mod medications;
mod questionnaires;
mod records;

pub use appointments::MyAppointmentsPage;
pub use details::MyDetailsPage;
pub use health::MyHealthPage;
pub use home::PortalHome;
pub use homework::MyHomeworkPage;
pub use medications::MyMedicationsPage;
pub use questionnaires::MyQuestionnairesPage;
pub use records::MyRecordsPage;
