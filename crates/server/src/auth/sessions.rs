//! Sessions and refresh tokens. A session is a family of refresh tokens: each refresh rotates the
//! token, and presenting an already-rotated token revokes the whole family, since it means the
//! token was copied.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

use api_types::auth::{SessionInfo, TokenResponse};
use api_types::ErrorCode;
use chrono::{Duration, Utc};
use entity::auth::{refresh_token, session};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::tokens::{Subject, TokenType};
use crate::platform::crypto::{random_token, sha256_hex};
use crate::platform::events::{self, Heard};
use crate::platform::UserId;
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::users::CredentialChange;
use crate::users::UserRecord;
use crate::AppState;
use api_types::audit::{AuditAction, AuditOutcome};

/// Whether an access token's session is still live.
pub async fn is_active(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    user_id: Uuid,
) -> ApiResult<bool> {
    if recently_live(session_id, user_id) {
        return Ok(true);
    }
    // A revocation heard while this lookup runs must not be undone by remembering its answer.
    let epoch = FORGOTTEN.load(Ordering::SeqCst);
    let active = session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .is_some_and(|s| s.user_id == user_id && live(&s, Utc::now()));
    if active && FORGOTTEN.load(Ordering::SeqCst) == epoch && !forgot_lately() {
        remember_live(session_id, user_id);
    }
    Ok(active)
}

/// Not revoked, not expired, and not idle too long.
fn live(s: &session::Model, now: chrono::DateTime<Utc>) -> bool {
    s.revoked_at.is_none() && s.expires_at > now && s.idle_until.is_none_or(|t| t > now)
}

/// How long someone of `role` stays signed in without activity.
async fn idle_limit(db: &impl ConnectionTrait, role: api_types::Role) -> ApiResult<Duration> {
    let settings = crate::settings::load(db).await?;
    Ok(Duration::minutes(i64::from(settings.idle_minutes(role))))
}

/// How long the session stays signed in without activity: until when (`None` for a session not
/// ended for idleness) and the practice's idle time in minutes; `None` once the session has
/// ended. With `extend`, the owner is active: it stays signed in for the idle time from now (an
/// ended session is not revived).
pub async fn idle_state(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    role: api_types::Role,
    extend: bool,
) -> ApiResult<Option<(Option<chrono::DateTime<Utc>>, i64)>> {
    let limit = idle_limit(db, role).await?;
    let now = Utc::now();
    let Some(s) = session::Entity::find_by_id(session_id).one(db).await? else {
        return Ok(None);
    };
    if !live(&s, now) {
        return Ok(None);
    }
    if !extend {
        return Ok(Some((s.idle_until, limit.num_minutes())));
    }
    let until = now + limit;
    let mut active: session::ActiveModel = s.into();
    active.idle_until = Set(Some(until));
    active.update(db).await?;
    Ok(Some((Some(until), limit.num_minutes())))
}

/// How long after forgetting sessions nothing is remembered: a revocation in this process is
/// forgotten before its transaction commits, and a lookup in between still finds the session
/// live in the database.
const SETTLING: std::time::Duration = std::time::Duration::from_secs(2);

fn forgot_lately() -> bool {
    LAST_FORGOT
        .lock()
        .is_ok_and(|at| at.is_some_and(|at| at.elapsed() < SETTLING))
}

static LAST_FORGOT: Mutex<Option<Instant>> = Mutex::new(None);

/// Sessions this process found live a moment ago, so that a burst of requests costs one
/// database lookup rather than one each. A revocation evicts at once: in this process directly,
/// in the others through the `sessions` event ([`follow_revocations`]); after a gap in the
/// events, everything is forgotten.
static LIVE: LazyLock<Mutex<HashMap<Uuid, (Uuid, Instant)>>> = LazyLock::new(Default::default);
const LIVE_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// The event topic of revocations.
const TOPIC: &str = "sessions";

