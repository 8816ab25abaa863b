//! The live connection: one WebSocket per signed-in app, on which the server says at once that
//! something changed (a conversation, a patient's correspondence, the log of providers' calls),
//! so that open screens fetch it again instead of asking every few seconds.
//!
//! Frames carry ids only; what changed is fetched through the API, where access is checked. The
//! first frame the app sends is its access token, and again after every refresh. The connection
//! comes back by itself: after 1 s, then doubling to 30 s, each with jitter so that a restarted
//! server is not met by every browser at once. A reconnect may have missed events, so screens
//! are told to fetch again (`LiveEvent::Resync`), as when the server says so itself.
//!
//! The shell starts it when someone signs in (`start`) and stops it when the shell goes away,
//! which is when they sign out. Screens listen with `on_change`, which stops listening when
//! the screen goes away.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use api_types::messaging::{close, LiveFrame, LiveRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::Client;

/// What screens hear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// Something changed on the server.
    Frame(LiveFrame),
    /// Events may have been missed (the connection was lost, or the server said so): fetch
    /// what is on screen again.
    Resync,
}

/// The first wait before reconnecting, and the longest.
const FIRST_DELAY_MS: f64 = 1_000.0;
const LONGEST_DELAY_MS: f64 = 30_000.0;
/// When the server is restarting, or the token has just been refreshed: come back soon.
const SOON_MS: f64 = 500.0;

type Listener = Rc<dyn Fn(&LiveEvent)>;

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
    static LISTENERS: RefCell<Vec<(u64, Listener)>> = const { RefCell::new(Vec::new()) };
    static NEXT_LISTENER: RefCell<u64> = const { RefCell::new(0) };
}

#[derive(Default)]
struct State {
    client: Option<Client>,
    socket: Option<Socket>,
    /// Which connection is current; events of an older one are ignored.
    generation: u64,
    /// Failed attempts since the last good connection, for the backoff.
    failures: u32,
    /// Whether any connection has been ready: the next ready one follows a gap.
    was_ready: bool,
    timer: Option<TimeoutHandle>,
}

/// A connection with the handlers that must live as long as it does.
struct Socket {
    ws: WebSocket,
    _open: Closure<dyn FnMut()>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        // Already closing or closed is fine.
        let _ = self.ws.close_with_code(1000);
    }
}

/// Opens the live connection for the signed-in app and keeps it open until the calling view
/// (the shell) goes away. Each new access token is sent on it, so that it outlives refreshes.
pub fn start(client: Client) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.client = Some(client);
        s.failures = 0;
        s.was_ready = false;
    });
    connect();
    // A refresh brings a new access token: the connection signs in with it, so that the server
    // keeps it open past the old one's expiry.
    Effect::new(move |previous: Option<Option<String>>| {
        let token = client.access_token();
        if let (Some(old), Some(new)) = (previous.flatten(), token.as_ref()) {
            if &old != new {
                send_token(new);
            }
        }
        token
    });
    on_cleanup(stop);
}

/// Closes the connection and stops reconnecting.
fn stop() {
    let (socket, timer) = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.client = None;
        s.generation += 1;
        (s.socket.take(), s.timer.take())
    });
    if let Some(timer) = timer {
        timer.clear();
    }
    drop(socket);
}

/// Calls `listener` with every event until the calling view goes away.
pub fn listen(listener: impl Fn(&LiveEvent) + 'static) {
    let id = NEXT_LISTENER.with(|n| {
        let mut n = n.borrow_mut();
        *n += 1;
        *n
    });
    LISTENERS.with(|l| l.borrow_mut().push((id, Rc::new(listener))));
    on_cleanup(move || LISTENERS.with(|l| l.borrow_mut().retain(|(i, _)| *i != id)));
}

/// Calls `refresh` when a frame that `concerns` the screen arrives, and whenever events may
/// have been missed, until the calling view goes away.
pub fn on_change(concerns: impl Fn(&LiveFrame) -> bool + 'static, refresh: impl Fn() + 'static) {
    listen(move |event| match event {
        LiveEvent::Resync => refresh(),
        LiveEvent::Frame(frame) if concerns(frame) => refresh(),
        LiveEvent::Frame(_) => {}
    });
}

fn announce(event: &LiveEvent) {
    // Listeners may add or remove listeners (a refresh that redraws a screen), so call a copy.
    let listeners: Vec<Listener> =
        LISTENERS.with(|l| l.borrow().iter().map(|(_, f)| f.clone()).collect());
    for listener in listeners {
        listener(event);
    }
}

/// `ws://host/api/v1/live`, or `wss://` on an https page.
fn live_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/api/v1/live", location.host().ok()?))
}

