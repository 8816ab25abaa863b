//! Safe retries of writes. A client that may retry a `POST` (after a timeout, say) sends an
//! `Idempotency-Key` header; the first request with a key does the work and its response is kept
//! (encrypted) for 24 hours, and a retry with the same key and the same body gets that response
//! again instead of doing the work twice. The same key with a different body is refused, and so is
//! a retry that arrives while the first request is still running.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use api_types::ErrorCode;
use chrono::{Duration, Utc};
use entity::platform::idempotency_key;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr,
};
use serde::Serialize;
use uuid::Uuid;

use super::crypto::sha256_hex;
use super::crypto::Crypto;
use super::{ApiError, ApiResult};

pub const HEADER: &str = "idempotency-key";
/// How long a response is kept for replay.
const KEEP: Duration = Duration::hours(24);
/// A claim older than this with no response belongs to a request that died; it may be retried.
const ABANDONED: Duration = Duration::minutes(1);

/// What to do with a request.
pub enum Start {
    /// Do the work, then [`Claim::complete`] (or [`Claim::abandon`] on failure).
    Proceed(Claim),
    /// A retry: answer with the first request's response.
    Replay(HttpResponse),
}

/// A key claimed for one request (or no key at all).
pub struct Claim(Option<(Uuid, String)>);

fn aad(actor: Uuid, key: &str) -> String {
    format!("idempotency_keys.body:{actor}:{key}")
}

fn in_progress() -> ApiError {
    ApiError::conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly.",
    )
}

/// Claims the request's `Idempotency-Key`, if it has one.
pub async fn start(
    db: &DatabaseConnection,
    crypto: &Crypto,
    actor: Uuid,
    req: &HttpRequest,
    body: &impl Serialize,
) -> ApiResult<Start> {
    let Some(key) = req.headers().get(HEADER) else {
        return Ok(Start::Proceed(Claim(None)));
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::field(
                "Idempotency-Key",
                "invalid",
                "Use 1 to 200 visible ASCII characters, such as a UUID.",
            )
        })?
        .to_owned();
    let hash = sha256_hex(&format!(
        "{} {}\n{}",
        req.method(),
        req.path(),
        serde_json::to_string(body).map_err(anyhow::Error::from)?
    ));
    let now = Utc::now();
    let find = || {
        idempotency_key::Entity::find()
            .filter(idempotency_key::Column::ActorId.eq(actor))
            .filter(idempotency_key::Column::Key.eq(key.as_str()))
            .one(db)
    };
    if let Some(row) = find().await? {
        let stale = row.created_at < now - KEEP
            || (row.status.is_none() && row.created_at < now - ABANDONED);
        if !stale {
            return existing(crypto, row, &hash);
        }
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::ActorId.eq(actor))
            .filter(idempotency_key::Column::Key.eq(key.as_str()))
            .exec(db)
            .await?;
    }
    let claim = idempotency_key::ActiveModel {
        actor_id: Set(actor),
        key: Set(key.clone()),
        request_hash: Set(hash.clone()),
        status: Set(None),
        body_enc: Set(None),
        created_at: Set(now),
    };
    match idempotency_key::Entity::insert(claim).exec(db).await {
        Ok(_) => Ok(Start::Proceed(Claim(Some((actor, key))))),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            match find().await? {
                Some(row) => existing(crypto, row, &hash),
                None => Err(in_progress()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

fn existing(crypto: &Crypto, row: idempotency_key::Model, hash: &str) -> ApiResult<Start> {
    if row.request_hash != hash {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This Idempotency-Key was already used for a different request.",
        ));
    }
    let (Some(status), Some(body)) = (row.status, row.body_enc) else {
        return Err(in_progress());
    };
    let body = crypto.decrypt_str(&body, &aad(row.actor_id, &row.key))?;
    let status =
        StatusCode::from_u16(u16::try_from(status).unwrap_or(500)).unwrap_or(StatusCode::OK);
    Ok(Start::Replay(
        HttpResponse::build(status)
            .content_type("application/json")
            .insert_header(("Idempotency-Replayed", "true"))
            .body(body),
    ))
}

impl Claim {
    /// Keeps the response for retries.
    pub async fn complete(
        self,
        db: &DatabaseConnection,
        crypto: &Crypto,
        status: StatusCode,
        body: &impl Serialize,
    ) -> ApiResult<()> {
        let Some((actor, key)) = self.0 else {
            return Ok(());
        };
        let json = serde_json::to_string(body).map_err(anyhow::Error::from)?;
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::Status,
                sea_orm::sea_query::Expr::value(i32::from(status.as_u16())),
            )
            .col_expr(
                idempotency_key::Column::BodyEnc,
                sea_orm::sea_query::Expr::value(crypto.encrypt_str(&json, &aad(actor, &key))?),
            )
            .filter(idempotency_key::Column::ActorId.eq(actor))
            .filter(idempotency_key::Column::Key.eq(key))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Releases the key after a failure, so that a retry does the work.
    pub async fn abandon(self, db: &DatabaseConnection) {
        let Some((actor, key)) = self.0 else { return };
        let released = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::ActorId.eq(actor))
            .filter(idempotency_key::Column::Key.eq(key))
            .exec(db)
            .await;
        if let Err(e) = released {
            tracing::warn!(error = ?e, "could not release an idempotency key; it frees itself in a minute");
        }
    }
}
