//! Signing out after a time without activity.
//!
//! The server ends a session when nobody has used it for the practice's idle time, and only the
//! person's own activity extends it: this module reports their input (a key, a click or tap, the
//! wheel) with `POST /auth/activity`, at most once a minute, and never the app's own work
//! (refreshing lists, renewing tokens, the live connection). Scrolling is not counted as such,
//! because the app scrolls by itself (a conversation to its newest message); the wheel, touch
//! and keys that scroll are.
//!
//! A minute before the session would end, the app first asks whether another tab of the same
//! session was used meanwhile (`GET /auth/activity`); if not, a dialog counts down the seconds,
//! offering to stay signed in. When the time is up, by the browser's clock or because the server
//! said `session_idle`, the app signs out and the sign-in page says why.
//!
//! Times from the server are read against the browser's clock through the difference measured
//! on each report (the server sets `idle_until` to its now plus the idle time), so a browser
//! clock that is a little off changes nothing.

use std::time::Duration;

use api_types::auth::IdleStatus;
use api_types::{ErrorCode, Problem, Role};
use leptos::html::{Button, Dialog};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::session::Auth;
use super::use_auth;
use crate::api;

/// Activity is reported at most this often, in milliseconds.
const REPORT_EVERY_MS: f64 = 60_000.0;
/// The warning shows this long before the session ends, in milliseconds.
const WARN_MS: f64 = 60_000.0;
/// How often the time left is looked at.
const TICK: Duration = Duration::from_secs(1);
/// The person's own input.
const INPUTS: [&str; 4] = ["keydown", "pointerdown", "wheel", "touchstart"];
/// The warning's id, for its heading and text, and to tell its buttons apart.
const DIALOG_ID: &str = "idle-warning";

fn now() -> f64 {
    js_sys::Date::now()
}

/// Whole seconds left, rounded up, so that the count never shows 0 before the end.
fn seconds(ms: f64) -> i64 {
    (ms / 1000.0).ceil().max(1.0) as i64
}

/// Where the session stands here. Cheap to copy; everything in it goes with the shell.
#[derive(Clone, Copy)]
struct Tracker {
    auth: Auth,
    /// When the session ends, by the browser's clock (ms since the epoch); `None` when it does
    /// not end for idleness (or the server has not said yet).
    deadline: StoredValue<Option<f64>>,
    /// The server's clock less the browser's, in ms, as measured on the last report.
    skew: StoredValue<f64>,
    /// When activity was last reported, by the browser's clock.
    last_report: StoredValue<Option<f64>>,
    /// A report owed for input within the minute after the last one, sent when the minute ends.
    owed: StoredValue<Option<TimeoutHandle>>,
    /// A question to the server is under way (before warning, or at the end).
    checking: StoredValue<bool>,
    /// The app has signed out, or is signing out.
    ended: StoredValue<bool>,
    warning: RwSignal<bool>,
    seconds_left: RwSignal<i64>,
}

impl Tracker {
    fn new(auth: Auth) -> Self {
        Tracker {
            auth,
            deadline: StoredValue::new(None),
            skew: StoredValue::new(0.0),
            last_report: StoredValue::new(None),
            owed: StoredValue::new(None),
            checking: StoredValue::new(false),
            ended: StoredValue::new(false),
            warning: RwSignal::new(false),
            seconds_left: RwSignal::new(60),
        }
    }

    /// Still watching: not signed out, and the shell is still there.
    fn watching(self) -> bool {
        self.ended.try_get_value() == Some(false)
    }

    /// The person did something.
    fn input(self) {
        if !self.watching() {
            return;
        }
        if self.warning.get_untracked() {
            self.warning.set(false);
            self.report();
            return;
        }
        let now = now();
        match self.last_report.get_value() {
            Some(last) if now - last < REPORT_EVERY_MS => {
                if self.owed.get_value().is_none() {
                    let wait = (last + REPORT_EVERY_MS - now).max(0.0) as u64;
                    let timer = set_timeout_with_handle(
                        move || {
                            if self.watching() {
                                self.owed.set_value(None);
                                self.report();
                            }
                        },
                        Duration::from_millis(wait),
                    )
                    .ok();
                    self.owed.set_value(timer);
                }
            }
            _ => self.report(),
        }
    }

