//! When practitioners take bookings: weekly windows, their exceptions (leave, extra hours),
//! practice closures and public holidays, and the time they add up to on given days.
//!
//! For each day: the weekly windows that apply (none on a public holiday, unless the
//! practitioner works public holidays), plus extra hours, less leave and practice closures.
//! Extra hours on a holiday are taken as the practitioner's choice to work it; a closure shuts
//! the practice whatever else says.

use std::collections::{HashMap, HashSet};

use actix_web::{delete, get, post, put, web, HttpResponse};
use api_types::scheduling::{
    Availability, AvailabilityException, AvailabilityInput, ClockTime, Closure, ClosureInput,
    DateRangeQuery, ExceptionKind, Holiday, LocalSpan, Practitioner, TimeOff, TimeOffKind, Weekday,
    WeeklyWindow,
};
use api_types::{FieldError, Permission};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::scheduling::{
    availability_exception as exception, availability_rule as rule, practice_closure as closure,
    practitioner_schedule as schedule,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::slots::{normalize, subtract, Interval};
use super::time::{self, Edge};
use super::{holidays, Practice};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::Query;
use crate::platform::{ApiError, ApiResult};
use crate::users::queries::{self as users, UserRecord};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_practitioners)
        .service(get_availability)
        .service(put_availability)
        .service(list_holidays)
        .service(list_closures)
        .service(create_closure)
        .service(delete_closure);
}

/// One practitioner's rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub works_public_holidays: bool,
    pub weekly: Vec<WeeklyWindow>,
    pub exceptions: Vec<AvailabilityException>,
    pub updated_at: Option<DateTime<Utc>>,
}

fn clock(minute: Option<i32>) -> Option<ClockTime> {
    minute.and_then(|m| u16::try_from(m).ok()).map(ClockTime)
}

/// The rules of each practitioner in `ids`, with exceptions that touch `from`..=`to` (all of
/// them when no range is given).
pub async fn load_rules(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    range: Option<(NaiveDate, NaiveDate)>,
) -> ApiResult<HashMap<Uuid, Rules>> {
    let mut out: HashMap<Uuid, Rules> = ids.iter().map(|id| (*id, Rules::default())).collect();
    let id_list = ids.to_vec();
    for s in schedule::Entity::find()
        .filter(schedule::Column::UserId.is_in(id_list.clone()))
        .all(db)
        .await?
    {
        if let Some(r) = out.get_mut(&s.user_id) {
            r.works_public_holidays = s.works_public_holidays;
            r.updated_at = Some(s.updated_at);
        }
    }
    for w in rule::Entity::find()
        .filter(rule::Column::UserId.is_in(id_list.clone()))
        .order_by_asc(rule::Column::Weekday)
        .order_by_asc(rule::Column::StartMinute)
        .all(db)
        .await?
    {
        let (Some(r), Some(weekday), Some(start), Some(end)) = (
            out.get_mut(&w.user_id),
            u8::try_from(w.weekday).ok().and_then(Weekday::from_number),
            clock(Some(w.start_minute)),
            clock(Some(w.end_minute)),
        ) else {
            continue;
        };
        r.weekly.push(WeeklyWindow {
            weekday,
            start,
            end,
            effective_from: w.effective_from,
            effective_until: w.effective_until,
        });
    }
    let mut select = exception::Entity::find().filter(exception::Column::UserId.is_in(id_list));
    if let Some((from, to)) = range {
        select = select
            .filter(exception::Column::EndDate.gte(from))
            .filter(exception::Column::StartDate.lte(to));
    }
    for x in select
        .order_by_asc(exception::Column::StartDate)
        .all(db)
        .await?
    {
        let (Some(r), Some(kind)) = (out.get_mut(&x.user_id), ExceptionKind::parse(&x.kind)) else {
            continue;
        };
        r.exceptions.push(AvailabilityException {
            kind,
            start_date: x.start_date,
            end_date: x.end_date,
            start_time: clock(x.start_minute),
            end_time: clock(x.end_minute),
            reason: x.reason,
        });
    }
    Ok(out)
}

