//! The log of calls providers make to the practice: each is written once it is answered, with
//! whether its signature held, what came of it and how long it took. It holds no content.

use actix_web::{get, web};
use api_types::audit::AuditAction;
use api_types::comms::{WebhookEvent, WebhookEventQuery};
use api_types::Page;
use chrono::Utc;
use entity::comms::{webhook_event, webhook_token};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::{page_bounds, Query};
use crate::platform::ApiResult;
use crate::AppState;

/// Calls from providers, newest first: refused ones with why.
#[utoipa::path(
    tag = "correspondence",
    params(WebhookEventQuery),
    security(("bearer" = ["outbox:read"])),
    responses((status = 200, body = Page<WebhookEvent>))
)]
#[get("/webhook-events")]
pub async fn list_webhook_events(
    auth: Authorized<require::OutboxRead>,
    state: web::Data<AppState>,
    query: Query<WebhookEventQuery>,
) -> ApiResult<web::Json<Page<WebhookEvent>>> {
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let (total, rows) = page(&state.db, &q, limit, offset).await?;
    let items: Vec<WebhookEvent> = rows.into_iter().map(to_wire).collect();
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::WebhookLogRead)
                .detail(format!("events={}", items.len())),
        )
        .await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

fn to_wire(m: webhook_event::Model) -> WebhookEvent {
    WebhookEvent {
        id: m.id,
        provider: m.provider,
        endpoint: m.endpoint,
        verified: m.verified,
        refusal: m.refusal,
        outcome: m.outcome,
        reference: m.reference,
        duration_ms: m.duration_ms,
        received_at: m.received_at,
    }
}

async fn page(
    db: &impl ConnectionTrait,
    q: &WebhookEventQuery,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<webhook_event::Model>)> {
    let mut select = webhook_event::Entity::find();
    if let Some(p) = &q.provider {
        select = select.filter(webhook_event::Column::Provider.eq(p.as_str()));
    }
    if let Some(v) = q.verified {
        select = select.filter(webhook_event::Column::Verified.eq(v));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(webhook_event::Column::ReceivedAt)
        .order_by_desc(webhook_event::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((total, rows))
}

/// One call, as it will be logged.
pub struct Logged<'a> {
    pub provider: &'a str,
    pub endpoint: &'a str,
    pub refusal: Option<&'a str>,
    pub outcome: &'a str,
    pub reference: Option<&'a str>,
    pub started: std::time::Instant,
}

/// Logs a call. A failure to log is reported, never passed to the provider.
pub async fn log(db: &impl ConnectionTrait, call: Logged<'_>) {
    let model = webhook_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider: Set(call.provider.to_owned()),
        endpoint: Set(call.endpoint.to_owned()),
        verified: Set(call.refusal.is_none()),
        refusal: Set(call.refusal.map(str::to_owned)),
        outcome: Set(call.outcome.to_owned()),
        reference: Set(call.reference.map(|r| r.chars().take(128).collect())),
        duration_ms: Set(i32::try_from(call.started.elapsed().as_millis()).unwrap_or(i32::MAX)),
        received_at: Set(Utc::now()),
    };
    if let Err(e) = model.insert(db).await {
        tracing::error!(error = %e, provider = call.provider, "a provider's call could not be logged");
    }
}

/// Logs a call and tells the open apps: the log grew, and a message may have arrived or moved
/// on.
pub async fn logged(state: &crate::AppState, call: Logged<'_>) {
    log(&state.db, call).await;
    for topic in [
        crate::comms::live::WEBHOOKS,
        crate::comms::live::CORRESPONDENCE,
    ] {
        if let Err(e) = state
            .events
            .publish(&state.db, topic, serde_json::json!({}))
            .await
        {
            tracing::warn!(error = %e, "open apps could not be told of a provider's call");
        }
    }
}

/// Takes a signed call's token: `false` if it was taken before (the call is a replay).
pub async fn take_token(db: &impl ConnectionTrait, provider: &str, token: &str) -> ApiResult<bool> {
    let insert = webhook_token::Entity::insert(webhook_token::ActiveModel {
        provider: Set(provider.to_owned()),
        token: Set(token.chars().take(128).collect()),
        used_at: Set(Utc::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            webhook_token::Column::Provider,
            webhook_token::Column::Token,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(insert == 1)
}

/// Gives a token back after its call could not be stored, so that the provider's retry is taken.
pub async fn release_token(db: &impl ConnectionTrait, provider: &str, token: &str) {
    let released = webhook_token::Entity::delete_many()
        .filter(webhook_token::Column::Provider.eq(provider))
        .filter(webhook_token::Column::Token.eq(token.chars().take(128).collect::<String>()))
        .exec(db)
        .await;
    if let Err(e) = released {
        tracing::error!(error = %e, provider, "a provider's token could not be released");
    }
}

/// The last call a provider made, as logged.
pub async fn last_call(
    db: &impl ConnectionTrait,
    provider: &str,
) -> ApiResult<Option<WebhookEvent>> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Provider.eq(provider))
        .order_by_desc(webhook_event::Column::ReceivedAt)
        .order_by_desc(webhook_event::Column::Id)
        .one(db)
        .await?
        .map(to_wire))
}

/// How long the log of providers' calls is kept.
const KEEP_LOG_DAYS: i64 = 90;

/// Forgets calls older than [`KEEP_LOG_DAYS`] and tokens past any signature's window.
pub async fn prune(db: &impl ConnectionTrait) -> ApiResult<()> {
    let now = Utc::now();
    webhook_event::Entity::delete_many()
        .filter(webhook_event::Column::ReceivedAt.lt(now - chrono::Duration::days(KEEP_LOG_DAYS)))
        .exec(db)
        .await?;
    // A token is refused again only while its timestamp could still pass (five minutes).
    webhook_token::Entity::delete_many()
        .filter(webhook_token::Column::UsedAt.lt(now - chrono::Duration::hours(1)))
        .exec(db)
        .await?;
    Ok(())
}
