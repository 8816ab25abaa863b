//! Availability in the database: each practitioner's schedule (whether they work public
//! holidays), weekly windows and exceptions, read for many practitioners at once and replaced as
//! a whole.

use std::collections::HashMap;

use api_types::scheduling::{
    AvailabilityException, AvailabilityInput, ClockTime, ExceptionKind, Weekday, WeeklyWindow,
};
use chrono::{NaiveDate, Utc};
use entity::scheduling::{
    availability_exception as exception, availability_rule as rule,
    practitioner_schedule as schedule,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::compute::Rules;
use crate::platform::ApiResult;

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

/// Whether each of `ids` works public holidays, for those who have a schedule.
pub(super) async fn works_public_holidays(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> ApiResult<HashMap<Uuid, bool>> {
    Ok(schedule::Entity::find()
        .filter(schedule::Column::UserId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.user_id, s.works_public_holidays))
        .collect())
}

/// Replaces a practitioner's availability with `input`: whether they work public holidays,
/// their weekly windows and their exceptions.
pub(super) async fn replace(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Option<Uuid>,
    input: &AvailabilityInput,
) -> ApiResult<()> {
    schedule::Entity::insert(schedule::ActiveModel {
        user_id: Set(id),
        works_public_holidays: Set(input.works_public_holidays),
        updated_by: Set(by),
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
    .exec(db)
    .await?;
    rule::Entity::delete_many()
        .filter(rule::Column::UserId.eq(id))
        .exec(db)
        .await?;
    exception::Entity::delete_many()
        .filter(exception::Column::UserId.eq(id))
        .exec(db)
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
        .exec(db)
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
        .exec(db)
        .await?;
    }
    Ok(())
}
