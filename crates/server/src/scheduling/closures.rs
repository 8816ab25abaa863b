//! Days off for everyone: the public holidays of the practice's state or territory, and the
//! closures of the whole practice (a Christmas shutdown, say), which nobody can be booked into.

use actix_web::{delete, get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::scheduling::{Closure, ClosureInput, DateRangeQuery, Holiday};
use chrono::{Duration, NaiveDate, Utc};
use entity::scheduling::practice_closure as closure;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{holidays, Practice};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::Query;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_holidays)
        .service(list_closures)
        .service(create_closure)
        .service(delete_closure);
}

/// The public holidays of the practice's state or territory (practice settings choose which).
#[utoipa::path(
    tag = "scheduling",
    params(DateRangeQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Holiday>))
)]
#[get("/holidays")]
async fn list_holidays(
    _principal: Authorized<require::SignedIn>,
    state: web::Data<AppState>,
    query: Query<DateRangeQuery>,
) -> ApiResult<web::Json<Vec<Holiday>>> {
    let practice = Practice::load(&state.db).await?;
    let (from, to) = range(&practice, &query)?;
    Ok(web::Json(holidays::between(
        practice.rules.holiday_region,
        from,
        to,
    )))
}

/// Days the whole practice is closed, overlapping the range.
#[utoipa::path(
    tag = "scheduling",
    params(DateRangeQuery),
    security(("bearer" = ["schedule:read"])),
    responses((status = 200, body = Vec<Closure>))
)]
#[get("/closures")]
async fn list_closures(
    _auth: Authorized<require::ScheduleRead>,
    state: web::Data<AppState>,
    query: Query<DateRangeQuery>,
) -> ApiResult<web::Json<Vec<Closure>>> {
    let practice = Practice::load(&state.db).await?;
    let (from, to) = range(&practice, &query)?;
    Ok(web::Json(closures_to_wire(
        &between(&state.db, from, to).await?,
    )))
}

/// Close the practice for some days: nobody can be booked then. Appointments already booked
/// stay; the calendar shows them over the closure so they can be moved.
#[utoipa::path(
    tag = "scheduling",
    request_body = ClosureInput,
    security(("bearer" = ["schedule:manage"])),
    responses((status = 201, body = Closure))
)]
#[post("/closures")]
async fn create_closure(
    auth: Authorized<require::ScheduleManage>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<ClosureInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    input.validate().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    let created = add(&txn, &input, auth.user_id()).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ClosureCreate).resource("closure", created.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(closure_to_wire(created)))
}

/// Reopen: remove a closure.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["schedule:manage"])),
    responses((status = 204))
)]
#[delete("/closures/{id}")]
async fn delete_closure(
    auth: Authorized<require::ScheduleManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    if !remove(&txn, *id).await? {
        return Err(ApiError::not_found());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ClosureDelete).resource("closure", *id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The range asked for, defaulting to a year from today (practice time).
fn range(practice: &Practice, q: &DateRangeQuery) -> ApiResult<(NaiveDate, NaiveDate)> {
    let from = q
        .from
        .unwrap_or_else(|| practice.clock.local_date(Utc::now()));
    let to = q.to.unwrap_or(from + Duration::days(365));
    if to < from {
        return Err(ApiError::field(
            "to",
            "end_before_start",
            "`to` must be on or after `from`.",
        ));
    }
    if (to - from).num_days() > 3 * 366 {
        return Err(ApiError::field(
            "to",
            "out_of_range",
            "Ask for at most three years.",
        ));
    }
    Ok((from, to))
}

/// The closures overlapping `from`..=`to`, earliest first.
pub async fn between(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<closure::Model>> {
    Ok(closure::Entity::find()
        .filter(closure::Column::EndDate.gte(from))
        .filter(closure::Column::StartDate.lte(to))
        .order_by_asc(closure::Column::StartDate)
        .all(db)
        .await?)
}

/// A new closure of the practice, saved with who closed it and when.
async fn add(
    db: &impl ConnectionTrait,
    input: &ClosureInput,
    created_by: Option<Uuid>,
) -> ApiResult<closure::Model> {
    let model = closure::ActiveModel {
        id: Set(Uuid::now_v7()),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        reason: Set(input.reason.trim().to_owned()),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
    };
    Ok(closure::Entity::insert(model)
        .exec_with_returning(db)
        .await?)
}

/// Removes a closure; `false` when there was none.
async fn remove(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<bool> {
    Ok(closure::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

fn closure_to_wire(c: closure::Model) -> Closure {
    Closure {
        id: c.id,
        start_date: c.start_date,
        end_date: c.end_date,
        reason: c.reason,
        created_at: c.created_at,
    }
}

pub fn closures_to_wire(list: &[closure::Model]) -> Vec<Closure> {
    list.iter().cloned().map(closure_to_wire).collect()
}
