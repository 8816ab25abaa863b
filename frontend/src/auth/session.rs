//! The session: the access token (held by the API client) and the signed-in account, shared
//! through context.

use api_types::auth::{Me, TokenResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiResult, Client};

/// Where the session stands.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthState {
    /// Just started: trying to restore a session from the refresh cookie.
    Restoring,
    SignedOut,
    SignedIn(Me),
}

/// The session context. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    client: Client,
    me: RwSignal<Option<Me>>,
    restoring: RwSignal<bool>,
    state: Memo<AuthState>,
    /// `None` while restoring, else whether someone is signed in. Kept apart from `state` so
    /// that route guards re-render only when this answer changes, not on every token refresh.
    signed_in: Memo<Option<bool>>,
    /// Set when the person signed out themselves, so that the sign-in page does not offer to
    /// take them back where they were.
    deliberate_sign_out: StoredValue<bool>,
    /// The practice's idle time for this account, in minutes, once the server has said.
    idle_minutes: RwSignal<Option<i64>>,
}

/// Creates the session context and starts restoring a session from the refresh cookie, so that
/// reloading the page keeps people signed in.
pub fn provide_auth() -> Auth {
    let client = Client::new();
    let me = RwSignal::new(None::<Me>);
    let restoring = RwSignal::new(true);
    let state = Memo::new(move |_| {
        if restoring.get() {
            return AuthState::Restoring;
        }
        match me.get() {
            Some(me) if client.has_token() => AuthState::SignedIn(me),
            _ => AuthState::SignedOut,
        }
    });
    let signed_in = Memo::new(move |_| match state.get() {
        AuthState::Restoring => None,
        AuthState::SignedOut => Some(false),
        AuthState::SignedIn(_) => Some(true),
    });
    let auth = Auth {
        client,
        me,
        restoring,
        state,
        signed_in,
        deliberate_sign_out: StoredValue::new(false),
        idle_minutes: RwSignal::new(None),
    };
    provide_context(auth);
    spawn_local(async move {
        auth.restore().await;
    });
    auth
}

/// The session context provided by the app.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

impl Auth {
    pub fn client(&self) -> Client {
        self.client
    }

    /// The signed-in account, if any (tracked).
    pub fn me(&self) -> Option<Me> {
        match self.state.get() {
            AuthState::SignedIn(me) => Some(me),
            _ => None,
        }
    }

    /// For route guards: `None` while restoring, else whether someone is signed in (tracked).
    pub fn is_signed_in(&self) -> Option<bool> {
        self.signed_in.get()
    }

    /// Keeps the tokens from a sign-in and loads the account. If the account cannot be loaded,
    /// nobody is signed in.
    pub async fn finish_sign_in(&self, tokens: TokenResponse) -> ApiResult<()> {
        self.client.set_access_token(Some(tokens.access_token));
        self.client.set_ended_idle(false);
        match api::auth::me(&self.client).await {
            Ok(me) => {
                self.learn_zone(&me).await;
                remember_session(true);
                self.me.set(Some(me));
                Ok(())
            }
            Err(problem) => {
                self.clear();
                Err(problem)
            }
        }
    }

    /// Ends the session on the server, then here. The session ends here even when the server
    /// cannot be reached: the access token is short-lived, and the server clears the cookie.
    pub async fn sign_out(&self) {
        self.deliberate_sign_out.set_value(true);
        // Nothing useful to show if this fails: the person asked to leave either way.
        let _ = api::auth::logout(&self.client).await;
        self.clear();
    }

    /// Signs out because the session went without activity for the practice's idle time: the
    /// app leaves at once (the route guard takes the person to sign in, to come back here), and
    /// the server is told, which also clears the refresh cookie. Not deliberate: the sign-in page
    /// says why, and offers to return.
    pub async fn sign_out_idle(&self) {
        self.client.set_ended_idle(true);
        self.me.set(None);
        if self.client.access_token_untracked().is_some() {
            // The session may have ended on the server already; either way it is over here.
            let _ = api::auth::logout(&self.client).await;
        }
        self.clear();
    }

