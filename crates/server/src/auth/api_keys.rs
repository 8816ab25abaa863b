//! API keys for integrators and CI: issued by admins with a set of permissions, shown once,
//! stored as a SHA-256 of the secret, revocable, and sent as `Authorization: Bearer cbk_…`.
//! A key made by another key records which: revoking a key revokes every key descended from it,
//! and a key whose issuer (or any issuer above it) is revoked stops.

use actix_web::{delete, get, post, web, HttpResponse};
use api_types::admin::UserStatus;
use api_types::admin::{ApiKey, ApiKeyCreated, CreateApiKeyRequest};
use api_types::audit::AuditAction;
use api_types::{Page, PageQuery, Permission};
use chrono::{Duration, Utc};
use entity::auth::api_key;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use subtle::ConstantTimeEq;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::principal::Actor;
use crate::auth::{require, Authorized};
use crate::platform::crypto::{random_token, sha256_hex};
use crate::platform::http::{page_bounds, Query};
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// Every key starts with this, so it is recognisable (and findable by secret scanners).
pub const KEY_PREFIX: &str = "cbk_";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_keys)
        .service(create_key)
        .service(revoke_key);
}

fn scopes_of(m: &api_key::Model) -> Vec<Permission> {
    serde_json::from_str::<Vec<String>>(&m.scopes)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Permission::parse(s))
        .collect()
}

fn to_wire(m: &api_key::Model) -> ApiKey {
    ApiKey {
        id: m.id,
        name: m.name.clone(),
        scopes: scopes_of(m),
        prefix: format!("{KEY_PREFIX}{}", m.prefix),
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    }
}

/// Resolves the part of a bearer token after `cbk_` to the key's identity.
pub async fn authenticate(state: &AppState, rest: &str) -> ApiResult<Actor> {
    let (prefix, secret) = rest.split_once('_').ok_or_else(ApiError::unauthorized)?;
    let key = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let now = Utc::now();
    let valid = bool::from(
        sha256_hex(secret)
            .as_bytes()
            .ct_eq(key.secret_hash.as_bytes()),
    ) && key.revoked_at.is_none()
        && key.expires_at.is_none_or(|e| e > now);
    if !valid || issuers_revoked(&state.db, key.issued_by_key).await? {
        return Err(ApiError::unauthorized());
    }
    // A key never grants more than its holder: it stops with their account, and loses what
    // their role loses.
    let holder = match key.created_by {
        Some(id) => crate::users::find_model(&state.db, id)
            .await?
            .filter(|u| u.status == UserStatus::Active),
        None => None,
    }
    .ok_or_else(ApiError::unauthorized)?;
    let role = api_types::Role::parse(&holder.role).ok_or_else(ApiError::unauthorized)?;
    let scopes: Vec<Permission> = scopes_of(&key)
        .into_iter()
        .filter(|p| role.has(*p))
        .collect();
    if key
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        let id = key.id;
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_key::Column::Id.eq(id))
            .exec(&state.db)
            .await?;
    }
    Ok(Actor::ApiKey {
        id: key.id,
        scopes,
        holder: holder.id,
    })
}

/// How many keys up a line of keys making keys is followed (a loop cannot form: a key's issuer
/// exists before it).
const MAX_LINEAGE: usize = 32;

/// Whether the key that issued a key, or any key above it, is revoked (or gone).
async fn issuers_revoked(db: &impl ConnectionTrait, mut issuer: Option<Uuid>) -> ApiResult<bool> {
    for _ in 0..MAX_LINEAGE {
        let Some(id) = issuer else {
            return Ok(false);
        };
        match find(db, id).await? {
            Some(k) if k.revoked_at.is_none() => issuer = k.issued_by_key,
            _ => return Ok(true),
        }
    }
    Ok(true)
}

/// Revokes the key and every live key descended from it (keys it made, the keys they made…),
/// in the caller's transaction.
async fn revoke_with_descendants(db: &impl ConnectionTrait, key: Uuid) -> ApiResult<()> {
    let now = Utc::now();
    let mut generation = vec![key];
    for _ in 0..MAX_LINEAGE {
        if generation.is_empty() {
            break;
        }
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_key::Column::Id.is_in(generation.clone()))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(db)
            .await?;
        generation = api_key::Entity::find()
            .select_only()
            .column(api_key::Column::Id)
            .filter(api_key::Column::IssuedByKey.is_in(generation))
            .filter(api_key::Column::RevokedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
    }
    Ok(())
}

