//! The practitioners patients can book, and the endpoints that read and replace a
//! practitioner's availability.

use api_types::audit::AuditAction;
use std::collections::{HashMap, HashSet};

use crate::platform::UserId;
use crate::settings::Clock;
use actix_web::{get, put, web};
use api_types::scheduling::{Availability, AvailabilityInput, ClockTime, Practitioner};
use api_types::{FieldError, Permission};
use chrono::Duration;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries::{self, load_rules};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::{types, Practice};
use crate::users::{self, UserRecord};
use crate::AppState;

/// A practitioner for booking, or 404 when the id is not someone patients can book.
pub async fn bookable(state: &AppState, id: Uuid) -> ApiResult<UserRecord> {
    users::find(&state.db, &state.crypto, UserId(id))
        .await?
        .filter(users::is_bookable)
        .ok_or_else(ApiError::not_found)
}

/// The practitioners, each with the types they offer and whether they work public holidays.
pub async fn practitioners(state: &AppState) -> ApiResult<Vec<Practitioner>> {
    let staff = users::bookable(&state.db, &state.crypto).await?;
    let ids: Vec<Uuid> = staff.iter().map(|u| u.model.id).collect();
    let schedules: HashMap<Uuid, bool> = queries::works_public_holidays(&state.db, ids).await?;
    let mut offers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (type_id, users) in types::offered_by(&state.db, None).await? {
        for u in users {
            offers.entry(u).or_default().push(type_id);
        }
    }
    Ok(staff
        .into_iter()
        .map(|u| Practitioner {
            id: u.model.id,
            works_public_holidays: schedules.get(&u.model.id).copied().unwrap_or(false),
            appointment_type_ids: offers.remove(&u.model.id).unwrap_or_default(),
            name: u.name,
            role: u.role,
        })
        .collect())
}

/// The people patients can book: practitioners and nurses, with the appointment types they
/// offer. Patients see those who offer a type they may book online.
#[utoipa::path(
    tag = "scheduling",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Practitioner>))
)]
#[get("/practitioners")]
pub(super) async fn list_practitioners(
    principal: Authorized<require::SignedIn>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<Practitioner>>> {
    let mut list = practitioners(&state).await?;
    if !principal.has(Permission::ScheduleRead) {
        let online: HashSet<Uuid> = types::all(&state.db)
            .await?
            .into_iter()
            .filter(|t| t.active && t.online_bookable)
            .map(|t| t.id)
            .collect();
        list.retain_mut(|p| {
            p.appointment_type_ids.retain(|t| online.contains(t));
            !p.appointment_type_ids.is_empty()
        });
    }
    Ok(web::Json(list))
}

async fn availability_of(state: &AppState, id: Uuid) -> ApiResult<Availability> {
    let practice = Practice::load(&state.db).await?;
    let rules = load_rules(&state.db, &[id], None)
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Availability {
        practitioner_id: id,
        time_zone: practice.rules.time_zone,
        works_public_holidays: rules.works_public_holidays,
        weekly: rules.weekly,
        exceptions: rules.exceptions,
        updated_at: rules.updated_at,
    })
}

/// A practitioner's weekly hours, exceptions (leave and extra hours), and whether they take
/// bookings on public holidays. Times are wall-clock times in the practice's time zone.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id")),
    security(("bearer" = ["schedule:read"])),
    responses((status = 200, body = Availability))
)]
#[get("/practitioners/{id}/availability")]
pub(super) async fn get_availability(
    _auth: Authorized<require::ScheduleRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Availability>> {
    bookable(&state, *id).await?;
    Ok(web::Json(availability_of(&state, *id).await?))
}

/// Exceptions with hours must name hours that exist on each of their days.
fn check_exception_times(tz: Clock, input: &AvailabilityInput) -> Result<(), Vec<FieldError>> {
    let mut errors = api_types::validation::Errors::default();
    for (i, x) in input.exceptions.iter().enumerate() {
        for (field, value) in [("start_time", x.start_time), ("end_time", x.end_time)] {
            let Some(t) = value.filter(|t| *t != ClockTime::END_OF_DAY) else {
                continue;
            };
            let missing = x
                .start_date
                .iter_days()
                .take_while(|d| *d <= x.end_date)
                .find(|d| {
                    let local = d.and_time(chrono::NaiveTime::MIN)
                        + Duration::minutes(i64::from(t.minutes()));
                    matches!(
                        tz.resolve(local, Some(api_types::scheduling::Fold::Earlier)),
                        Err(crate::settings::LocalTimeError::Nonexistent { .. })
                    )
                });
            if let Some(day) = missing {
                errors.push(
                    &format!("exceptions[{i}].{field}"),
                    "nonexistent_local_time",
                    format!(
                        "{t} does not exist on {} in {}: the clocks go forward. Choose another time.",
                        day.format("%-d %B %Y"),
                        tz.name()
                    ),
                );
            }
        }
    }
    errors.finish()
}

/// Replace a practitioner's availability. Practitioners and nurses set their own; changing
/// someone else's needs `schedule:manage`. Bookings already made are kept.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path, description = "The practitioner's user id")),
    request_body = AvailabilityInput,
    security(("bearer" = ["schedule:write"])),
    responses((status = 200, body = Availability))
)]
#[put("/practitioners/{id}/availability")]
pub(super) async fn put_availability(
    auth: Authorized<require::ScheduleWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AvailabilityInput>,
) -> ApiResult<web::Json<Availability>> {
    let id = *id;
    if auth.user_id() != Some(id) && !auth.has(Permission::ScheduleManage) {
        return Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "You may change only your own availability.",
        ));
    }
    bookable(&state, id).await?;
    let input = body.into_inner();
    input.validate().map_err(ApiError::Validation)?;
    let practice = Practice::load(&state.db).await?;
    check_exception_times(practice.clock, &input).map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    queries::replace(&txn, id, auth.user_id(), &input).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::AvailabilityUpdate)
                .resource("practitioner", id)
                .detail(format!(
                    "weekly={} exceptions={}",
                    input.weekly.len(),
                    input.exceptions.len()
                )),
        )
        .await?;
    Ok(web::Json(availability_of(&state, id).await?))
}
