//! `/login`: the password step, then the MFA step when the account has MFA on.

use leptos::prelude::*;

use super::login_form::LoginForm;
use super::mfa_step::MfaStep;
use super::use_auth;
use crate::components::common::{Notice, PageTitle};
use crate::layouts::CenteredLayout;

/// Which step of signing in is showing.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Password,
    /// The password was right; a code is needed to finish.
    Mfa {
        mfa_token: String,
    },
}

/// The sign-in page. Once the session is signed in, the route guard takes the person home.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let step = RwSignal::new(Step::Password);
    let on_mfa_required = Callback::new(move |mfa_token: String| {
        step.set(Step::Mfa { mfa_token });
    });
    let on_restart = Callback::new(move |()| step.set(Step::Password));

    view! {
        <PageTitle text="Sign in" />
        <CenteredLayout>
            {move || {
                auth.idle_notice()
                    .map(|text| view! { <Notice title="Signed out">{text}</Notice> })
            }}
            {move || match step.get() {
                Step::Password => view! { <LoginForm on_mfa_required /> }.into_any(),
                Step::Mfa { mfa_token } => view! { <MfaStep mfa_token on_restart /> }.into_any(),
            }}
        </CenteredLayout>
    }
}
