//! Appointment types: what can be booked, for how long, at what price, and with whom.

use api_types::audit::AuditAction;
use std::collections::HashMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use api_types::scheduling::{
    AppointmentMode, AppointmentType, AppointmentTypeInput, AppointmentTypePatch,
    AppointmentTypeQuery,
};
use api_types::Permission;
use chrono::Utc;
use entity::scheduling::{appointment_type, appointment_type_practitioner as offered};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::{check_if_match, etag, Query};
use crate::platform::UserId;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_types)
        .service(create_type)
        .service(get_type)
        .service(update_type);
}

/// Who offers each type.
pub async fn offered_by(
    db: &impl ConnectionTrait,
    type_ids: Option<&[Uuid]>,
) -> ApiResult<HashMap<Uuid, Vec<Uuid>>> {
    let mut select = offered::Entity::find();
    if let Some(ids) = type_ids {
        select = select.filter(offered::Column::AppointmentTypeId.is_in(ids.iter().copied()));
    }
    let mut map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in select.all(db).await? {
        map.entry(row.appointment_type_id)
            .or_default()
            .push(row.user_id);
    }
    Ok(map)
}

pub fn to_wire(m: appointment_type::Model, practitioner_ids: Vec<Uuid>) -> AppointmentType {
    AppointmentType {
        id: m.id,
        name: m.name,
        description: m.description,
        duration_minutes: u32::try_from(m.duration_minutes).unwrap_or(0),
        colour: m.colour,
        price_cents: m.price_cents,
        buffer_before_minutes: u32::try_from(m.buffer_before_minutes).unwrap_or(0),
        buffer_after_minutes: u32::try_from(m.buffer_after_minutes).unwrap_or(0),
        mode: AppointmentMode::parse(&m.mode).unwrap_or_default(),
        online_bookable: m.online_bookable,
        active: m.active,
        practitioner_ids,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn to_input(t: &AppointmentType) -> AppointmentTypeInput {
    AppointmentTypeInput {
        name: t.name.clone(),
        description: t.description.clone(),
        duration_minutes: t.duration_minutes,
        colour: t.colour.clone(),
        price_cents: t.price_cents,
        buffer_before_minutes: t.buffer_before_minutes,
        buffer_after_minutes: t.buffer_after_minutes,
        mode: t.mode,
        online_bookable: t.online_bookable,
        active: t.active,
        practitioner_ids: t.practitioner_ids.clone(),
    }
}

/// One type, with who offers it.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<AppointmentType> {
    let m = appointment_type::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut offered = offered_by(db, Some(&[id])).await?;
    Ok(to_wire(m, offered.remove(&id).unwrap_or_default()))
}

/// Every type, in name order.
pub async fn all(db: &impl ConnectionTrait) -> ApiResult<Vec<AppointmentType>> {
    let rows = appointment_type::Entity::find()
        .order_by_asc(appointment_type::Column::Name)
        .all(db)
        .await?;
    let mut offered = offered_by(db, None).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let ids = offered.remove(&m.id).unwrap_or_default();
            to_wire(m, ids)
        })
        .collect())
}

/// Checks that every practitioner named can be booked.
async fn check_practitioners(state: &AppState, ids: &[Uuid]) -> ApiResult<()> {
    for (i, id) in ids.iter().enumerate() {
        let ok = users::find(&state.db, &state.crypto, UserId(*id))
            .await?
            .is_some_and(|u| users::is_bookable(&u));
        if !ok {
            return Err(ApiError::field(
                &format!("practitioner_ids[{i}]"),
                "not_bookable",
                "This is not an active practitioner or nurse.",
            ));
        }
    }
    Ok(())
}

/// The columns an input sets.
fn fields(input: &AppointmentTypeInput) -> appointment_type::ActiveModel {
    appointment_type::ActiveModel {
        name: Set(input.name.trim().to_owned()),
        description: Set(input.description.clone()),
        duration_minutes: Set(input.duration_minutes as i32),
        colour: Set(input.colour.to_lowercase()),
        price_cents: Set(input.price_cents),
        buffer_before_minutes: Set(input.buffer_before_minutes as i32),
        buffer_after_minutes: Set(input.buffer_after_minutes as i32),
        mode: Set(input.mode.as_str().into()),
        online_bookable: Set(input.online_bookable),
        active: Set(input.active),
        ..Default::default()
    }
}

