//! Appointments in the database: the locks a booking takes, the held time a booking or move
//! could clash with, new bookings, changes saved only if nobody saved first, the history of
//! changes, the list's pages and a patient's appointments.

use api_types::scheduling::AppointmentStatus;
use api_types::{ErrorCode, Permission};
use chrono::{DateTime, Utc};
use entity::scheduling::{appointment, appointment_change, calendar_block};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::slots::Interval;
use crate::AppState;

/// Statuses that hold the practitioner's and patient's time.
const HOLDING: [AppointmentStatus; 4] = [
    AppointmentStatus::Booked,
    AppointmentStatus::Arrived,
    AppointmentStatus::Completed,
    AppointmentStatus::NoShow,
];

/// Serialises bookings that involve any of `ids` (practitioners and patients) until the
/// transaction ends. PostgreSQL: transaction-scoped advisory locks, taken in one order so that
/// two bookings can never wait for each other. SQLite needs none: the request pool's single
/// connection runs one transaction at a time.
pub async fn lock_for_booking(txn: &impl ConnectionTrait, ids: &[Uuid]) -> ApiResult<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut keys: Vec<i64> = ids.iter().map(|id| lock_key(*id)).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await?;
    }
    Ok(())
}

/// The advisory-lock key of an id: its two halves folded, in a namespace of scheduling's own
/// (the audit writer's lock uses another key). Two ids sharing a key only wait for each other.
fn lock_key(id: Uuid) -> i64 {
    let (hi, lo) = id.as_u64_pair();
    (hi ^ lo ^ 0x5343_4845_4455_4c45) as i64
}

/// An appointment the caller may see: staff any, a patient only their own (others are 404).
pub(super) async fn visible(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<appointment::Model> {
    let m = appointment::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if principal.has(Permission::ScheduleRead) || principal.own_patient_id() == Some(m.patient_id) {
        Ok(m)
    } else {
        Err(ApiError::not_found())
    }
}

/// Writes `changes` if the row is still at `version`; 412 when someone else saved first.
pub(super) async fn save_if_unchanged(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    mut changes: appointment::ActiveModel,
) -> ApiResult<appointment::Model> {
    changes.version = Set(version + 1);
    changes.updated_at = Set(Utc::now());
    let result = appointment::Entity::update_many()
        .set(changes)
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::Version.eq(version))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(ApiError::with_detail(
            ErrorCode::PreconditionFailed,
            "Someone else changed this appointment; reload it and try again.",
        ));
    }
    appointment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Records one change in an appointment's history.
/// The patient's next appointment a reminder asked them to confirm: booked, still to come,
/// reminded, and not yet confirmed.
pub(super) async fn next_to_confirm(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Option<appointment::Model>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .filter(appointment::Column::StartsAt.gt(Utc::now()))
        .filter(appointment::Column::ReminderSentAt.is_not_null())
        .filter(appointment::Column::ConfirmedAt.is_null())
        .order_by_asc(appointment::Column::StartsAt)
        .one(db)
        .await?)
}

/// A change in an appointment's history made by the patient's text message (no account acted).
pub(super) async fn record_text_change(
    db: &impl ConnectionTrait,
    appointment_id: Uuid,
    action: &str,
) -> ApiResult<()> {
    appointment_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        appointment_id: Set(appointment_id),
        occurred_at: Set(Utc::now()),
        actor_id: Set(None),
        actor_kind: Set(Some("sms".into())),
        action: Set(action.into()),
        from_starts_at: Set(None),
        to_starts_at: Set(None),
        from_practitioner_id: Set(None),
        to_practitioner_id: Set(None),
        status: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn record_change(
    db: &impl ConnectionTrait,
    principal: &Principal,
    appointment_id: Uuid,
    action: &str,
    from: Option<(DateTime<Utc>, Uuid)>,
    to: Option<(DateTime<Utc>, Uuid)>,
    status: Option<AppointmentStatus>,
) -> ApiResult<()> {
    appointment_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        appointment_id: Set(appointment_id),
        occurred_at: Set(Utc::now()),
        actor_id: Set(Some(principal.id())),
        actor_kind: Set(Some(principal.kind().into())),
        action: Set(action.into()),
        from_starts_at: Set(from.map(|f| f.0)),
        to_starts_at: Set(to.map(|t| t.0)),
        from_practitioner_id: Set(from.map(|f| f.1)),
        to_practitioner_id: Set(to.map(|t| t.1)),
        status: Set(status.map(|s| s.as_str().to_owned())),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A new appointment, saved.
pub(super) async fn insert(
    db: &impl ConnectionTrait,
    model: appointment::ActiveModel,
) -> ApiResult<appointment::Model> {
    Ok(model.insert(db).await?)
}

/// A calendar block, if there is one with this id.
pub(super) async fn find_block(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<Option<calendar_block::Model>> {
    Ok(calendar_block::Entity::find_by_id(id).one(db).await?)
}

/// How many places of a group session are taken: its appointments that hold time.
pub(super) async fn places_taken(db: &impl ConnectionTrait, block_id: Uuid) -> ApiResult<u64> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::BlockId.eq(block_id))
        .filter(appointment::Column::Status.is_in(HOLDING))
        .count(db)
        .await?)
}