    /// Tells the server the person is using the app, and learns until when the session lasts.
    fn report(self) {
        self.last_report.set_value(Some(now()));
        self.cancel_owed();
        let client = self.auth.client();
        spawn_local(async move {
            let result = api::auth::activity(&client).await;
            if !self.watching() {
                return;
            }
            match result {
                Ok(status) => self.learn(&status, Some(now())),
                Err(problem) => self.refused(&problem),
            }
        });
    }

    fn cancel_owed(self) {
        if let Some(timer) = self.owed.try_update_value(Option::take).flatten() {
            timer.clear();
        }
    }

    /// Keeps what the server said. A reply to a report (`reported_at`, when it arrived) sets the
    /// deadline and measures the clocks' difference; a reply to a question only ever moves it
    /// later, so that an answer overtaken by a report does not bring it back.
    fn learn(self, status: &IdleStatus, reported_at: Option<f64>) {
        self.auth.set_idle_minutes(status.idle_minutes);
        let Some(until) = status.idle_until else {
            self.deadline.set_value(None);
            return;
        };
        let until = until.timestamp_millis() as f64;
        match reported_at {
            Some(at) => {
                let idle_ms = status.idle_minutes as f64 * 60_000.0;
                self.skew.set_value(until - idle_ms - at);
                self.deadline.set_value(Some(at + idle_ms));
            }
            None => {
                let local = until - self.skew.get_value();
                self.deadline
                    .update_value(|d| *d = Some(d.map_or(local, |d| d.max(local))));
            }
        }
        // A report that crossed a question: the warning it raised no longer holds.
        let later = self
            .deadline
            .get_value()
            .is_some_and(|d| d - now() > WARN_MS);
        if later && self.warning.get_untracked() {
            self.warning.set(false);
        }
    }

    /// The server refused a report or a question.
    fn refused(self, problem: &Problem) {
        // Another refusal (the network, the server busy) changes nothing: the deadline stands.
        // A session ended otherwise is seen to by the client's refresh, which clears the token.
        if problem.code == ErrorCode::SessionIdle {
            self.end();
        }
    }

    /// Once a second: is the end near?
    fn tick(self) {
        if !self.watching() || self.checking.get_value() {
            return;
        }
        let Some(deadline) = self.deadline.get_value() else {
            return;
        };
        let left = deadline - now();
        if self.warning.get_untracked() && left > 0.0 {
            self.seconds_left.set(seconds(left));
        } else if left <= WARN_MS {
            // About to warn, or the time is up: another tab may have kept the session going.
            self.check();
        }
    }

    /// Asks the server until when the session lasts, then warns, signs out, or carries on.
    fn check(self) {
        self.checking.set_value(true);
        let client = self.auth.client();
        spawn_local(async move {
            let result = api::auth::idle_status(&client).await;
            if !self.watching() {
                return;
            }
            self.checking.set_value(false);
            match result {
                Ok(status) => self.learn(&status, None),
                Err(problem) if problem.code == ErrorCode::SessionIdle => {
                    self.end();
                    return;
                }
                // Could not ask: go by what is known here.
                Err(_) => {}
            }
            let Some(deadline) = self.deadline.get_value() else {
                self.warning.set(false);
                return;
            };
            let left = deadline - now();
            if left <= 0.0 {
                self.end();
            } else if left <= WARN_MS {
                self.seconds_left.set(seconds(left));
                self.warning.set(true);
            } else {
                // Used in another tab meanwhile.
                self.warning.set(false);
            }
        });
    }

    /// The time is up: sign out, saying why.
    fn end(self) {
        if !self.watching() {
            return;
        }
        self.ended.set_value(true);
        self.cancel_owed();
        self.warning.set(false);
        let auth = self.auth;
        spawn_local(async move { auth.sign_out_idle().await });
    }