/// Evicts revoked sessions as other processes announce them, until the process stops.
pub fn follow_revocations(mut heard: tokio::sync::broadcast::Receiver<Heard>) {
    tokio::spawn(async move {
        loop {
            match heard.recv().await {
                Ok(Heard::Event(e)) if e.topic == TOPIC => {
                    let id = |k: &str| {
                        e.body
                            .get(k)
                            .and_then(|v| v.as_str())
                            .and_then(|v| Uuid::parse_str(v).ok())
                    };
                    match (id("session"), id("user")) {
                        (Some(session), _) => forget(|sid, _| *sid == session),
                        (None, Some(user)) => {
                            let keep = id("keep");
                            forget(|sid, u| *u == user && Some(*sid) != keep);
                        }
                        _ => {}
                    }
                }
                Ok(Heard::Event(_)) => {}
                Ok(Heard::Gap) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    forget(|_, _| true)
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

fn recently_live(session_id: Uuid, user_id: Uuid) -> bool {
    LIVE.lock().is_ok_and(|live| {
        live.get(&session_id)
            .is_some_and(|(user, at)| *user == user_id && at.elapsed() < LIVE_FOR)
    })
}

fn remember_live(session_id: Uuid, user_id: Uuid) {
    if let Ok(mut live) = LIVE.lock() {
        if live.len() >= 50_000 {
            live.retain(|_, (_, at)| at.elapsed() < LIVE_FOR);
        }
        live.insert(session_id, (user_id, Instant::now()));
    }
}

/// How many times sessions were forgotten: a lookup that began before a forgetting does not
/// remember what it found.
static FORGOTTEN: AtomicU64 = AtomicU64::new(0);

fn forget(filter: impl Fn(&Uuid, &Uuid) -> bool) {
    FORGOTTEN.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut at) = LAST_FORGOT.lock() {
        *at = Some(Instant::now());
    }
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|sid, (user, _)| !filter(sid, user));
    }
    let _ = forgetting().send(());
}

fn forgetting() -> &'static tokio::sync::broadcast::Sender<()> {
    static TOLD: std::sync::OnceLock<tokio::sync::broadcast::Sender<()>> =
        std::sync::OnceLock::new();
    TOLD.get_or_init(|| tokio::sync::broadcast::channel(64).0)
}

/// Tells its receiver whenever this process forgets sessions (a revocation here or on another
/// replica), so that long-lived connections check theirs again: the revocation may still be
/// committing when this is heard.
pub fn revocations() -> tokio::sync::broadcast::Receiver<()> {
    forgetting().subscribe()
}

async fn subject(db: &impl ConnectionTrait, user: &UserRecord) -> ApiResult<Subject> {
    let mfa_setup = !user.model.mfa_enabled && crate::settings::mfa_required(db, user.role).await?;
    Ok(Subject {
        id: user.model.id,
        role: user.role,
        patient_id: user.model.patient_id,
        mfa_setup,
    })
}

async fn issue(
    state: &AppState,
    db: &impl ConnectionTrait,
    user: &UserRecord,
    session_id: Uuid,
) -> ApiResult<TokenResponse> {
    let refresh = random_token(32);
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session_id),
        token_hash: Set(sha256_hex(&refresh)),
        created_at: Set(Utc::now()),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    let ttl = state.jwt.access_ttl_secs;
    let access = state.jwt.sign(
        TokenType::Access,
        &subject(db, user).await?,
        Some(session_id),
        ttl as i64,
    )?;
    Ok(TokenResponse {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: ttl,
    })
}

/// Starts a session for a user who has fully authenticated, committing it with `entry`.
pub async fn start(
    state: &AppState,
    user: &UserRecord,
    client: &ClientInfo,
    entry: AuditEntry,
) -> ApiResult<TokenResponse> {
    let txn = state.db.begin().await?;
    let now = Utc::now();
    let sid = Uuid::now_v7();
    session::ActiveModel {
        id: Set(sid),
        user_id: Set(user.model.id),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(now + Duration::days(state.settings.session_ttl_days)),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        idle_until: Set(Some(now + idle_limit(&txn, user.role).await?)),
        ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.clone()),
    }
    .insert(&txn)
    .await?;
    let tokens = issue(state, &txn, user, sid).await?;
    crate::users::change_credentials(&txn, &user.model, CredentialChange::SignedIn).await?;
    state.audit.commit(txn, entry).await?;
    Ok(tokens)
}

/// What a refresh did.
pub enum Refreshed {
    Tokens {
        tokens: TokenResponse,
    },
    /// The token had already been used: the session is now revoked.
    Reused,
    /// The session was left without activity for longer than the practice allows: it is now
    /// ended.
    Idle,
    Invalid,
}