/// Up to 20 of the practitioner's appointments whose time (buffers included) overlaps `taken`,
/// leaving out `exclude`.
pub(super) async fn holding_for_practitioner(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
    taken: Interval,
    exclude: &[Uuid],
) -> ApiResult<Vec<appointment::Model>> {
    let mut select = appointment::Entity::find()
        .filter(appointment::Column::PractitionerId.eq(practitioner_id))
        .filter(appointment::Column::Status.is_in(HOLDING))
        .filter(appointment::Column::BusyFrom.lt(taken.end))
        .filter(appointment::Column::BusyTo.gt(taken.start));
    if !exclude.is_empty() {
        select = select.filter(appointment::Column::Id.is_not_in(exclude.iter().copied()));
    }
    Ok(select.limit(20).all(db).await?)
}

/// The practitioner's calendar blocks overlapping `taken`.
pub(super) async fn blocks_overlapping(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
    taken: Interval,
) -> ApiResult<Vec<calendar_block::Model>> {
    Ok(calendar_block::Entity::find()
        .filter(calendar_block::Column::PractitionerId.eq(practitioner_id))
        .filter(calendar_block::Column::StartsAt.lt(taken.end))
        .filter(calendar_block::Column::EndsAt.gt(taken.start))
        .all(db)
        .await?)
}

/// One of the patient's appointments overlapping `appt`, leaving out `exclude`.
pub(super) async fn holding_for_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    appt: Interval,
    exclude: &[Uuid],
) -> ApiResult<Option<appointment::Model>> {
    let mut select = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::Status.is_in(HOLDING))
        .filter(appointment::Column::StartsAt.lt(appt.end))
        .filter(appointment::Column::EndsAt.gt(appt.start));
    if !exclude.is_empty() {
        select = select.filter(appointment::Column::Id.is_not_in(exclude.iter().copied()));
    }
    Ok(select.one(db).await?)
}

/// The appointment list's filters, with their bounds as instants.
pub(super) struct Filter {
    pub patient_id: Option<Uuid>,
    pub practitioner_id: Option<Uuid>,
    pub status: Option<AppointmentStatus>,
    /// Appointments ending after this.
    pub ends_after: Option<DateTime<Utc>>,
    /// Appointments starting before this.
    pub starts_before: Option<DateTime<Utc>>,
    /// Newest first instead of soonest first.
    pub descending: bool,
}

/// One page of the appointments matching `f`, and how many match in all.
pub(super) async fn page(
    db: &impl ConnectionTrait,
    f: &Filter,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<appointment::Model>)> {
    let mut select = appointment::Entity::find();
    if let Some(p) = f.patient_id {
        select = select.filter(appointment::Column::PatientId.eq(p));
    }
    if let Some(p) = f.practitioner_id {
        select = select.filter(appointment::Column::PractitionerId.eq(p));
    }
    if let Some(s) = f.status {
        select = select.filter(appointment::Column::Status.eq(s));
    }
    if let Some(from) = f.ends_after {
        select = select.filter(appointment::Column::EndsAt.gt(from));
    }
    if let Some(to) = f.starts_before {
        select = select.filter(appointment::Column::StartsAt.lt(to));
    }
    let order = |s: sea_orm::Select<appointment::Entity>| {
        if f.descending {
            s.order_by_desc(appointment::Column::StartsAt)
                .order_by_desc(appointment::Column::Id)
        } else {
            s.order_by_asc(appointment::Column::StartsAt)
                .order_by_asc(appointment::Column::Id)
        }
    };
    Ok(crate::platform::db::counted_page(db, select, order, limit, offset).await?)
}

/// The booked appointments of a series that start after `after`, soonest first.
pub(super) async fn booked_later_in_series(
    db: &impl ConnectionTrait,
    series_id: Uuid,
    after: DateTime<Utc>,
) -> ApiResult<Vec<appointment::Model>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::SeriesId.eq(series_id))
        .filter(appointment::Column::StartsAt.gt(after))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?)
}

/// Every change to an appointment, oldest first.
pub(super) async fn changes_of(
    db: &impl ConnectionTrait,
    appointment_id: Uuid,
) -> ApiResult<Vec<appointment_change::Model>> {
    Ok(appointment_change::Entity::find()
        .filter(appointment_change::Column::AppointmentId.eq(appointment_id))
        .order_by_asc(appointment_change::Column::OccurredAt)
        .order_by_asc(appointment_change::Column::Id)
        .all(db)
        .await?)
}

/// The patient's appointments, earliest first.
pub(super) async fn of_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Vec<appointment::Model>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?)
}

/// The patient's appointments, in no particular order.
pub(super) async fn all_of_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Vec<appointment::Model>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .all(db)
        .await?)
}

/// Cancels the patient's upcoming bookings, without a reason, as of `now`.
pub(super) async fn cancel_upcoming(
    db: &impl ConnectionTrait,
    by: Option<Uuid>,
    patient_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    appointment::Entity::update_many()
        .col_expr(
            appointment::Column::Status,
            sea_orm::sea_query::Expr::value("cancelled"),
        )
        .col_expr(
            appointment::Column::CancelledAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            appointment::Column::CancelledBy,
            sea_orm::sea_query::Expr::value(by),
        )
        .col_expr(
            appointment::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::StartsAt.gt(now))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .exec(db)
        .await?;
    Ok(())
}

/// When the patient last attended: the start of their latest past appointment not cancelled.
pub async fn last_attended(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Option<DateTime<Utc>>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::StartsAt.lte(Utc::now()))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
        .order_by_desc(appointment::Column::StartsAt)
        .one(db)
        .await?
        .map(|a| a.starts_at))
}
