//! The live connection: a WebSocket through which an open app hears at once that something it
//! shows has changed (a message in a conversation, a patient's correspondence, a provider's
//! call), from any replica. Frames carry ids only; the app fetches the change through the API,
//! where access is checked and reads are audited.
//!
//! The browser cannot put a bearer token on a WebSocket handshake, so the first frame the app
//! sends is its access token (`{"type":"auth","token":…}`), and again after each refresh. The
//! connection closes (4401) when the token expires without a new one or the session ends, and
//! (1012) when the server stops, so the app reconnects to another replica.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use actix_web::{get, web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use api_types::messaging::{close, LiveFrame, LiveRequest};
use api_types::Permission;
use chrono::Utc;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::messaging;
use crate::auth::{Actor, Principal};
use crate::platform::events::Heard;
use crate::platform::{ApiError, ClientInfo};
use crate::AppState;

/// Event topics this connection passes on.
pub const THREADS: &str = "threads";
pub const CORRESPONDENCE: &str = "correspondence";
pub const WEBHOOKS: &str = "webhooks";
/// When, after hearing of a revocation, a connection checks its session: soon, and again while
/// a revocation still committing at the first check (on a busy server) commits.
const RECHECKS: [Duration; 5] = [
    Duration::from_millis(300),
    Duration::from_secs(1),
    Duration::from_millis(2500),
    Duration::from_secs(5),
    Duration::from_secs(10),
];

/// How long the app has to send its token.
const AUTH_WITHIN: Duration = Duration::from_secs(10);
/// How often the server pings (and renews the account's presence).
const HEARTBEAT: Duration = Duration::from_secs(30);
/// How long a presence lasts without renewal.
const PRESENCE_SECS: i64 = 75;
/// The largest frame the app may send (a token).
const MAX_FRAME: usize = 16 * 1024;

/// Open the live connection (a WebSocket upgrade). Send the session's access token as the first
/// frame, `{"type":"auth","token":"…"}`, within 10 seconds, and again after each refresh; the
/// server then sends `LiveFrame`s as JSON text frames.
#[utoipa::path(
    tag = "messages",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol; frames are `LiveFrame`s", body = LiveFrame),
        (status = 400, description = "Not a WebSocket handshake", body = api_types::Problem),
    )
)]
#[get("/live")]
pub async fn live(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|_| {
        ApiError::with_detail(
            api_types::ErrorCode::BadRequest,
            "This address takes a WebSocket connection.",
        )
    })?;
    let stream = stream
        .max_frame_size(MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME);
    let client = ClientInfo::from_request(&req, state.settings.trust_proxy);
    actix_web::rt::spawn(run(state.into_inner(), session, stream, client));
    Ok(response)
}

/// This process, as presence records name it.
fn process_id() -> Uuid {
    static ID: OnceLock<Uuid> = OnceLock::new();
    *ID.get_or_init(Uuid::now_v7)
}

/// How many live connections each account has open to this process.
fn open_here() -> &'static Mutex<HashMap<Uuid, usize>> {
    static OPEN: OnceLock<Mutex<HashMap<Uuid, usize>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// The number of live connections open to this process.
pub fn connections() -> usize {
    open_here()
        .lock()
        .map(|m| m.values().sum())
        .unwrap_or_default()
}

async fn send(session: &mut Session, frame: &LiveFrame) -> bool {
    match serde_json::to_string(frame) {
        Ok(text) => session.text(text).await.is_ok(),
        Err(_) => false,
    }
}

async fn close_with(session: Session, code: u16, why: &str) {
    let _ = session
        .close(Some(CloseReason {
            code: CloseCode::Other(code),
            description: Some(why.to_owned()),
        }))
        .await;
}

/// Why an auth frame does not open the connection.
enum Refused {
    /// No valid token: sign in (again).
    SignIn,
    /// The practice requires two-step verification of the account, which has not set it up: it
    /// reaches only its own account, here as at every endpoint (`mfa_enrollment_required`).
    EnrolMfa,
}

