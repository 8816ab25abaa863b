//! The calendar view: for a range of days, every practitioner's available time and time off,
//! public holidays, closures, appointments and blocks, in one answer laid out in the practice's
//! wall-clock time.

use actix_web::{get, web};
use api_types::audit::AuditAction;
use api_types::scheduling::{
    CalendarColumn, CalendarQuery, CalendarView, MAX_CALENDAR_APPOINTMENTS, MAX_RANGE_DAYS,
};
use chrono::{DateTime, Utc};
use entity::scheduling::appointment;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::appointments::{to_wire_many, Viewer};
use super::availability::{compute, load_rules, local_span, practitioners, to_time_off, Days};
use super::closures::closures_to_wire;
use super::{blocks, Practice};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::Query;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(calendar_view);
}

/// Everything a calendar shows for `from`..=`to` (at most 62 days), for the practitioners
/// named (all bookable ones by default): when each takes bookings and their time off, public
/// holidays, closures, appointments (cancelled ones included, for the record) and blocks. Times
/// are given in the practice's wall-clock time as well as UTC.
#[utoipa::path(
    tag = "scheduling",
    params(CalendarQuery),
    security(("bearer" = ["schedule:read"])),
    responses((status = 200, body = CalendarView))
)]
#[get("/calendar")]
async fn calendar_view(
    auth: Authorized<require::ScheduleRead>,
    state: web::Data<AppState>,
    query: Query<CalendarQuery>,
) -> ApiResult<web::Json<CalendarView>> {
    let q = query.into_inner();
    if q.to < q.from || (q.to - q.from).num_days() > MAX_RANGE_DAYS {
        return Err(ApiError::field(
            "to",
            "out_of_range",
            format!("Show 1 to {MAX_RANGE_DAYS} days, ending on or after the first."),
        ));
    }
    let wanted: Option<Vec<Uuid>> = match q.practitioner_ids.as_deref().filter(|s| !s.is_empty()) {
        Some(list) => Some(
            list.split(',')
                .map(|s| s.trim().parse::<Uuid>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    ApiError::field(
                        "practitioner_ids",
                        "invalid",
                        "Give practitioner ids separated by commas.",
                    )
                })?,
        ),
        None => None,
    };
    let practice = Practice::load(&state.db).await?;
    let days = Days::load(&state.db, &practice, q.from, q.to).await?;
    let mut people = practitioners(&state).await?;
    if let Some(w) = &wanted {
        people.retain(|p| w.contains(&p.id));
    }
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let rules = load_rules(&state.db, &ids, Some((q.from, q.to))).await?;
    let columns = people
        .into_iter()
        .map(|p| {
            let computed = rules.get(&p.id).map(|r| compute(&days, r));
            CalendarColumn {
                available: computed
                    .as_ref()
                    .map(|c| {
                        c.available
                            .iter()
                            .map(|i| local_span(practice.clock, i))
                            .collect()
                    })
                    .unwrap_or_default(),
                time_off: computed
                    .as_ref()
                    .map(|c| {
                        c.time_off
                            .iter()
                            .map(|t| to_time_off(practice.clock, t))
                            .collect()
                    })
                    .unwrap_or_default(),
                practitioner: p,
            }
        })
        .collect();
    let from = practice.clock.day_start(q.from);
    let to = practice.clock.day_start(q.to.succ_opt().unwrap_or(q.to));
    let rows = appointments_between(&state.db, &ids, from, to).await?;
    let truncated = rows.len() as u64 > MAX_CALENDAR_APPOINTMENTS;
    let rows: Vec<_> = rows
        .into_iter()
        .take(MAX_CALENDAR_APPOINTMENTS as usize)
        .collect();
    let patient_ids: std::collections::BTreeSet<Uuid> = rows.iter().map(|a| a.patient_id).collect();
    let appointments =
        to_wire_many(&state.db, &state.crypto, &practice, rows, Viewer::Staff).await?;
    let block_rows = blocks::between(&state.db, Some(&ids), from, to).await?;
    let blocks = blocks::to_wire_many(&state.db, &practice, block_rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::AppointmentList).detail(format!(
                "calendar appointments={} patients={}",
                appointments.len(),
                patient_ids
                    .iter()
                    .map(Uuid::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            )),
        )
        .await?;
    Ok(web::Json(CalendarView {
        time_zone: practice.rules.time_zone.clone(),
        from: q.from,
        to: q.to,
        now_local: practice.clock.local(Utc::now()),
        holidays: days.holidays.clone(),
        closures: closures_to_wire(&days.closures),
        columns,
        appointments,
        blocks,
        truncated,
    }))
}

/// The practitioners' appointments overlapping `from`..`to` (cancelled ones included), earliest
/// first, one more than the calendar shows so the caller can tell the answer was cut short.
async fn appointments_between(
    db: &impl ConnectionTrait,
    practitioner_ids: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<appointment::Model>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::PractitionerId.is_in(practitioner_ids.to_vec()))
        .filter(appointment::Column::StartsAt.lt(to))
        .filter(appointment::Column::EndsAt.gt(from))
        .order_by_asc(appointment::Column::StartsAt)
        .limit(MAX_CALENDAR_APPOINTMENTS + 1)
        .all(db)
        .await?)
}