fn auth_frame(token: &str) -> String {
    serde_json::to_string(&LiveRequest::Auth {
        token: token.to_owned(),
    })
    .unwrap_or_default()
}

/// Sends a new access token on the open connection; with no connection and none on its way
/// (one refused until the account set up two-step verification), opens one with it.
fn send_token(token: &str) {
    let idle = STATE.with(|s| {
        let s = s.borrow();
        s.client.is_some() && s.socket.is_none() && s.timer.is_none()
    });
    if idle {
        connect();
        return;
    }
    STATE.with(|s| {
        if let Some(socket) = &s.borrow().socket {
            if socket.ws.ready_state() == WebSocket::OPEN {
                // A failed send shows up as a close, which reconnects.
                let _ = socket.ws.send_with_str(&auth_frame(token));
            }
        }
    });
}

/// Opens a new connection, replacing any other.
fn connect() {
    let (generation, client) = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.generation += 1;
        s.timer = None;
        (s.generation, s.client)
    });
    let Some(client) = client else {
        return;
    };
    let Some(url) = live_url() else {
        return;
    };
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(_) => {
            STATE.with(|s| s.borrow_mut().socket = None);
            retry_later(generation);
            return;
        }
    };
    let on_open = {
        let ws = ws.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(token) = client.access_token_untracked() {
                let _ = ws.send_with_str(&auth_frame(&token));
            }
        })
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if !current(generation) {
            return;
        }
        let Some(text) = e.data().as_string() else {
            return;
        };
        let Ok(frame) = serde_json::from_str::<LiveFrame>(&text) else {
            return;
        };
        received(generation, frame);
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
        if current(generation) {
            closed(generation, client, e.code());
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let socket = Socket {
        ws,
        _open: on_open,
        _message: on_message,
        _close: on_close,
    };
    let old = STATE.with(|s| s.borrow_mut().socket.replace(socket));
    drop(old);
}

fn current(generation: u64) -> bool {
    STATE.with(|s| {
        let s = s.borrow();
        s.generation == generation && s.client.is_some()
    })
}

fn received(generation: u64, frame: LiveFrame) {
    match frame {
        LiveFrame::Ready => {
            let after_a_gap = STATE.with(|s| {
                let mut s = s.borrow_mut();
                s.failures = 0;
                std::mem::replace(&mut s.was_ready, true)
            });
            if after_a_gap {
                announce(&LiveEvent::Resync);
            }
        }
        LiveFrame::Reconnect => {
            drop_socket();
            schedule(generation, SOON_MS + jitter(SOON_MS));
        }
        LiveFrame::Resync => announce(&LiveEvent::Resync),
        frame => announce(&LiveEvent::Frame(frame)),
    }
}

/// The connection closed: reconnect, after refreshing the token when it was refused.
fn closed(generation: u64, client: Client, code: u16) {
    drop_socket();
    match code {
        close::UNAUTHORIZED => spawn_local(async move {
            match client.refresh().await {
                // Soon, but not in a loop if the server keeps refusing.
                Ok(()) => retry_later(generation),
                // Refused: the session is over, and the shell (with this connection) goes away
                // with it. A server that cannot answer now may later.
                Err(p) if p.status < 500 => {}
                Err(_) => retry_later(generation),
            }
        }),
        close::RESTARTING => schedule(generation, SOON_MS + jitter(FIRST_DELAY_MS)),
        // The account must set up two-step verification first: asking again changes nothing
        // until it has, and the token it is given then opens the connection (`send_token`).
        close::MFA_ENROLLMENT_REQUIRED => {}
        _ => retry_later(generation),
    }
}

/// Forgets the current connection (already closed, or to be closed).
fn drop_socket() {
    let old = STATE.with(|s| s.borrow_mut().socket.take());
    drop(old);
}

/// Waits longer after each failure: 1 s doubling to 30 s, with jitter.
fn retry_later(generation: u64) {
    let failures = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.failures = s.failures.saturating_add(1);
        s.failures
    });
    let base = (FIRST_DELAY_MS * 2f64.powi(failures.saturating_sub(1).min(10) as i32))
        .min(LONGEST_DELAY_MS);
    // Between half the wait and all of it.
    schedule(generation, base / 2.0 + jitter(base / 2.0));
}

/// A random share of `up_to` milliseconds.
fn jitter(up_to: f64) -> f64 {
    js_sys::Math::random() * up_to
}

fn schedule(generation: u64, delay_ms: f64) {
    if !current(generation) {
        return;
    }
    let timer = set_timeout_with_handle(
        move || {
            if current(generation) {
                connect();
            }
        },
        Duration::from_millis(delay_ms as u64),
    )
    .ok();
    STATE.with(|s| {
        if let Some(old) = std::mem::replace(&mut s.borrow_mut().timer, timer) {
            old.clear();
        }
    });
}