    /// The practice's idle time for this account in minutes, once known (tracked).
    pub fn idle_minutes(&self) -> Option<i64> {
        self.idle_minutes.get()
    }

    pub fn set_idle_minutes(&self, minutes: i64) {
        if minutes > 0 && self.idle_minutes.get_untracked() != Some(minutes) {
            self.idle_minutes.set(Some(minutes));
        }
    }

    /// For the sign-in page: why the last session ended, when it was for a time without
    /// activity (tracked).
    pub fn idle_notice(&self) -> Option<String> {
        if !self.client.ended_idle() {
            return None;
        }
        let after = match self.idle_minutes() {
            Some(1) => "1 minute".to_owned(),
            Some(n) => format!("{n} minutes"),
            None => "a time".to_owned(),
        };
        Some(format!(
            "You were signed out after {after} without activity. Sign in again to carry on."
        ))
    }

    /// Whether the session just ended because the person signed out; asking clears the answer.
    pub fn take_deliberate_sign_out(&self) -> bool {
        let deliberate = self.deliberate_sign_out.get_value();
        self.deliberate_sign_out.set_value(false);
        deliberate
    }

    /// Reloads the signed-in account, after a change to it (a name, MFA turned on).
    pub async fn reload_me(&self) {
        if let Ok(me) = api::auth::me(&self.client).await {
            self.learn_zone(&me).await;
            self.me.set(Some(me));
        }
    }

    /// Tries the refresh cookie; on success loads the account. A server that is busy or
    /// restarting (5xx, or no answer) gets two more tries before the app gives up and asks the
    /// person to sign in.
    async fn restore(&self) {
        if !may_hold_session() {
            self.restoring.set(false);
            return;
        }
        let mut refreshed = self.client.refresh().await;
        for delay_ms in [500, 1500] {
            match &refreshed {
                Err(p) if p.status >= 500 => {
                    sleep(delay_ms).await;
                    refreshed = self.client.refresh().await;
                }
                _ => break,
            }
        }
        if refreshed.is_ok() {
            match api::auth::me(&self.client).await {
                Ok(me) => {
                    self.learn_zone(&me).await;
                    self.me.set(Some(me));
                }
                Err(_) => self.clear(),
            }
        } else if refreshed.as_ref().is_err_and(|p| p.status == 401) {
            remember_session(false);
        }
        self.restoring.set(false);
    }

    /// Reads the practice's time zone before the first signed-in screen shows, so that every
    /// date and time is the practice's from the start. An account that must set up two-step
    /// verification first reaches nothing else yet, and keeps the browser's zone meanwhile.
    async fn learn_zone(&self, me: &Me) {
        if me.mfa_enrollment_required || crate::format::zone().is_some() {
            return;
        }
        if let Ok(zone) = api::auth::practice_zone(&self.client).await {
            crate::format::set_zone(&zone);
        }
    }

    fn clear(&self) {
        self.client.set_access_token(None);
        self.me.set(None);
        remember_session(false);
    }
}

/// Where the browser remembers that it holds a session (the refresh cookie itself is out of the
/// page's reach), so that a fresh load by someone signed out does not try a refresh the server
/// can only refuse.
const SESSION_KEY: &str = "carebase.session";

fn remember_session(on: bool) {
    if let Some(s) = window().local_storage().ok().flatten() {
        // Private browsing may refuse; then every load tries the refresh, as before.
        let _ = if on {
            s.set_item(SESSION_KEY, "1")
        } else {
            s.remove_item(SESSION_KEY)
        };
    }
}

/// Whether a session may be there to restore: no when this browser signed out (or never signed
/// in) and storage says so.
fn may_hold_session() -> bool {
    match window().local_storage().ok().flatten() {
        Some(s) => s.get_item(SESSION_KEY).ok().flatten().is_some(),
        None => true,
    }
}

/// Waits `ms` milliseconds without blocking the page.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        // Fails only without a window, where there is nothing to wait for.
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