    /// "Sign out" in the warning: an ordinary sign-out.
    fn sign_out(self) {
        if !self.watching() {
            return;
        }
        self.ended.set_value(true);
        self.cancel_owed();
        self.warning.set(false);
        let auth = self.auth;
        spawn_local(async move { auth.sign_out().await });
    }
}

/// Whether an event is the person's own input that keeps them signed in. The warning's buttons
/// answer for themselves: a click on "Sign out" must not first count as staying.
fn counts(event: &web_sys::Event) -> bool {
    if !event.is_trusted() {
        return false;
    }
    let on_warning_button = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest(&format!("#{DIALOG_ID} button")).ok().flatten())
        .is_some();
    if !on_warning_button {
        return true;
    }
    event
        .dyn_ref::<web_sys::KeyboardEvent>()
        .is_some_and(|k| !matches!(k.key().as_str(), "Tab" | "Shift" | "Enter" | " "))
}

/// Watches the signed-in person's activity, warns before signing out for idleness, and signs
/// out when the time is up. Part of the shell, so it goes with it when the session ends.
#[component]
pub fn IdleWatch() -> impl IntoView {
    let auth = use_auth();
    let tracker = Tracker::new(auth);

    for name in INPUTS {
        let handle = window_event_listener_untyped(name, move |event| {
            if counts(&event) {
                tracker.input();
            }
        });
        on_cleanup(move || handle.remove());
    }
    if let Ok(timer) = set_interval_with_handle(move || tracker.tick(), TICK) {
        on_cleanup(move || timer.clear());
    }
    on_cleanup(move || tracker.cancel_owed());
    // Signing in (or opening the app) is activity, and says what the practice's idle time is.
    tracker.report();

    let warning = tracker.warning;
    let node = NodeRef::<Dialog>::new();
    let stay = NodeRef::<Button>::new();
    Effect::new(move |_| {
        let Some(dialog) = node.get() else { return };
        if warning.get() {
            if !dialog.open() {
                // Fails only when the element is not in the document.
                let _ = dialog.show_modal();
            }
            if let Some(button) = stay.get_untracked() {
                let _ = button.focus();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });
    let title = move || match tracker.seconds_left.get() {
        1 => "You'll be signed out in 1 second".to_owned(),
        n => format!("You'll be signed out in {n} seconds"),
    };
    let explanation = move || {
        let whose = if auth.me().is_some_and(|me| me.role == Role::Patient) {
            "your health information"
        } else {
            "patients' information"
        };
        let after = match auth.idle_minutes() {
            Some(1) => "1 minute".to_owned(),
            Some(n) => format!("{n} minutes"),
            None => "a while".to_owned(),
        };
        format!(
            "Carebase signs you out after {after} without activity, to protect {whose} on a \
             screen left open. Stay signed in if you are still here."
        )
    };
    view! {
        <dialog
            class="dialog"
            id=DIALOG_ID
            role="alertdialog"
            aria-modal="true"
            aria-labelledby=format!("{DIALOG_ID}-title")
            aria-describedby=format!("{DIALOG_ID}-text")
            node_ref=node
            on:close=move |_| warning.set(false)
        >
            <div class="dialog-header">
                <h2 class="dialog-title" id=format!("{DIALOG_ID}-title")>
                    {title}
                </h2>
            </div>
            <div class="dialog-body stack">
                <p id=format!("{DIALOG_ID}-text")>{explanation}</p>
                <div class="form-actions">
                    <button
                        type="button"
                        class="button button-secondary"
                        on:click=move |_| tracker.sign_out()
                    >
                        "Sign out"
                    </button>
                    <button
                        type="button"
                        class="button button-primary"
                        node_ref=stay
                        autofocus=true
                        on:click=move |_| {
                            if tracker.watching() {
                                tracker.warning.set(false);
                                tracker.report();
                            }
                        }
                    >
                        "Stay signed in"
                    </button>
                </div>
            </div>
        </dialog>
    }
}