/// Reads an auth frame: the caller and when their token expires.
async fn signed_in(
    state: &AppState,
    text: &str,
    client: &ClientInfo,
) -> Result<(Principal, Option<i64>), Refused> {
    let LiveRequest::Auth { token } = serde_json::from_str(text).map_err(|_| Refused::SignIn)?;
    let (principal, expires) = crate::auth::authenticate(state, &token, client.clone())
        .await
        .map_err(|_| Refused::SignIn)?;
    if let Actor::User {
        mfa_setup_required: true,
        ..
    } = principal.actor
    {
        return Err(Refused::EnrolMfa);
    }
    Ok((principal, expires))
}

async fn run(
    state: std::sync::Arc<AppState>,
    mut session: Session,
    mut stream: actix_ws::AggregatedMessageStream,
    client: ClientInfo,
) {
    // The first frame is the token.
    let first = tokio::time::timeout(AUTH_WITHIN, async {
        loop {
            match stream.recv().await {
                Some(Ok(AggregatedMessage::Text(text))) => return Some(text),
                Some(Ok(AggregatedMessage::Ping(b))) => {
                    if session.pong(&b).await.is_err() {
                        return None;
                    }
                }
                Some(Ok(AggregatedMessage::Pong(_))) => {}
                _ => return None,
            }
        }
    })
    .await;
    let Ok(Some(text)) = first else {
        close_with(session, close::UNAUTHORIZED, "sign in first").await;
        return;
    };
    let (mut principal, mut expires) = match signed_in(&state, &text, &client).await {
        Ok(caller) => caller,
        Err(Refused::SignIn) => {
            close_with(session, close::UNAUTHORIZED, "sign in again").await;
            return;
        }
        Err(Refused::EnrolMfa) => {
            close_with(
                session,
                close::MFA_ENROLLMENT_REQUIRED,
                "set up two-step verification first",
            )
            .await;
            return;
        }
    };
    let user = match principal.actor {
        Actor::User { id, .. } => Some(id),
        Actor::ApiKey { .. } => None,
    };
    let mut heard = state.events.subscribe();
    if let Some(u) = user {
        if let Ok(mut m) = open_here().lock() {
            *m.entry(u).or_default() += 1;
        }
        present(&state, u).await;
    }
    let ended = serve(
        &state,
        &mut session,
        &mut stream,
        &mut heard,
        &mut principal,
        &mut expires,
        user,
    )
    .await;
    if let Some(u) = user {
        let last = open_here()
            .lock()
            .map(|mut m| {
                let n = m.entry(u).or_default();
                *n = n.saturating_sub(1);
                let last = *n == 0;
                if last {
                    m.remove(&u);
                }
                last
            })
            .unwrap_or(true);
        if last {
            let _ = messaging::leave(&state.db, u, process_id()).await;
        }
    }
    match ended {
        Ended::Restarting => {
            let _ = send(&mut session, &LiveFrame::Reconnect).await;
            close_with(session, close::RESTARTING, "restarting").await;
        }
        Ended::SignedOut => close_with(session, close::UNAUTHORIZED, "sign in again").await,
        Ended::Gone => {
            let _ = session.close(None).await;
        }
    }
}

enum Ended {
    Restarting,
    SignedOut,
    Gone,
}

