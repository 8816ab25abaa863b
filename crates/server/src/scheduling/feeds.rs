//! Private iCalendar feeds: a practitioner subscribes their phone or desktop calendar to a secret
//! address that lists their appointments. The address's token is stored only as a hash; making
//! a new feed replaces the old address, and deleting it stops the feed at once. Each fetch is
//! audited. By default events show only the appointment type, so no patient's name leaves the
//! practice unless the practitioner chooses it.

use actix_web::{delete, get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::scheduling::{CalendarFeed, NewCalendarFeed};
use api_types::Permission;
use chrono::{DateTime, Duration, Utc};
use entity::scheduling::{appointment, calendar_feed};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::appointments::{status_of, to_wire_many, Viewer};
use super::availability::bookable;
use super::ics::{self, Method};
use super::Practice;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::crypto::{random_token, sha256_hex};
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_feed)
        .service(create_feed)
        .service(delete_feed)
        .service(fetch_feed);
}

fn to_wire(m: calendar_feed::Model, url: Option<String>) -> CalendarFeed {
    CalendarFeed {
        practitioner_id: m.user_id,
        url,
        include_patient_names: m.include_patient_names,
        created_at: m.created_at,
        last_fetched_at: m.last_fetched_at,
    }
}

/// Feeds are the practitioner's own; `schedule:manage` may manage anyone's.
fn ensure_own(auth: &Authorized<require::ScheduleWrite>, id: Uuid) -> ApiResult<()> {
    if auth.user_id() == Some(id) || auth.has(Permission::ScheduleManage) {
        Ok(())
    } else {
        Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "Calendar feeds belong to the practitioner they show.",
        ))
    }
}

/// The practitioner's feed, or `null` when they have none (its address is shown only when it
/// is made).
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id")),
    security(("bearer" = ["schedule:write"])),
    responses((status = 200, body = Option<CalendarFeed>, description = "The feed, or `null` when there is none"))
)]
#[get("/practitioners/{id}/calendar-feed")]
async fn get_feed(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Option<CalendarFeed>>> {
    ensure_own(&auth, *id)?;
    let feed = find(&state.db, *id).await?;
    Ok(web::Json(feed.map(|m| to_wire(m, None))))
}

/// Make a new private feed address (any earlier address stops working). The answer carries the
/// address once: keep it private.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id")),
    request_body = NewCalendarFeed,
    security(("bearer" = ["schedule:write"])),
    responses((status = 201, body = CalendarFeed))
)]
#[post("/practitioners/{id}/calendar-feed")]
async fn create_feed(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<NewCalendarFeed>,
) -> ApiResult<HttpResponse> {
    ensure_own(&auth, *id)?;
    bookable(&state, *id).await?;
    let token = random_token(32);
    let txn = state.db.begin().await?;
    replace(&txn, *id, &sha256_hex(&token), body.include_patient_names).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CalendarFeedCreate).resource("practitioner", *id),
        )
        .await?;
    let m = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let url = format!(
        "{}/api/v1/calendar-feeds/{token}.ics",
        state.settings.public_url.trim_end_matches('/')
    );
    Ok(HttpResponse::Created().json(to_wire(m, Some(url))))
}

/// Ends the practitioner's feed (when their account is deactivated).
pub async fn end_for(db: &impl sea_orm::ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    calendar_feed::Entity::delete_by_id(user_id)
        .exec(db)
        .await?;
    Ok(())
}

