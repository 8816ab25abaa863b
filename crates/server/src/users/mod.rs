//! Accounts: staff and patients. Emails and names are encrypted; the email's blind index finds
//! an account at sign-in.

pub mod queries;
pub mod routes;

pub use queries::{NewUser, UserRecord};
pub use routes::configure;
