//! Page frames: the signed-in app shell, and a centred frame for sign-in and errors.

mod app_shell;
mod centered_layout;
pub mod nav;
mod user_menu;

pub use app_shell::{AlertsChanged, AppShell, MessagesChanged};
pub use centered_layout::CenteredLayout;
