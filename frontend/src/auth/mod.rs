//! Signing in and out, the session the rest of the app reads, route guards, and the pages of
//! the sign-in journey (invitations, forgotten passwords).

mod forgot_password;
mod guards;
mod idle;
mod invitation;
mod login_form;
mod login_page;
mod mfa_step;
mod new_password;
mod reset_password;
mod session;

use api_types::Role;

pub use forgot_password::ForgotPasswordPage;
pub use guards::{RequirePermission, RequireRole, SignedInGate, SignedOutGate, STAFF};
pub use idle::IdleWatch;
pub use invitation::InvitationPage;
pub use login_page::LoginPage;
pub use new_password::{check_new_password, NewPasswordFields};
pub use reset_password::ResetPasswordPage;
pub use session::{provide_auth, use_auth};

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
