//! Slot search: when an appointment type can be booked, with one practitioner or with anyone
//! who offers it. Everything the answer depends on is read in a handful of queries for the whole
//! range (rules, exceptions, closures, bookings and blocks of every practitioner at once), then
//! the arithmetic of [`super::slots`] runs in memory.

use api_types::audit::AuditAction;
use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web};
use api_types::scheduling::AppointmentStatus;
use api_types::scheduling::{Slot, SlotList, SlotQuery};
use api_types::{ErrorCode, Permission};
use chrono::{DateTime, Duration, Utc};
use entity::scheduling::{appointment, calendar_block};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::appointments::bound;
use super::availability::{compute, dates_covering, load_rules, Days};
use super::slots::{normalize, starts, Interval, Need};
use super::{types, Practice};
use crate::auth::{require, Authorized, Principal};
use crate::platform::http::Query;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(search_slots);
}

/// Busy time per practitioner over a range: bookings (buffers included) and held blocks.
pub async fn busy_by_practitioner(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<HashMap<Uuid, Vec<Interval>>> {
    let mut busy: HashMap<Uuid, Vec<Interval>> = HashMap::new();
    let rows: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::PractitionerId)
        .column(appointment::Column::BusyFrom)
        .column(appointment::Column::BusyTo)
        .filter(appointment::Column::PractitionerId.is_in(ids.iter().copied()))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .filter(appointment::Column::BusyFrom.lt(to))
        .filter(appointment::Column::BusyTo.gt(from))
        .into_tuple()
        .all(db)
        .await?;
    for (p, s, e) in rows {
        busy.entry(p).or_default().push(Interval::new(s, e));
    }
    let blocks: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)> = calendar_block::Entity::find()
        .select_only()
        .column(calendar_block::Column::PractitionerId)
        .column(calendar_block::Column::StartsAt)
        .column(calendar_block::Column::EndsAt)
        .filter(calendar_block::Column::PractitionerId.is_in(ids.iter().copied()))
        .filter(calendar_block::Column::StartsAt.lt(to))
        .filter(calendar_block::Column::EndsAt.gt(from))
        .into_tuple()
        .all(db)
        .await?;
    for (p, s, e) in blocks {
        busy.entry(p).or_default().push(Interval::new(s, e));
    }
    Ok(busy.into_iter().map(|(p, v)| (p, normalize(v))).collect())
}

