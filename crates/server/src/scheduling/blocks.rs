//! Calendar blocks: practitioner time held for admin work, walk-ins or a group session. A block
//! takes the practitioner's time like a booking does: it cannot overlap their appointments or
//! other blocks, and slot search never offers it. Staff book walk-ins and group members into it.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::scheduling::AppointmentStatus;
use api_types::scheduling::{
    BlockKind, CalendarBlock, CalendarBlockPatch, DateOrInstant, NewCalendarBlock,
};
use api_types::{ErrorCode, FieldError};
use chrono::{DateTime, Duration, Utc};
use entity::scheduling::{appointment, calendar_block};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::appointments::{bound, lock_for_booking, requested_start};
use super::availability::bookable;
use super::Practice;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::{check_if_match, etag, Query};
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_blocks)
        .service(create_block)
        .service(update_block)
        .service(delete_block);
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlockQuery {
    /// A date (practice time) or an instant.
    #[param(value_type = Option<String>)]
    pub from: Option<DateOrInstant>,
    #[param(value_type = Option<String>)]
    pub to: Option<DateOrInstant>,
    pub practitioner_id: Option<Uuid>,
}

/// Blocks with how many appointments each holds.
pub async fn to_wire_many(
    db: &impl ConnectionTrait,
    practice: &Practice,
    blocks: Vec<calendar_block::Model>,
) -> ApiResult<Vec<CalendarBlock>> {
    let ids: Vec<Uuid> = blocks.iter().map(|b| b.id).collect();
    let mut booked = std::collections::HashMap::<Uuid, u32>::new();
    if !ids.is_empty() {
        for a in appointment::Entity::find()
            .filter(appointment::Column::BlockId.is_in(ids))
            .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
            .all(db)
            .await?
        {
            if let Some(b) = a.block_id {
                *booked.entry(b).or_default() += 1;
            }
        }
    }
    Ok(blocks
        .into_iter()
        .map(|b| CalendarBlock {
            booked: booked.get(&b.id).copied().unwrap_or(0),
            kind: BlockKind::parse(&b.kind).unwrap_or(BlockKind::Admin),
            local_start: practice.clock.local(b.starts_at),
            local_end: practice.clock.local(b.ends_at),
            capacity: u32::try_from(b.capacity).unwrap_or(0),
            id: b.id,
            practitioner_id: b.practitioner_id,
            label: b.label,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            version: b.version,
        })
        .collect())
}

/// Blocks overlapping a range.
pub async fn between(
    db: &impl ConnectionTrait,
    practitioner_ids: Option<&[Uuid]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<calendar_block::Model>> {
    let mut select = calendar_block::Entity::find()
        .filter(calendar_block::Column::StartsAt.lt(to))
        .filter(calendar_block::Column::EndsAt.gt(from));
    if let Some(ids) = practitioner_ids {
        select = select.filter(calendar_block::Column::PractitionerId.is_in(ids.iter().copied()));
    }
    Ok(select
        .order_by_asc(calendar_block::Column::StartsAt)
        .all(db)
        .await?)
}

/// What overlaps a block's time: an appointment not booked into it, or another block.
async fn overlap(
    db: &impl ConnectionTrait,
    practice: &Practice,
    practitioner_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    this: Option<Uuid>,
) -> ApiResult<Option<String>> {
    let clash = appointment::Entity::find()
        .filter(appointment::Column::PractitionerId.eq(practitioner_id))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .filter(appointment::Column::BusyFrom.lt(to))
        .filter(appointment::Column::BusyTo.gt(from))
        .all(db)
        .await?
        .into_iter()
        .find(|a| this.is_none() || a.block_id != this);
    if let Some(a) = clash {
        return Ok(Some(format!(
            "The practitioner has an appointment at {} then.",
            practice
                .clock
                .local(a.starts_at)
                .format("%H:%M on %A %-d %B")
        )));
    }
    let other = between(db, Some(&[practitioner_id]), from, to)
        .await?
        .into_iter()
        .find(|b| Some(b.id) != this);
    Ok(other.map(|b| format!("That overlaps another block ({}).", b.label)))
}

/// Blocks overlapping a range (default: the next 14 days), optionally one practitioner's.
#[utoipa::path(
    tag = "scheduling",
    params(BlockQuery),
    security(("bearer" = ["schedule:read"])),
    responses((status = 200, body = Vec<CalendarBlock>))
)]
#[get("/calendar-blocks")]
async fn list_blocks(
    _auth: Authorized<require::ScheduleRead>,
    state: web::Data<AppState>,
    query: Query<BlockQuery>,
) -> ApiResult<web::Json<Vec<CalendarBlock>>> {
    let practice = Practice::load(&state.db).await?;
    let from = query
        .from
        .map_or_else(Utc::now, |b| bound(&practice, b, false));
    let to = query
        .to
        .map_or(from + Duration::days(14), |b| bound(&practice, b, true));
    if to - from > Duration::days(api_types::scheduling::MAX_RANGE_DAYS) || to < from {
        return Err(ApiError::field(
            "to",
            "out_of_range",
            "Ask for at most 62 days, ending after the start.",
        ));
    }
    let ids = query.practitioner_id.map(|p| vec![p]);
    let blocks = between(&state.db, ids.as_deref(), from, to).await?;
    Ok(web::Json(to_wire_many(&state.db, &practice, blocks).await?))
}