async fn write_offered(
    db: &impl ConnectionTrait,
    type_id: Uuid,
    practitioner_ids: &[Uuid],
) -> ApiResult<()> {
    offered::Entity::delete_many()
        .filter(offered::Column::AppointmentTypeId.eq(type_id))
        .exec(db)
        .await?;
    let mut ids = practitioner_ids.to_vec();
    ids.sort();
    ids.dedup();
    if !ids.is_empty() {
        offered::Entity::insert_many(ids.into_iter().map(|user_id| offered::ActiveModel {
            appointment_type_id: Set(type_id),
            user_id: Set(user_id),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Appointment types, in name order. Patients see only the active ones they may book online.
#[utoipa::path(
    tag = "scheduling",
    params(AppointmentTypeQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AppointmentType>))
)]
#[get("/appointment-types")]
async fn list_types(
    principal: Authorized<require::SignedIn>,
    state: web::Data<AppState>,
    query: Query<AppointmentTypeQuery>,
) -> ApiResult<web::Json<Vec<AppointmentType>>> {
    let staff = principal.has(Permission::ScheduleRead);
    let include_inactive = staff && query.include_inactive.unwrap_or(false);
    let types = all(&state.db)
        .await?
        .into_iter()
        .filter(|t| include_inactive || t.active)
        .filter(|t| staff || t.online_bookable)
        .filter(|t| {
            query
                .practitioner_id
                .is_none_or(|p| t.practitioner_ids.contains(&p))
        })
        .collect();
    Ok(web::Json(types))
}

/// Create an appointment type.
#[utoipa::path(
    tag = "scheduling",
    request_body = AppointmentTypeInput,
    security(("bearer" = ["schedule:manage"])),
    responses((status = 201, body = AppointmentType))
)]
#[post("/appointment-types")]
async fn create_type(
    auth: Authorized<require::ScheduleManage>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<AppointmentTypeInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    input.validate().map_err(ApiError::Validation)?;
    check_practitioners(&state, &input.practitioner_ids).await?;
    let id = Uuid::now_v7();
    let txn = state.db.begin().await?;
    add(&txn, id, &input).await?;
    write_offered(&txn, id, &input.practitioner_ids).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::AppointmentTypeCreate)
                .resource("appointment_type", id),
        )
        .await?;
    let created = get(&state.db, id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("ETag", etag(created.version)))
        .json(created))
}

/// One appointment type. Patients may read only those they can book online.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = AppointmentType))
)]
#[get("/appointment-types/{id}")]
async fn get_type(
    principal: Authorized<require::SignedIn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let t = get(&state.db, *id).await?;
    let bookable_online = t.online_bookable && t.active;
    if !(principal.has(Permission::ScheduleRead) || bookable_online) {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(t.version)))
        .json(t))
}

/// Change an appointment type. Appointments already booked keep their times and buffers.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    request_body = AppointmentTypePatch,
    security(("bearer" = ["schedule:manage"])),
    responses((status = 200, body = AppointmentType), (status = 412, body = api_types::Problem))
)]
#[patch("/appointment-types/{id}")]
async fn update_type(
    auth: Authorized<require::ScheduleManage>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AppointmentTypePatch>,
) -> ApiResult<HttpResponse> {
    let current = get(&state.db, *id).await?;
    check_if_match(&req, current.version)?;
    let mut input = to_input(&current);
    body.into_inner().apply(&mut input);
    input.validate().map_err(ApiError::Validation)?;
    check_practitioners(&state, &input.practitioner_ids).await?;
    let txn = state.db.begin().await?;
    if !change(&txn, *id, current.version, &input).await? {
        return Err(ApiError::with_detail(
            api_types::ErrorCode::PreconditionFailed,
            "Someone else changed this appointment type; reload it and try again.",
        ));
    }
    write_offered(&txn, *id, &input.practitioner_ids).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::AppointmentTypeUpdate)
                .resource("appointment_type", *id),
        )
        .await?;
    let t = get(&state.db, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(t.version)))
        .json(t))
}

/// A new appointment type, saved at version 1.
async fn add(db: &impl ConnectionTrait, id: Uuid, input: &AppointmentTypeInput) -> ApiResult<()> {
    let now = Utc::now();
    appointment_type::ActiveModel {
        id: Set(id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..fields(input)
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Writes the input over the type if it is still at `version`, moving it to the next version;
/// `false` when someone else changed it first.
async fn change(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    input: &AppointmentTypeInput,
) -> ApiResult<bool> {
    let updated = appointment_type::Entity::update_many()
        .set(appointment_type::ActiveModel {
            version: Set(version + 1),
            updated_at: Set(Utc::now()),
            ..fields(input)
        })
        .filter(appointment_type::Column::Id.eq(id))
        .filter(appointment_type::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}