/// The slots of a query, for the caller.
pub async fn find_slots(
    state: &AppState,
    principal: &Principal,
    q: &SlotQuery,
) -> ApiResult<SlotList> {
    let practice = Practice::load(&state.db).await?;
    let kind = match types::get(&state.db, q.appointment_type_id).await {
        Err(ApiError::Coded {
            code: ErrorCode::NotFound,
            ..
        }) => {
            return Err(ApiError::field(
                "appointment_type_id",
                "not_found",
                "There is no such appointment type.",
            ))
        }
        other => other?,
    };
    let staff = principal.has(Permission::ScheduleRead);
    let bookable_online = kind.online_bookable && kind.active;
    if !(staff || bookable_online) {
        return Err(ApiError::field(
            "appointment_type_id",
            "not_found",
            "There is no such appointment type.",
        ));
    }
    let now = Utc::now();
    let mut from = q.from.map_or(now, |b| bound(&practice, b, false));
    let mut to =
        q.to.map_or(from + Duration::days(14), |b| bound(&practice, b, true));
    if to <= from {
        return Err(ApiError::field(
            "to",
            "end_before_start",
            "`to` must be after `from`.",
        ));
    }
    if to - from > Duration::days(api_types::scheduling::MAX_RANGE_DAYS) {
        return Err(ApiError::field(
            "to",
            "out_of_range",
            format!(
                "Search at most {} days at a time.",
                api_types::scheduling::MAX_RANGE_DAYS
            ),
        ));
    }
    let mut not_before = now;
    if !staff {
        let online = &practice.rules.online_booking;
        not_before = now + Duration::hours(i64::from(online.min_notice_hours));
        to = to.min(now + Duration::days(i64::from(online.max_days_ahead)));
        if !online.enabled {
            to = from;
        }
    }
    from = from.max(not_before.min(to));
    let practitioners: Vec<Uuid> = match q.practitioner_id {
        Some(p) if kind.practitioner_ids.contains(&p) => vec![p],
        Some(_) => Vec::new(),
        None => kind.practitioner_ids.clone(),
    };
    let need = Need {
        length: Duration::minutes(i64::from(kind.duration_minutes)),
        before: Duration::minutes(i64::from(kind.buffer_before_minutes)),
        after: Duration::minutes(i64::from(kind.buffer_after_minutes)),
        step: Duration::minutes(i64::from(practice.rules.slot_interval_minutes)),
    };
    let mut by_start: BTreeMap<DateTime<Utc>, Vec<(usize, Uuid)>> = BTreeMap::new();
    if from < to && !practitioners.is_empty() {
        let (first, last) = dates_covering(practice.clock, from, to);
        let days = Days::load(&state.db, &practice, first, last).await?;
        let rules = load_rules(&state.db, &practitioners, Some((first, last))).await?;
        let reach = from - need.before - Duration::hours(12);
        let busy = busy_by_practitioner(&state.db, &practitioners, reach, to + need.after).await?;
        let patient_busy = match q.patient_id {
            Some(p) => patient_busy(&state.db, p, from, to + need.length).await?,
            None => Vec::new(),
        };
        for p in &practitioners {
            let Some(r) = rules.get(p) else { continue };
            let available = compute(&days, r).available;
            let empty = Vec::new();
            let taken = busy.get(p).unwrap_or(&empty);
            let load = taken.len();
            for s in starts(&available, taken, need, from, |t| {
                practice.clock.offset_seconds(t)
            }) {
                let appointment = Interval::new(s, s + need.length);
                let patient_free = !patient_busy.iter().any(|b| b.overlaps(&appointment));
                if appointment.end <= to && patient_free {
                    by_start.entry(s).or_default().push((load, *p));
                }
            }
        }
    }
    let slots = by_start
        .into_iter()
        .map(|(s, mut who)| {
            who.sort();
            Slot {
                starts_at: s,
                ends_at: s + need.length,
                local_start: practice.clock.local(s),
                practitioner_ids: who.into_iter().map(|(_, p)| p).collect(),
            }
        })
        .collect();
    Ok(SlotList {
        appointment_type_id: kind.id,
        duration_minutes: kind.duration_minutes,
        time_zone: practice.rules.time_zone,
        from,
        to,
        slots,
    })
}

async fn patient_busy(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<Interval>> {
    let rows: Vec<(DateTime<Utc>, DateTime<Utc>)> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::StartsAt)
        .column(appointment::Column::EndsAt)
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .filter(appointment::Column::StartsAt.lt(to))
        .filter(appointment::Column::EndsAt.gt(from))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(s, e)| Interval::new(s, e)).collect())
}

/// Bookable times for an appointment type over a range (dates in the practice's time zone or
/// instants; 14 days from now by default, at most 62): inside the practitioner's availability,
/// clear of other bookings and held time (buffers included), public holidays and closures, on
/// the practice's slot grid. Without `practitioner_id`, any practitioner who offers the type;
/// each slot lists who is free, least booked first. With `patient_id`, times the patient is
/// already booked are left out. Patients see the types they may book online, within the
/// practice's notice rules.
#[utoipa::path(
    tag = "scheduling",
    params(SlotQuery),
    security(("bearer" = [])),
    responses((status = 200, body = SlotList))
)]
#[get("/slots")]
async fn search_slots(
    principal: Authorized<require::SignedIn>,
    state: web::Data<AppState>,
    query: Query<SlotQuery>,
) -> ApiResult<web::Json<SlotList>> {
    let mut q = query.into_inner();
    if let Some(own) = principal.own_patient_id() {
        q.patient_id = Some(own);
    } else if !principal.has(Permission::ScheduleRead) {
        q.patient_id = None;
    }
    let slots = find_slots(&state, &principal, &q).await?;
    if let Some(patient) = q.patient_id {
        // The patient's own bookings shaped the answer.
        state
            .audit
            .record(
                crate::audit::AuditEntry::by(&principal, AuditAction::SlotsSearch).patient(patient),
            )
            .await?;
    }
    Ok(web::Json(slots))
}