/// Hold time on a practitioner's calendar. It must not overlap their appointments or other
/// blocks (`409 slot_conflict`).
#[utoipa::path(
    tag = "scheduling",
    request_body = NewCalendarBlock,
    security(("bearer" = ["schedule:write"])),
    responses((status = 201, body = CalendarBlock), (status = 409, body = api_types::Problem))
)]
#[post("/calendar-blocks")]
async fn create_block(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<NewCalendarBlock>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    input.validate().map_err(ApiError::Validation)?;
    let practice = Practice::load(&state.db).await?;
    bookable(&state, input.practitioner_id).await.map_err(|_| {
        ApiError::field(
            "practitioner_id",
            "not_bookable",
            "This is not an active practitioner or nurse.",
        )
    })?;
    let starts_at = requested_start(&practice, input.starts_at, input.local_start, input.fold)?
        .ok_or_else(|| ApiError::field("starts_at", "required", "Choose a start time."))?;
    let ends_at = starts_at + Duration::minutes(i64::from(input.duration_minutes));
    let txn = state.db.begin().await?;
    lock_for_booking(&txn, &[input.practitioner_id]).await?;
    if let Some(why) = overlap(
        &txn,
        &practice,
        input.practitioner_id,
        starts_at,
        ends_at,
        None,
    )
    .await?
    {
        return Err(ApiError::with_detail(ErrorCode::SlotConflict, why));
    }
    let block = add(&txn, &input, starts_at, ends_at, auth.user_id()).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CalendarBlockCreate)
                .resource("calendar_block", block.id),
        )
        .await?;
    let wire = to_wire_many(&state.db, &practice, vec![block]).await?;
    Ok(HttpResponse::Created().json(&wire[0]))
}

/// Move, resize or relabel a block; appointments booked into it move with it.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    request_body = CalendarBlockPatch,
    security(("bearer" = ["schedule:write"])),
    responses((status = 200, body = CalendarBlock), (status = 409, body = api_types::Problem))
)]
#[patch("/calendar-blocks/{id}")]
async fn update_block(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<CalendarBlockPatch>,
) -> ApiResult<HttpResponse> {
    let b = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    check_if_match(&req, b.version)?;
    let patch = body.into_inner();
    let practice = Practice::load(&state.db).await?;
    let mut errors = api_types::validation::Errors::default();
    if let Some(l) = &patch.label {
        errors.required_text("label", l, 120);
    }
    if patch
        .duration_minutes
        .is_some_and(|d| !(5..=720).contains(&d))
    {
        errors.push(
            "duration_minutes",
            "out_of_range",
            "Choose 5 minutes to 12 hours.",
        );
    }
    let kind = BlockKind::parse(&b.kind).unwrap_or(BlockKind::Admin);
    if kind == BlockKind::Group && patch.capacity.is_some_and(|c| !(2..=100).contains(&c)) {
        errors.push(
            "capacity",
            "out_of_range",
            "A group session takes 2 to 100 patients.",
        );
    }
    errors
        .finish()
        .map_err(|e: Vec<FieldError>| ApiError::Validation(e))?;
    let starts_at = requested_start(&practice, patch.starts_at, patch.local_start, patch.fold)?
        .unwrap_or(b.starts_at);
    let length = patch
        .duration_minutes
        .map_or(b.ends_at - b.starts_at, |d| Duration::minutes(i64::from(d)));
    let ends_at = starts_at + length;
    let shift = starts_at - b.starts_at;
    let txn = state.db.begin().await?;
    lock_for_booking(&txn, &[b.practitioner_id]).await?;
    if let Some(why) = overlap(
        &txn,
        &practice,
        b.practitioner_id,
        starts_at,
        ends_at,
        Some(b.id),
    )
    .await?
    {
        return Err(ApiError::with_detail(ErrorCode::SlotConflict, why));
    }
    let inside = booked_into(&txn, b.id).await?;
    for a in inside {
        let (s, e) = if kind == BlockKind::Group {
            (starts_at, ends_at)
        } else {
            (a.starts_at + shift, a.ends_at + shift)
        };
        if s < starts_at || e > ends_at {
            return Err(ApiError::with_detail(
                ErrorCode::SlotConflict,
                "An appointment booked into the block would no longer fit in it.",
            ));
        }
        move_appointment(&txn, a, s, e).await?;
    }
    let capacity = match (kind, patch.capacity) {
        (BlockKind::Group, Some(c)) => c as i32,
        _ => b.capacity,
    };
    let saved = save(&txn, b, patch.label, starts_at, ends_at, capacity).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CalendarBlockUpdate)
                .resource("calendar_block", saved.id),
        )
        .await?;
    let wire = to_wire_many(&state.db, &practice, vec![saved]).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(wire[0].version)))
        .json(&wire[0]))
}