async fn present(state: &AppState, user: Uuid) {
    let until = Utc::now() + chrono::Duration::seconds(PRESENCE_SECS);
    if let Err(e) = messaging::present(&state.db, user, process_id(), until).await {
        tracing::warn!(error = %e, "could not record a live connection");
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    state: &AppState,
    session: &mut Session,
    stream: &mut actix_ws::AggregatedMessageStream,
    heard: &mut tokio::sync::broadcast::Receiver<Heard>,
    principal: &mut Principal,
    expires: &mut Option<i64>,
    user: Option<Uuid>,
) -> Ended {
    // Listening for revocations before saying ready, so that none made after it is missed.
    let mut revoked = crate::auth::revocations();
    if !send(session, &LiveFrame::Ready).await {
        return Ended::Gone;
    }
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    let mut rechecks: std::collections::VecDeque<tokio::time::Instant> = Default::default();
    loop {
        let next_check = rechecks.front().copied();
        let checking = async {
            match next_check {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let until_expiry = match *expires {
            Some(exp) => Duration::from_secs((exp - Utc::now().timestamp()).max(0) as u64),
            None => Duration::from_secs(24 * 3600),
        };
        tokio::select! {
            _ = state.draining.started() => return Ended::Restarting,
            _ = tokio::time::sleep(until_expiry) => return Ended::SignedOut,
            _ = revoked.recv() => {
                let now = tokio::time::Instant::now();
                rechecks = RECHECKS.iter().map(|d| now + *d).collect();
            }
            _ = checking => {
                rechecks.pop_front();
                if !still_signed_in(state, principal).await {
                    return Ended::SignedOut;
                }
            }
            _ = beat.tick() => {
                if session.ping(b"").await.is_err() {
                    return Ended::Gone;
                }
                // A session signed out for idleness ends its open connections too.
                if !still_signed_in(state, principal).await {
                    return Ended::SignedOut;
                }
                if let Some(u) = user {
                    present(state, u).await;
                }
            }
            msg = stream.recv() => match msg {
                Some(Ok(AggregatedMessage::Text(text))) => {
                    // A fresh token after a refresh: the same account only.
                    match signed_in(state, &text, &principal.client).await {
                        Ok((p, exp)) if p.id() == principal.id() => {
                            *principal = p;
                            *expires = exp;
                        }
                        _ => return Ended::SignedOut,
                    }
                }
                Some(Ok(AggregatedMessage::Ping(b))) => {
                    if session.pong(&b).await.is_err() {
                        return Ended::Gone;
                    }
                }
                Some(Ok(AggregatedMessage::Pong(_))) => {}
                Some(Ok(AggregatedMessage::Binary(_))) => {}
                Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => return Ended::Gone,
            },
            event = heard.recv() => match event {
                Ok(Heard::Event(e)) => {
                    if let Some(frame) = frame_for(principal, &e.topic, &e.body) {
                        if !send(session, &frame).await {
                            return Ended::Gone;
                        }
                    }
                }
                Ok(Heard::Gap) | Err(RecvError::Lagged(_)) => {
                    if !still_signed_in(state, principal).await {
                        return Ended::SignedOut;
                    }
                    if !send(session, &LiveFrame::Resync).await {
                        return Ended::Gone;
                    }
                }
                Err(RecvError::Closed) => return Ended::Restarting,
            },
        }
    }
}

async fn still_signed_in(state: &AppState, principal: &Principal) -> bool {
    match &principal.actor {
        Actor::User { id, session_id, .. } => {
            crate::auth::session_is_active(&state.db, *session_id, *id)
                .await
                .unwrap_or(false)
        }
        Actor::ApiKey { .. } => true,
    }
}

/// What the caller hears of an event: a patient only of their own record; staff of
/// conversations and correspondence if they may read correspondence, of providers' calls if
/// they may read the outbox.
pub fn frame_for(
    principal: &Principal,
    topic: &str,
    body: &serde_json::Value,
) -> Option<LiveFrame> {
    let id = |k: &str| {
        body.get(k)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Uuid>().ok())
    };
    let own = principal.own_patient_id();
    let about_own = |p: Option<Uuid>| own.is_some() && p == own;
    let staff_reads = own.is_none() && principal.has(Permission::CorrespondenceRead);
    match topic {
        THREADS => {
            let (thread_id, patient_id) = (id("thread_id")?, id("patient_id")?);
            (staff_reads || about_own(Some(patient_id))).then_some(LiveFrame::Thread {
                thread_id,
                patient_id,
            })
        }
        CORRESPONDENCE => {
            let patient_id = id("patient_id");
            (staff_reads || about_own(patient_id))
                .then_some(LiveFrame::Correspondence { patient_id })
        }
        WEBHOOKS => {
            (own.is_none() && principal.has(Permission::OutboxRead)).then_some(LiveFrame::Webhook)
        }
        _ => None,
    }
}
