//! Signing in and out, and the session the rest of the app reads.

mod login_form;
mod login_page;
mod mfa_step;
mod session;
mod sign_out_button;

use api_types::Role;

pub use login_page::LoginPage;
pub use session::{provide_auth, use_auth};
pub use sign_out_button::SignOutButton;

/// A role as people read it.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Administrator",
        Role::Practitioner => "Practitioner",
        Role::Nurse => "Nurse",
        Role::Receptionist => "Receptionist",
        Role::Patient => "Patient",
    }
}
