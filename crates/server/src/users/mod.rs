//! Accounts: staff and patients. Emails and names are encrypted; the email's blind index finds
//! an account at sign-in.

mod deactivate;
pub mod queries;
pub mod routes;

pub use deactivate::{deactivate, end_credentials, forget_credentials};
pub use queries::{NewUser, UserRecord};
pub use routes::configure;
