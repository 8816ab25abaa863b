//! Accounts: staff and patients. Emails and names are encrypted; the email's blind index finds
//! an account at sign-in.

mod deactivate;
mod export;
pub mod queries;
pub mod routes;

pub use deactivate::{deactivate, end_credentials, erase_patient, forget_credentials};
pub use export::export_patient;
pub use queries::{NewUser, UserRecord};
pub use routes::configure;