/// Stop the feed: its address answers 404 from now on.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id")),
    security(("bearer" = ["schedule:write"])),
    responses((status = 204))
)]
#[delete("/practitioners/{id}/calendar-feed")]
async fn delete_feed(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    ensure_own(&auth, *id)?;
    let txn = state.db.begin().await?;
    if !remove(&txn, *id).await? {
        return Err(ApiError::not_found());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CalendarFeedDelete).resource("practitioner", *id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A practitioner's appointments from 30 days ago to a year ahead, as iCalendar. The secret
/// address is the credential: calendar apps cannot send a bearer token.
#[utoipa::path(
    tag = "scheduling",
    params(("token" = String, Path, description = "The feed's secret, with or without `.ics`")),
    responses(
        (status = 200, content_type = "text/calendar", body = String),
        (status = 404, body = api_types::Problem)
    )
)]
#[get("/calendar-feeds/{token}")]
async fn fetch_feed(
    state: web::Data<AppState>,
    client: ClientInfo,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let token = token.trim_end_matches(".ics");
    let feed = by_token_hash(&state.db, &sha256_hex(token))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let practice = Practice::load(&state.db).await?;
    let now = Utc::now();
    let rows = feed_appointments(&state.db, feed.user_id, now).await?;
    let versions: std::collections::HashMap<Uuid, (i32, bool)> = rows
        .iter()
        .map(|m| (m.id, (m.version, !status_of(m).holds_time())))
        .collect();
    let patient_ids: std::collections::BTreeSet<Uuid> = rows.iter().map(|m| m.patient_id).collect();
    let appointments = to_wire_many(
        &state.db,
        &state.crypto,
        &practice,
        rows,
        Viewer::OutsideCalendar,
    )
    .await?;
    let summaries: Vec<String> = appointments
        .iter()
        .map(|a| {
            if feed.include_patient_names && !a.patient_name.is_empty() {
                format!("{} – {}", a.appointment_type_name, a.patient_name)
            } else {
                a.appointment_type_name.clone()
            }
        })
        .collect();
    let events: Vec<ics::Event> = appointments
        .iter()
        .zip(&summaries)
        .map(|(a, summary)| {
            let (sequence, cancelled) = versions.get(&a.id).copied().unwrap_or((1, false));
            ics::Event {
                uid: format!("{}@carebase", a.id),
                sequence,
                starts_at: a.starts_at,
                ends_at: a.ends_at,
                summary,
                description: None,
                cancelled,
                stamp: a.updated_at,
            }
        })
        .collect();
    let body = ics::calendar(&practice.name, Method::Publish, None, &events);
    mark_fetched(&state.db, feed.user_id, now).await?;
    let mut entry = AuditEntry::anonymous(&client, AuditAction::CalendarFeedRead)
        .resource("practitioner", feed.user_id)
        .detail(format!("events={}", events.len()));
    if feed.include_patient_names {
        entry = entry.detail(format!(
            "events={} patients={}",
            events.len(),
            patient_ids
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    state.audit.record(entry).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "private, max-age=300"))
        .body(body))
}

/// The practitioner's feed, if they have one.
async fn find(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<Option<calendar_feed::Model>> {
    Ok(calendar_feed::Entity::find_by_id(user_id).one(db).await?)
}

/// The feed whose secret hashes to `token_hash`.
async fn by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> ApiResult<Option<calendar_feed::Model>> {
    Ok(calendar_feed::Entity::find()
        .filter(calendar_feed::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?)
}

/// Saves the practitioner's feed under a new secret, replacing any earlier one (and its
/// last-fetched time).
async fn replace(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    token_hash: &str,
    include_patient_names: bool,
) -> ApiResult<()> {
    let model = calendar_feed::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash.to_owned()),
        include_patient_names: Set(include_patient_names),
        created_at: Set(Utc::now()),
        last_fetched_at: Set(None),
    };
    calendar_feed::Entity::insert(model)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(calendar_feed::Column::UserId)
                .update_columns([
                    calendar_feed::Column::TokenHash,
                    calendar_feed::Column::IncludePatientNames,
                    calendar_feed::Column::CreatedAt,
                    calendar_feed::Column::LastFetchedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Removes the practitioner's feed; `false` when there was none.
async fn remove(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<bool> {
    Ok(calendar_feed::Entity::delete_by_id(user_id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// The practitioner's appointments from 30 days before `now` to a year after, earliest first
/// (at most 5000).
async fn feed_appointments(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<Vec<appointment::Model>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::PractitionerId.eq(user_id))
        .filter(appointment::Column::StartsAt.gte(now - Duration::days(30)))
        .filter(appointment::Column::StartsAt.lt(now + Duration::days(366)))
        .order_by_asc(appointment::Column::StartsAt)
        .limit(5000)
        .all(db)
        .await?)
}

/// Notes when the practitioner's feed was last fetched.
async fn mark_fetched(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    calendar_feed::Entity::update_many()
        .set(calendar_feed::ActiveModel {
            last_fetched_at: Set(Some(at)),
            ..Default::default()
        })
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
