//! The patient portal: a patient's own home and details. Later capabilities add appointments,
//! records, messages and sharing here.

mod details;
mod health;
mod home;

pub use details::MyDetailsPage;
pub use health::MyHealthPage;
pub use home::PortalHome;