/// Release held time. A block with appointments booked into it stays until they are moved or
/// cancelled (`409 conflict`).
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["schedule:write"])),
    responses((status = 204), (status = 409, body = api_types::Problem))
)]
#[delete("/calendar-blocks/{id}")]
async fn delete_block(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let b = find(&txn, *id).await?.ok_or_else(ApiError::not_found)?;
    if holds_bookings(&txn, b.id).await? {
        return Err(ApiError::conflict(
            "Patients are booked into this block: move or cancel their appointments first.",
        ));
    }
    remove(&txn, b.id).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CalendarBlockDelete)
                .resource("calendar_block", b.id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One block.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<calendar_block::Model>> {
    Ok(calendar_block::Entity::find_by_id(id).one(db).await?)
}

/// A new block at version 1; only a group session keeps a capacity.
async fn add(
    db: &impl ConnectionTrait,
    input: &NewCalendarBlock,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    created_by: Option<Uuid>,
) -> ApiResult<calendar_block::Model> {
    let now = Utc::now();
    Ok(calendar_block::ActiveModel {
        id: Set(Uuid::now_v7()),
        practitioner_id: Set(input.practitioner_id),
        kind: Set(input.kind.as_str().into()),
        label: Set(input.label.trim().to_owned()),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        capacity: Set(if input.kind == BlockKind::Group {
            input.capacity as i32
        } else {
            0
        }),
        created_by: Set(created_by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?)
}

/// The appointments booked into the block and not cancelled.
async fn booked_into(
    db: &impl ConnectionTrait,
    block_id: Uuid,
) -> ApiResult<Vec<appointment::Model>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::BlockId.eq(block_id))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .all(db)
        .await?)
}

/// Whether any appointment not cancelled is booked into the block.
async fn holds_bookings(db: &impl ConnectionTrait, block_id: Uuid) -> ApiResult<bool> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::BlockId.eq(block_id))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .one(db)
        .await?
        .is_some())
}

/// Moves an appointment booked into a block to `starts_at`..`ends_at`, its buffers with it, at
/// the next version.
async fn move_appointment(
    db: &impl ConnectionTrait,
    a: appointment::Model,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> ApiResult<()> {
    let before = Duration::minutes(i64::from(a.buffer_before_minutes));
    let after = Duration::minutes(i64::from(a.buffer_after_minutes));
    let version = a.version;
    let mut m: appointment::ActiveModel = a.into();
    m.starts_at = Set(starts_at);
    m.ends_at = Set(ends_at);
    m.busy_from = Set(starts_at - before);
    m.busy_to = Set(ends_at + after);
    m.version = Set(version + 1);
    m.updated_at = Set(Utc::now());
    m.update(db).await?;
    Ok(())
}

/// Saves the block's new time, capacity and (when given) label at the next version.
async fn save(
    db: &impl ConnectionTrait,
    b: calendar_block::Model,
    label: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i32,
) -> ApiResult<calendar_block::Model> {
    let version = b.version;
    let mut m: calendar_block::ActiveModel = b.into();
    if let Some(l) = label {
        m.label = Set(l.trim().to_owned());
    }
    m.starts_at = Set(starts_at);
    m.ends_at = Set(ends_at);
    m.capacity = Set(capacity);
    m.version = Set(version + 1);
    m.updated_at = Set(Utc::now());
    Ok(m.update(db).await?)
}

/// Removes a block.
async fn remove(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    calendar_block::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}
