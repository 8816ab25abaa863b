//! The signed-in person's own account: profile and password, and security (two-step
//! verification, recovery codes, where they are signed in).

mod profile;
mod security;

pub use profile::ProfilePage;
pub use security::SecurityPage;
