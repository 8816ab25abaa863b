pub mod api_key;
pub mod invitation;
pub mod login_attempt;
pub mod mfa_attempt;
pub mod password_reset;
pub mod recovery_code;
pub mod refresh_token;
pub mod session;