/// What applies to everyone over a range of days: the time zone, public holidays and closures.
pub struct Days {
    pub tz: Tz,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub holidays: Vec<Holiday>,
    pub closures: Vec<closure::Model>,
}

impl Days {
    pub async fn load(
        db: &impl ConnectionTrait,
        practice: &Practice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ApiResult<Days> {
        let closures = closure::Entity::find()
            .filter(closure::Column::EndDate.gte(from))
            .filter(closure::Column::StartDate.lte(to))
            .order_by_asc(closure::Column::StartDate)
            .all(db)
            .await?;
        Ok(Days {
            tz: practice.tz,
            from,
            to,
            holidays: holidays::between(practice.rules.holiday_region, from, to),
            closures,
        })
    }

    fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    fn whole_days(&self, first: NaiveDate, last: NaiveDate) -> Interval {
        let last = last.min(self.to);
        let first = first.max(self.from);
        Interval::new(
            time::day_start(self.tz, first),
            time::day_start(self.tz, last.succ_opt().unwrap_or(last)),
        )
    }
}

/// One practitioner's time over the days: when they take bookings, and the time off inside
/// their usual hours (or whole days) with why.
pub struct Computed {
    pub available: Vec<Interval>,
    pub time_off: Vec<(TimeOffKind, Interval, String)>,
}

/// Adds up a practitioner's time over `days`.
pub fn compute(days: &Days, rules: &Rules) -> Computed {
    let tz = days.tz;
    let holiday_dates: HashMap<NaiveDate, &str> = days
        .holidays
        .iter()
        .map(|h| (h.date, h.name.as_str()))
        .collect();
    let mut working = Vec::new();
    let mut extra = Vec::new();
    let mut leave = Vec::new();
    let mut time_off = Vec::new();
    for date in days.dates() {
        let holiday = holiday_dates.get(&date).copied();
        let off_for_holiday = holiday.is_some() && !rules.works_public_holidays;
        for w in rules.weekly.iter().filter(|w| w.applies_on(date)) {
            let span = Interval::new(
                time::at(tz, date, w.start, Edge::Start),
                time::at(tz, date, w.end, Edge::End),
            );
            if !off_for_holiday {
                working.push(span);
            }
        }
        if let (true, Some(name)) = (off_for_holiday, holiday) {
            time_off.push((
                TimeOffKind::Holiday,
                days.whole_days(date, date),
                name.to_owned(),
            ));
        }
        for x in rules
            .exceptions
            .iter()
            .filter(|x| x.start_date <= date && date <= x.end_date)
        {
            let span = match (x.start_time, x.end_time) {
                (Some(s), Some(e)) => Interval::new(
                    time::at(tz, date, s, Edge::Start),
                    time::at(tz, date, e, Edge::End),
                ),
                _ => days.whole_days(date, date),
            };
            match x.kind {
                ExceptionKind::Available => extra.push(span),
                ExceptionKind::Unavailable => {
                    leave.push(span);
                    time_off.push((
                        TimeOffKind::Leave,
                        span,
                        x.reason.clone().unwrap_or_else(|| "Unavailable".into()),
                    ));
                }
            }
        }
    }
    for c in &days.closures {
        let span = days.whole_days(c.start_date, c.end_date);
        leave.push(span);
        time_off.push((TimeOffKind::Closure, span, c.reason.clone()));
    }
    working.extend(extra);
    let available = subtract(&normalize(working), &normalize(leave));
    Computed {
        available,
        time_off,
    }
}

/// Dates whose local days cover `from`..`to` (instants).
pub fn dates_covering(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    // A day either side: a window edge on a DST day can reach into its neighbour.
    let first = time::local_date(tz, from)
        .pred_opt()
        .unwrap_or(NaiveDate::MIN);
    let last = time::local_date(tz, to)
        .succ_opt()
        .unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// Whether the practitioner takes bookings for the whole of `span`.
pub async fn is_available(
    db: &impl ConnectionTrait,
    practice: &Practice,
    practitioner_id: Uuid,
    span: Interval,
) -> ApiResult<bool> {
    let (from, to) = dates_covering(practice.tz, span.start, span.end);
    let days = Days::load(db, practice, from, to).await?;
    let rules = load_rules(db, &[practitioner_id], Some((from, to)))
        .await?
        .remove(&practitioner_id)
        .unwrap_or_default();
    Ok(compute(&days, &rules)
        .available
        .iter()
        .any(|a| a.contains(&span)))
}

pub fn local_span(tz: Tz, i: &Interval) -> LocalSpan {
    LocalSpan {
        start: time::local(tz, i.start),
        end: time::local(tz, i.end),
    }
}

pub fn to_time_off(tz: Tz, (kind, i, label): &(TimeOffKind, Interval, String)) -> TimeOff {
    TimeOff {
        kind: *kind,
        start: time::local(tz, i.start),
        end: time::local(tz, i.end),
        label: label.clone(),
    }
}

/// A practitioner for booking, or 404 when the id is not someone patients can book.
pub async fn bookable(state: &AppState, id: Uuid) -> ApiResult<UserRecord> {
    users::find(&state.db, &state.crypto, id)
        .await?
        .filter(users::is_bookable)
        .ok_or_else(ApiError::not_found)
}

/// The practitioners, each with the types they offer and whether they work public holidays.
pub async fn practitioners(state: &AppState) -> ApiResult<Vec<Practitioner>> {
    let staff = users::bookable(&state.db, &state.crypto).await?;
    let ids: Vec<Uuid> = staff.iter().map(|u| u.model.id).collect();
    let schedules: HashMap<Uuid, bool> = schedule::Entity::find()
        .filter(schedule::Column::UserId.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.user_id, s.works_public_holidays))
        .collect();
    let mut offers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (type_id, users) in super::types::offered_by(&state.db, None).await? {
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
async fn list_practitioners(
    principal: Authorized<require::SignedIn>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<Practitioner>>> {
    let mut list = practitioners(&state).await?;
    if !principal.has(Permission::ScheduleRead) {
        let online: HashSet<Uuid> = super::types::all(&state.db)
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
async fn get_availability(
    _auth: Authorized<require::ScheduleRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Availability>> {
    bookable(&state, *id).await?;
    Ok(web::Json(availability_of(&state, *id).await?))
}

/// Exceptions with hours must name hours that exist on each of their days.
fn check_exception_times(tz: Tz, input: &AvailabilityInput) -> Result<(), Vec<FieldError>> {
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
                        time::resolve(tz, local, Some(api_types::scheduling::Fold::Earlier)),
                        Err(time::LocalTimeError::Nonexistent { .. })
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
async fn put_availability(
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
    check_exception_times(practice.tz, &input).map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    schedule::Entity::insert(schedule::ActiveModel {
        user_id: Set(id),
        works_public_holidays: Set(input.works_public_holidays),
        updated_by: Set(auth.user_id()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(schedule::Column::UserId)
            .update_columns([
                schedule::Column::WorksPublicHolidays,
                schedule::Column::UpdatedBy,
                schedule::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    rule::Entity::delete_many()
        .filter(rule::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    exception::Entity::delete_many()
        .filter(exception::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    if !input.weekly.is_empty() {
        rule::Entity::insert_many(input.weekly.iter().map(|w| rule::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(id),
            weekday: Set(i16::from(w.weekday.number())),
            start_minute: Set(i32::from(w.start.minutes())),
            end_minute: Set(i32::from(w.end.minutes())),
            effective_from: Set(w.effective_from),
            effective_until: Set(w.effective_until),
        }))
        .exec(&txn)
        .await?;
    }
    if !input.exceptions.is_empty() {
        exception::Entity::insert_many(input.exceptions.iter().map(|x| exception::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(id),
            kind: Set(x.kind.as_str().into()),
            start_date: Set(x.start_date),
            end_date: Set(x.end_date),
            start_minute: Set(x.start_time.map(|t| i32::from(t.minutes()))),
            end_minute: Set(x.end_time.map(|t| i32::from(t.minutes()))),
            reason: Set(x.reason.clone().filter(|r| !r.trim().is_empty())),
        }))
        .exec(&txn)
        .await?;
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "availability.update")
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

/// The range asked for, defaulting to a year from today (practice time).
fn range(practice: &Practice, q: &DateRangeQuery) -> ApiResult<(NaiveDate, NaiveDate)> {
    let from = q
        .from
        .unwrap_or_else(|| time::local_date(practice.tz, Utc::now()));
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
    let days = Days::load(&state.db, &practice, from, to).await?;
    Ok(web::Json(closures_to_wire(&days.closures)))
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
    let model = closure::ActiveModel {
        id: Set(Uuid::now_v7()),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        reason: Set(input.reason.trim().to_owned()),
        created_by: Set(auth.user_id()),
        created_at: Set(Utc::now()),
    };
    let txn = state.db.begin().await?;
    let created = closure::Entity::insert(model)
        .exec_with_returning(&txn)
        .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "closure.create").resource("closure", created.id),
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
    let deleted = closure::Entity::delete_by_id(*id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::not_found());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "closure.delete").resource("closure", *id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Australia::Sydney;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn window(weekday: Weekday, start: &str, end: &str) -> WeeklyWindow {
        WeeklyWindow {
            weekday,
            start: ClockTime::parse(start).unwrap(),
            end: ClockTime::parse(end).unwrap(),
            effective_from: None,
            effective_until: None,
        }
    }

    fn days(from: NaiveDate, to: NaiveDate) -> Days {
        Days {
            tz: Sydney,
            from,
            to,
            holidays: holidays::between(api_types::scheduling::HolidayRegion::Nsw, from, to),
            closures: Vec::new(),
        }
    }

    #[test]
    fn local_hours_stay_local_across_daylight_saving() {
        // Sunday windows either side of the October 2026 change: 09:00 Sydney is 23:00 UTC
        // the day before in winter, 22:00 in summer.
        let rules = Rules {
            weekly: vec![window(Weekday::Sunday, "09:00", "12:00")],
            ..Rules::default()
        };
        let c = compute(&days(d(2026, 9, 27), d(2026, 10, 4)), &rules);
        let starts: Vec<String> = c
            .available
            .iter()
            .map(|i| i.start.format("%Y-%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(starts, ["2026-09-26 23:00", "2026-10-03 22:00"]);
    }

    #[test]
    fn holidays_close_unless_the_practitioner_works_them() {
        // Monday 28 December 2026 is a public holiday in NSW (Boxing Day falls on Saturday).
        let mut rules = Rules {
            weekly: vec![window(Weekday::Monday, "09:00", "17:00")],
            ..Rules::default()
        };
        let range = days(d(2026, 12, 28), d(2026, 12, 28));
        let c = compute(&range, &rules);
        assert!(c.available.is_empty());
        assert_eq!(c.time_off[0].0, TimeOffKind::Holiday);
        rules.works_public_holidays = true;
        assert_eq!(compute(&range, &rules).available.len(), 1);
    }

    #[test]
    fn leave_and_extra_hours_change_the_week() {
        let rules = Rules {
            weekly: vec![window(Weekday::Tuesday, "09:00", "17:00")],
            exceptions: vec![
                AvailabilityException {
                    kind: ExceptionKind::Unavailable,
                    start_date: d(2026, 12, 8),
                    end_date: d(2026, 12, 8),
                    start_time: ClockTime::parse("12:00"),
                    end_time: ClockTime::parse("14:00"),
                    reason: Some("Training".into()),
                },
                AvailabilityException {
                    kind: ExceptionKind::Available,
                    start_date: d(2026, 12, 12),
                    end_date: d(2026, 12, 12),
                    start_time: ClockTime::parse("08:00"),
                    end_time: ClockTime::parse("12:00"),
                    reason: None,
                },
            ],
            ..Rules::default()
        };
        let c = compute(&days(d(2026, 12, 7), d(2026, 12, 13)), &rules);
        let local: Vec<String> = c
            .available
            .iter()
            .map(|i| {
                format!(
                    "{}–{}",
                    time::local(Sydney, i.start).format("%a %H:%M"),
                    time::local(Sydney, i.end).format("%H:%M")
                )
            })
            .collect();
        assert_eq!(
            local,
            ["Tue 09:00–12:00", "Tue 14:00–17:00", "Sat 08:00–12:00"]
        );
    }
}