/// Rotates a refresh token; the rotation (or the revocation a reuse causes) commits with its
/// audit event.
pub async fn refresh(
    state: &AppState,
    presented: &str,
    client: &ClientInfo,
) -> ApiResult<Refreshed> {
    let txn = state.db.begin().await?;
    let Some(token) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(presented)))
        .one(&txn)
        .await?
    else {
        return Ok(Refreshed::Invalid);
    };
    let Some(sess) = session::Entity::find_by_id(token.session_id)
        .one(&txn)
        .await?
    else {
        return Ok(Refreshed::Invalid);
    };
    // Ended for idleness already (by another tab's refresh): said the same way.
    if sess.revoked_reason.as_deref() == Some("idle") {
        return Ok(Refreshed::Idle);
    }
    if sess.revoked_at.is_some() || sess.expires_at <= Utc::now() {
        return Ok(Refreshed::Invalid);
    }
    // Left without activity too long: signed out, as the app says when it happens.
    if sess.idle_until.is_some_and(|t| t <= Utc::now()) {
        revoke_session(&txn, sess.id, "idle").await?;
        let mut entry = AuditEntry::anonymous(client, AuditAction::AuthIdleSignOut)
            .resource("session", sess.id);
        entry.actor_id = Some(sess.user_id);
        entry.actor_kind = Some("user");
        state.audit.commit(txn, entry).await?;
        return Ok(Refreshed::Idle);
    }
    // Mark the token used only if nobody else did first: a lost race is a reuse.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        revoke_session(&txn, sess.id, "refresh_token_reuse").await?;
        let mut entry = AuditEntry::anonymous(client, AuditAction::AuthRefresh)
            .outcome(AuditOutcome::Denied)
            .resource("session", sess.id)
            .detail("reused_token_session_revoked");
        entry.actor_id = Some(sess.user_id);
        entry.actor_kind = Some("user");
        state.audit.commit(txn, entry).await?;
        return Ok(Refreshed::Reused);
    }
    let Some(user) = crate::users::find(&txn, &state.crypto, UserId(sess.user_id)).await? else {
        return Ok(Refreshed::Invalid);
    };
    if !user.is_active() {
        revoke_session(&txn, sess.id, "account_deactivated").await?;
        txn.commit().await?;
        return Ok(Refreshed::Invalid);
    }
    // Outside the practice's networks a member of staff's session waits, unchanged, until
    // they are back inside.
    if !crate::settings::network_allows(&txn, user.role, client.ip.as_deref()).await? {
        return Err(ApiError::code(ErrorCode::NetworkNotAllowed));
    }
    let tokens = issue(state, &txn, &user, sess.id).await?;
    let mut s: session::ActiveModel = sess.into();
    s.last_used_at = Set(Utc::now());
    s.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::anonymous(client, AuditAction::AuthRefresh).actor(user.model.id, user.role),
        )
        .await?;
    Ok(Refreshed::Tokens { tokens })
}

pub async fn revoke_session(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    reason: &str,
) -> ApiResult<()> {
    forget(|sid, _| *sid == session_id);
    revoke_where(db, session::Column::Id.eq(session_id), reason).await?;
    events::tell_replicas(db, TOPIC, serde_json::json!({ "session": session_id })).await?;
    Ok(())
}

/// Marks the live sessions matching `which` revoked.
async fn revoke_where(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
    reason: &str,
) -> ApiResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .col_expr(
            session::Column::RevokedReason,
            sea_orm::sea_query::Expr::value(reason),
        )
        .filter(which)
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every session of a user except `keep`.
pub async fn revoke_all(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> ApiResult<()> {
    forget(|sid, user| *user == user_id && Some(*sid) != keep);
    use sea_orm::sea_query::ExprTrait;
    let mut which = session::Column::UserId.eq(user_id);
    if let Some(k) = keep {
        which = which.and(session::Column::Id.ne(k));
    }
    revoke_where(db, which, reason).await?;
    events::tell_replicas(
        db,
        TOPIC,
        serde_json::json!({ "user": user_id, "keep": keep }),
    )
    .await?;
    Ok(())
}

/// The user's live sessions, most recently used first.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    current: Option<Uuid>,
) -> ApiResult<Vec<SessionInfo>> {
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(session::Column::LastUsedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionInfo {
            current: Some(s.id) == current,
            id: s.id,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect())
}

/// Revokes one of the user's own sessions; someone else's is "not found".
pub async fn revoke_own(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    session_id: Uuid,
) -> ApiResult<()> {
    match session::Entity::find_by_id(session_id).one(db).await? {
        Some(s) if s.user_id == user_id => revoke_session(db, session_id, "revoked_by_user").await,
        _ => Err(ApiError::not_found()),
    }
}

pub fn invalid_refresh() -> ApiError {
    ApiError::with_detail(ErrorCode::InvalidToken, "Sign in again.")
}