/// Revokes every live key the account made (when it is deactivated).
pub async fn revoke_made_by(db: &impl sea_orm::ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    api_key::Entity::update_many()
        .col_expr(
            api_key::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_key::Column::CreatedBy.eq(user_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// API keys, newest first.
#[utoipa::path(
    tag = "api-keys",
    params(PageQuery),
    security(("bearer" = ["api_keys:manage"])),
    responses((status = 200, body = Page<ApiKey>))
)]
#[get("/api-keys")]
async fn list_keys(
    _auth: Authorized<require::ApiKeysManage>,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<web::Json<Page<ApiKey>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (total, rows) = newest_page(&state.db, limit, offset).await?;
    Ok(web::Json(Page::new(
        rows.iter().map(to_wire).collect(),
        total,
        limit,
        offset,
    )))
}

/// Issue a key. The response holds the secret: it is not shown again.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKeyRequest,
    security(("bearer" = ["api_keys:manage"])),
    responses((status = 201, body = ApiKeyCreated))
)]
#[post("/api-keys")]
async fn create_key(
    auth: Authorized<require::ApiKeysManage>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<CreateApiKeyRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let mut errors = api_types::validation::Errors::default();
    errors.required_text("name", &req.name, 200);
    if req.scopes.is_empty() {
        errors.push("scopes", "required", "Choose at least one permission.");
    }
    if req.scopes.iter().any(|s| !s.grantable_to_api_keys()) {
        errors.push(
            "scopes",
            "not_grantable",
            "API keys cannot hold a patient's own-record scope.",
        );
    }
    if req.expires_at.is_some_and(|e| e <= Utc::now()) {
        errors.push("expires_at", "in_past", "Choose an expiry in the future.");
    }
    // A key never grants more than whoever makes it: a key making a key passes on only what
    // it holds itself.
    let wider: Vec<&str> = req
        .scopes
        .iter()
        .filter(|s| !auth.has(**s))
        .map(|s| s.as_str())
        .collect();
    if !wider.is_empty() {
        errors.push(
            "scopes",
            "not_held",
            format!(
                "You can only pass on permissions you hold yourself; not: {}.",
                wider.join(", ")
            ),
        );
    }
    errors.finish().map_err(ApiError::Validation)?;
    let mut scopes: Vec<&str> = req.scopes.iter().map(|p| p.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let prefix = random_token(6).replace(['-', '_'], "x");
    let secret = random_token(32);
    let scopes = serde_json::to_string(&scopes).map_err(anyhow::Error::from)?;
    let txn = state.db.begin().await?;
    let model = add(
        &txn,
        NewKey {
            name: req.name.trim().to_owned(),
            prefix: prefix.clone(),
            secret_hash: sha256_hex(&secret),
            scopes,
            created_by: auth.acting_user(),
            issued_by_key: match auth.actor {
                Actor::ApiKey { id, .. } => Some(id),
                Actor::User { .. } => None,
            },
            expires_at: req.expires_at,
        },
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ApiKeyCreate).resource("api_key", model.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(ApiKeyCreated {
        key: to_wire(&model),
        secret: format!("{KEY_PREFIX}{prefix}_{secret}"),
    }))
}

/// Revoke a key: it stops working at once, and so does every key it made (and the keys they
/// made).
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    security(("bearer" = ["api_keys:manage"])),
    responses((status = 204, description = "Revoked"), (status = 404, body = api_types::Problem))
)]
#[delete("/api-keys/{id}")]
async fn revoke_key(
    auth: Authorized<require::ApiKeysManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let key = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let txn = state.db.begin().await?;
    // Descendants too, even of a key revoked before: none outlives its issuer.
    revoke_with_descendants(&txn, key.id).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ApiKeyRevoke).resource("api_key", *id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A page of the keys, newest first, with how many there are in all.
async fn newest_page(
    db: &impl ConnectionTrait,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<api_key::Model>)> {
    let total = api_key::Entity::find().count(db).await?;
    let rows = api_key::Entity::find()
        .order_by_desc(api_key::Column::CreatedAt)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((total, rows))
}

/// One key.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<api_key::Model>> {
    Ok(api_key::Entity::find_by_id(id).one(db).await?)
}

/// A key to issue: only its secret's hash is kept, and its scopes as a JSON list.
struct NewKey {
    name: String,
    prefix: String,
    secret_hash: String,
    scopes: String,
    created_by: Uuid,
    issued_by_key: Option<Uuid>,
    expires_at: Option<chrono::DateTime<Utc>>,
}

/// Saves a new key, issued now and not yet used.
async fn add(db: &impl ConnectionTrait, new: NewKey) -> ApiResult<api_key::Model> {
    Ok(api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(new.name),
        prefix: Set(new.prefix),
        secret_hash: Set(new.secret_hash),
        scopes: Set(new.scopes),
        created_by: Set(Some(new.created_by)),
        created_at: Set(Utc::now()),
        expires_at: Set(new.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        issued_by_key: Set(new.issued_by_key),
    }
    .insert(db)
    .await?)
}
