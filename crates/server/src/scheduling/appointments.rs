//! Appointments: booking (once or repeating), rescheduling, status changes and cancellation,
//! and the history of every change.
//!
//! Conflict safety: every write that takes time first locks the practitioners and the patient
//! involved ([`super::lock_for_booking`]), then checks for overlaps, then writes, all in one
//! transaction. Of two simultaneous bookings of one slot, the second sees the first and answers
//! `409 slot_conflict`.

use std::collections::{HashMap, HashSet};

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use api_types::scheduling::{
    Appointment, AppointmentChange, AppointmentMode, AppointmentPatch, AppointmentQuery,
    AppointmentStatus, AppointmentType, BlockKind, BookingSource, Cancellation, DateOrInstant,
    MessageEvent, NewAppointment, SeriesPosition, SeriesScope,
};
use api_types::{ErrorCode, Page, Permission};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use entity::scheduling::{appointment, appointment_change, calendar_block};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::availability::{self, bookable};
use super::slots::Interval;
use super::{lock_for_booking, notify, time, types, Practice};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::access::ensure_demographics;
use crate::patients::queries::{self as patients, PatientRecord};
use crate::platform::crypto::Crypto;
use crate::platform::http::{check_if_match, etag, page_bounds, Query};
use crate::platform::{idempotency, ApiError, ApiResult};
use crate::users::queries as users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_appointments)
        .service(create_appointment)
        .service(get_appointment)
        .service(update_appointment)
        .service(appointment_history);
}

pub fn aad(id: Uuid, column: &str) -> String {
    format!("appointments.{column}:{id}")
}

pub fn status_of(m: &appointment::Model) -> AppointmentStatus {
    AppointmentStatus::parse(&m.status).unwrap_or(AppointmentStatus::Booked)
}

/// Statuses that hold the practitioner's and patient's time.
const HOLDING: [&str; 4] = ["booked", "arrived", "completed", "no_show"];

/// Who is looking: staff see booking notes; patients see their own appointments only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Staff,
    Patient {
        user_id: Option<Uuid>,
    },
    /// A calendar outside the practice (Google Calendar, an iCalendar feed): no booking notes,
    /// and no name of a patient whose data was erased.
    OutsideCalendar,
}

impl Viewer {
    pub fn of(principal: &Principal) -> Viewer {
        if principal.own_patient_id().is_some() {
            Viewer::Patient {
                user_id: principal.user_id(),
            }
        } else {
            Viewer::Staff
        }
    }
}

/// Appointments on the wire, with names looked up in a few queries whatever their number.
pub async fn to_wire_many(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    practice: &Practice,
    models: Vec<appointment::Model>,
    viewer: Viewer,
) -> ApiResult<Vec<Appointment>> {
    let patient_ids: Vec<Uuid> = unique(models.iter().map(|m| m.patient_id));
    let practitioner_ids: Vec<Uuid> = unique(models.iter().map(|m| m.practitioner_id));
    let type_ids: HashSet<Uuid> = models.iter().map(|m| m.appointment_type_id).collect();
    let patients = patients::find_many(db, crypto, &patient_ids).await?;
    let names = users::names(db, crypto, &practitioner_ids).await?;
    let types: HashMap<Uuid, AppointmentType> = types::all(db)
        .await?
        .into_iter()
        .filter(|t| type_ids.contains(&t.id))
        .map(|t| (t.id, t))
        .collect();
    models
        .into_iter()
        .map(|m| {
            let patient_name = match patients.get(&m.patient_id) {
                Some(p) if viewer == Viewer::OutsideCalendar && p.model.erased_at.is_some() => {
                    String::new()
                }
                Some(p) => p.display_name(),
                None => String::new(),
            };
            let practitioner_name = names.get(&m.practitioner_id).cloned().unwrap_or_default();
            let t = types.get(&m.appointment_type_id);
            to_wire(
                crypto,
                practice,
                m,
                patient_name,
                practitioner_name,
                t,
                viewer,
            )
        })
        .collect()
}

fn unique(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let set: HashSet<Uuid> = ids.collect();
    set.into_iter().collect()
}

fn to_wire(
    crypto: &Crypto,
    practice: &Practice,
    m: appointment::Model,
    patient_name: String,
    practitioner_name: String,
    t: Option<&AppointmentType>,
    viewer: Viewer,
) -> ApiResult<Appointment> {
    let decrypt = |value: &Option<String>, column: &str| -> ApiResult<Option<String>> {
        match value {
            Some(v) => Ok(Some(crypto.decrypt_str(v, &aad(m.id, column))?)),
            None => Ok(None),
        }
    };
    let notes = match viewer {
        Viewer::Staff => decrypt(&m.notes_enc, "notes")?,
        Viewer::Patient { .. } | Viewer::OutsideCalendar => None,
    };
    let cancellation = match m.cancelled_at {
        Some(at) => {
            let mut reason = decrypt(&m.cancel_reason_enc, "cancel_reason")?.unwrap_or_default();
            if let Viewer::Patient { user_id } = viewer {
                if m.cancelled_by.is_none() || m.cancelled_by != user_id {
                    reason = "Cancelled by the practice".into();
                }
            }
            Some(Cancellation {
                reason,
                cancelled_at: at,
                cancelled_by: m.cancelled_by,
            })
        }
        None => None,
    };
    let series = match (m.series_id, m.series_index, m.series_count) {
        (Some(id), Some(i), Some(n)) => Some(SeriesPosition {
            series_id: id,
            index: u32::try_from(i).unwrap_or(1),
            count: u32::try_from(n).unwrap_or(1),
        }),
        _ => None,
    };
    Ok(Appointment {
        id: m.id,
        patient_id: m.patient_id,
        patient_name,
        practitioner_id: m.practitioner_id,
        practitioner_name,
        appointment_type_id: m.appointment_type_id,
        appointment_type_name: t.map(|t| t.name.clone()).unwrap_or_default(),
        colour: t
            .map(|t| t.colour.clone())
            .unwrap_or_else(|| "#64748b".into()),
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        local_start: time::local(practice.tz, m.starts_at),
        local_end: time::local(practice.tz, m.ends_at),
        buffer_before_minutes: u32::try_from(m.buffer_before_minutes).unwrap_or(0),
        buffer_after_minutes: u32::try_from(m.buffer_after_minutes).unwrap_or(0),
        mode: AppointmentMode::parse(&m.mode).unwrap_or_default(),
        status: status_of(&m),
        notes,
        cancellation,
        series,
        block_id: m.block_id,
        source: BookingSource::parse(&m.source),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// The instant a request means: `starts_at`, or `local_start` resolved in the practice's zone.
pub fn requested_start(
    practice: &Practice,
    starts_at: Option<DateTime<Utc>>,
    local_start: Option<NaiveDateTime>,
    fold: Option<api_types::scheduling::Fold>,
) -> ApiResult<Option<DateTime<Utc>>> {
    match (starts_at, local_start) {
        (Some(t), _) => Ok(Some(t)),
        (None, Some(local)) => time::resolve_for(practice.tz, local, fold, "local_start").map(Some),
        (None, None) => Ok(None),
    }
}

/// The time one appointment takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub before: Duration,
    pub after: Duration,
}

impl Occupancy {
    pub fn appointment(&self) -> Interval {
        Interval::new(self.starts_at, self.ends_at)
    }

    /// The practitioner's time: buffers included.
    pub fn taken(&self) -> Interval {
        Interval::new(self.starts_at - self.before, self.ends_at + self.after)
    }
}

fn when(practice: &Practice, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let (a, b) = (time::local(practice.tz, from), time::local(practice.tz, to));
    format!(
        "from {} to {} on {}",
        a.format("%H:%M"),
        b.format("%H:%M"),
        a.format("%A %-d %B")
    )
}

/// The reason the time is taken, or `None` when it is free. `exclude` are appointments that
/// are being moved (they do not conflict with themselves); `block` is a block being booked into.
pub async fn find_conflict(
    db: &impl ConnectionTrait,
    practice: &Practice,
    practitioner_id: Uuid,
    patient_id: Uuid,
    occupancy: Occupancy,
    exclude: &[Uuid],
    block: Option<&calendar_block::Model>,
) -> ApiResult<Option<String>> {
    let taken = occupancy.taken();
    let group_block = block
        .filter(|b| b.kind == BlockKind::Group.as_str())
        .map(|b| b.id);
    let mut select = appointment::Entity::find()
        .filter(appointment::Column::PractitionerId.eq(practitioner_id))
        .filter(appointment::Column::Status.is_in(HOLDING))
        .filter(appointment::Column::BusyFrom.lt(taken.end))
        .filter(appointment::Column::BusyTo.gt(taken.start));
    if !exclude.is_empty() {
        select = select.filter(appointment::Column::Id.is_not_in(exclude.iter().copied()));
    }
    for other in select.limit(20).all(db).await? {
        // Patients of one group session share its time.
        if group_block.is_some() && other.block_id == group_block {
            continue;
        }
        return Ok(Some(format!(
            "The practitioner already has an appointment {}{}.",
            when(practice, other.starts_at, other.ends_at),
            if other.buffer_before_minutes + other.buffer_after_minutes > 0 {
                ", buffers included"
            } else {
                ""
            }
        )));
    }
    let blocks = calendar_block::Entity::find()
        .filter(calendar_block::Column::PractitionerId.eq(practitioner_id))
        .filter(calendar_block::Column::StartsAt.lt(taken.end))
        .filter(calendar_block::Column::EndsAt.gt(taken.start))
        .all(db)
        .await?;
    if let Some(b) = blocks
        .into_iter()
        .find(|b| Some(b.id) != block.map(|x| x.id))
    {
        return Ok(Some(format!(
            "The practitioner's time {} is held for {}.",
            when(practice, b.starts_at, b.ends_at),
            b.label
        )));
    }
    let appt = occupancy.appointment();
    let mut select = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::Status.is_in(HOLDING))
        .filter(appointment::Column::StartsAt.lt(appt.end))
        .filter(appointment::Column::EndsAt.gt(appt.start));
    if !exclude.is_empty() {
        select = select.filter(appointment::Column::Id.is_not_in(exclude.iter().copied()));
    }
    if let Some(other) = select.one(db).await? {
        return Ok(Some(format!(
            "The patient already has an appointment {}.",
            when(practice, other.starts_at, other.ends_at)
        )));
    }
    Ok(None)
}

fn conflict(detail: String) -> ApiError {
    ApiError::with_detail(ErrorCode::SlotConflict, detail)
}

fn outside(practice: &Practice, o: &Occupancy) -> ApiError {
    ApiError::with_detail(
        ErrorCode::OutsideAvailability,
        format!(
            "The practitioner does not take bookings {} (outside their hours, on leave, a closure \
             or a public holiday).",
            when(practice, o.starts_at, o.ends_at)
        ),
    )
}

fn policy(detail: impl Into<String>) -> ApiError {
    ApiError::with_detail(ErrorCode::BookingPolicy, detail)
}

/// Records one change in an appointment's history.
async fn record_change(
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

/// What a booking is for, checked and loaded.
struct Plan {
    kind: AppointmentType,
    practitioner: users::UserRecord,
    patient: PatientRecord,
    block: Option<calendar_block::Model>,
    occurrences: Vec<Occupancy>,
    source: BookingSource,
}

fn source_of(principal: &Principal) -> BookingSource {
    match (principal.kind(), principal.own_patient_id()) {
        ("api_key", _) => BookingSource::Api,
        (_, Some(_)) => BookingSource::Portal,
        _ => BookingSource::Staff,
    }
}

/// Checks a type can be booked with a practitioner.
fn check_offered(kind: &AppointmentType, practitioner_id: Uuid, field: &str) -> ApiResult<()> {
    if !kind.active {
        return Err(ApiError::field(
            "appointment_type_id",
            "inactive",
            "This appointment type is no longer offered.",
        ));
    }
    if !kind.practitioner_ids.contains(&practitioner_id) {
        return Err(ApiError::field(
            field,
            "not_offered",
            "This practitioner does not offer this appointment type.",
        ));
    }
    Ok(())
}

/// The patient's online-booking rules, for a patient booking or cancelling themselves.
fn check_notice(starts_at: DateTime<Utc>, hours: u32, what: &str) -> ApiResult<()> {
    if starts_at < Utc::now() + Duration::hours(i64::from(hours)) {
        return Err(policy(format!(
            "Appointments can be {what} online up to {hours} hours before they start; please call \
             the practice."
        )));
    }
    Ok(())
}

async fn plan(state: &AppState, principal: &Principal, input: &NewAppointment) -> ApiResult<Plan> {
    let practice = Practice::load(&state.db).await?;
    ensure_demographics(principal, input.patient_id)?;
    let patient = patients::find(&state.db, &state.crypto, input.patient_id)
        .await?
        .ok_or_else(|| {
            if principal.own_patient_id().is_some() {
                ApiError::not_found()
            } else {
                ApiError::field("patient_id", "not_found", "There is no such patient.")
            }
        })?;
    patients::ensure_not_erased(&patient)?;
    if patient.model.archived_at.is_some() {
        return Err(ApiError::field(
            "patient_id",
            "archived",
            "This patient is archived; restore them to book.",
        ));
    }
    let kind = match types::get(&state.db, input.appointment_type_id).await {
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
    let practitioner = bookable(state, input.practitioner_id).await.map_err(|_| {
        ApiError::field(
            "practitioner_id",
            "not_bookable",
            "This is not an active practitioner or nurse.",
        )
    })?;
    check_offered(&kind, input.practitioner_id, "practitioner_id")?;
    let source = source_of(principal);
    let patient_booking = source == BookingSource::Portal;
    if patient_booking {
        let online = &practice.rules.online_booking;
        if !online.enabled {
            return Err(policy("The practice does not take bookings online."));
        }
        if !kind.online_bookable {
            return Err(policy(
                "This appointment type is booked by the practice: please call.",
            ));
        }
        if input.repeat.is_some() || input.block_id.is_some() || input.allow_outside_availability {
            return Err(policy(
                "Repeating bookings, calendar blocks and bookings outside hours are made by the practice.",
            ));
        }
    }
    let block = match input.block_id {
        Some(id) => {
            let b = calendar_block::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(|| {
                    ApiError::field("block_id", "not_found", "There is no such calendar block.")
                })?;
            if b.practitioner_id != input.practitioner_id {
                return Err(ApiError::field(
                    "block_id",
                    "other_practitioner",
                    "This block is on another practitioner's calendar.",
                ));
            }
            if b.kind == BlockKind::Admin.as_str() {
                return Err(ApiError::field(
                    "block_id",
                    "not_bookable",
                    "Admin time takes no bookings.",
                ));
            }
            Some(b)
        }
        None => None,
    };
    let length = Duration::minutes(i64::from(kind.duration_minutes));
    let (before, after) = (
        Duration::minutes(i64::from(kind.buffer_before_minutes)),
        Duration::minutes(i64::from(kind.buffer_after_minutes)),
    );
    let first = match &block {
        // A group session's patients all take the session's time.
        Some(b) if b.kind == BlockKind::Group.as_str() => b.starts_at,
        _ => requested_start(&practice, input.starts_at, input.local_start, input.fold)?
            .ok_or_else(|| ApiError::field("starts_at", "required", "Choose a start time."))?,
    };
    let mut occurrences = vec![];
    let count = input.repeat.map_or(1, |r| r.count);
    let every = input.repeat.map_or(1, |r| r.every_weeks);
    let local_first = time::local(practice.tz, first);
    for k in 0..count {
        let starts_at = if k == 0 {
            first
        } else {
            // Repeats keep the wall-clock time, across daylight-saving changes too.
            let local = local_first + Duration::weeks(i64::from(every * k));
            time::resolve_for(
                practice.tz,
                local,
                input.fold.or(Some(api_types::scheduling::Fold::Earlier)),
                "local_start",
            )?
        };
        let ends_at = match &block {
            Some(b) if b.kind == BlockKind::Group.as_str() => b.ends_at,
            _ => starts_at + length,
        };
        occurrences.push(Occupancy {
            starts_at,
            ends_at,
            before,
            after,
        });
    }
    if let Some(b) = &block {
        let inside = Interval::new(b.starts_at, b.ends_at);
        if !inside.contains(&occurrences[0].appointment()) {
            return Err(ApiError::field(
                "starts_at",
                "outside_block",
                "The appointment must fit inside the block.",
            ));
        }
    }
    if patient_booking {
        let online = &practice.rules.online_booking;
        check_notice(first, online.min_notice_hours, "booked")?;
        if first > Utc::now() + Duration::days(i64::from(online.max_days_ahead)) {
            return Err(policy(format!(
                "Appointments can be booked online up to {} days ahead.",
                online.max_days_ahead
            )));
        }
    }
    // A block is time the practice set aside on purpose; otherwise the practitioner's hours
    // apply, which staff may override.
    let check_hours = block.is_none() && (patient_booking || !input.allow_outside_availability);
    if check_hours {
        for o in &occurrences {
            if !availability::is_available(
                &state.db,
                &practice,
                input.practitioner_id,
                o.appointment(),
            )
            .await?
            {
                return Err(outside(&practice, o));
            }
        }
    }
    Ok(Plan {
        kind,
        practitioner,
        patient,
        block,
        occurrences,
        source,
    })
}

/// Books `input`, all occurrences or none. Returns the appointments made.
async fn book(
    state: &AppState,
    principal: &Principal,
    input: &NewAppointment,
) -> ApiResult<Vec<appointment::Model>> {
    let plan = plan(state, principal, input).await?;
    let practice = Practice::load(&state.db).await?;
    let notes_plain = input.notes.clone().filter(|n| !n.trim().is_empty());
    let series_id = (plan.occurrences.len() > 1).then(Uuid::now_v7);
    let count = plan.occurrences.len() as i32;
    let txn = state.db.begin().await?;
    lock_for_booking(&txn, &[input.practitioner_id, input.patient_id]).await?;
    if let Some(b) = &plan.block {
        if b.kind == BlockKind::Group.as_str() {
            let booked = appointment::Entity::find()
                .filter(appointment::Column::BlockId.eq(b.id))
                .filter(appointment::Column::Status.is_in(HOLDING))
                .count(&txn)
                .await?;
            if booked >= u64::try_from(b.capacity).unwrap_or(0) {
                return Err(conflict(format!(
                    "{} is full ({} of {} places taken).",
                    b.label, booked, b.capacity
                )));
            }
        }
    }
    let mut made = Vec::with_capacity(plan.occurrences.len());
    for (i, o) in plan.occurrences.iter().enumerate() {
        if let Some(why) = find_conflict(
            &txn,
            &practice,
            input.practitioner_id,
            input.patient_id,
            *o,
            &[],
            plan.block.as_ref(),
        )
        .await?
        {
            let prefix = if plan.occurrences.len() > 1 {
                format!("Appointment {} of {}: ", i + 1, plan.occurrences.len())
            } else {
                String::new()
            };
            return Err(conflict(format!("{prefix}{why}")));
        }
        let id = Uuid::now_v7();
        let now = Utc::now();
        let notes_enc = match &notes_plain {
            Some(n) => Some(state.crypto.encrypt_str(n, &aad(id, "notes"))?),
            None => None,
        };
        let model = appointment::ActiveModel {
            id: Set(id),
            practitioner_id: Set(input.practitioner_id),
            patient_id: Set(input.patient_id),
            appointment_type_id: Set(plan.kind.id),
            block_id: Set(plan.block.as_ref().map(|b| b.id)),
            starts_at: Set(o.starts_at),
            ends_at: Set(o.ends_at),
            busy_from: Set(o.taken().start),
            busy_to: Set(o.taken().end),
            buffer_before_minutes: Set(plan.kind.buffer_before_minutes as i32),
            buffer_after_minutes: Set(plan.kind.buffer_after_minutes as i32),
            mode: Set(plan.kind.mode.as_str().into()),
            status: Set(AppointmentStatus::Booked.as_str().into()),
            notes_enc: Set(notes_enc),
            cancel_reason_enc: Set(None),
            cancelled_at: Set(None),
            cancelled_by: Set(None),
            series_id: Set(series_id),
            series_index: Set(series_id.map(|_| i as i32 + 1)),
            series_count: Set(series_id.map(|_| count)),
            source: Set(plan.source.as_str().into()),
            created_by: Set(principal.user_id()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            reminder_sent_at: Set(None),
        }
        .insert(&txn)
        .await?;
        record_change(
            &txn,
            principal,
            id,
            "created",
            None,
            Some((o.starts_at, input.practitioner_id)),
            Some(AppointmentStatus::Booked),
        )
        .await?;
        made.push(model);
    }
    notify::appointment_event(
        &txn,
        state,
        &practice,
        notify::Event {
            kind: MessageEvent::Confirmation,
            appointment: &made[0],
            series_count: made.len(),
            patient: &plan.patient,
            practitioner_name: &plan.practitioner.name,
            type_name: &plan.kind.name,
            previous_start: None,
            reason: None,
        },
    )
    .await?;
    super::google::queue(&txn, &made.iter().collect::<Vec<_>>()).await?;
    let ids: Vec<String> = made.iter().map(|m| m.id.to_string()).collect();
    let first = made
        .first()
        .map(|m| m.id)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a booking went missing")))?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(principal, "appointment.create")
                .patient(input.patient_id)
                .resource("appointment", first)
                .detail(format!("appointments={}", ids.join(","))),
        )
        .await?;
    Ok(made)
}

/// Appointments, soonest first (or newest first with `descending`). Staff see everyone's;
/// patients their own. Filter by time (`from`, `to`: dates in the practice's time zone, or
/// instants), practitioner, patient and status.
#[utoipa::path(
    tag = "scheduling",
    params(AppointmentQuery),
    security(("bearer" = ["schedule:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<Appointment>))
)]
#[get("/appointments")]
async fn list_appointments(
    auth: Authorized<require::ScheduleReadOrOwn>,
    state: web::Data<AppState>,
    query: Query<AppointmentQuery>,
) -> ApiResult<web::Json<Page<Appointment>>> {
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let practice = Practice::load(&state.db).await?;
    let viewer = Viewer::of(&auth);
    let patient_filter = match (viewer, auth.own_patient_id()) {
        (Viewer::Patient { .. }, Some(own)) => Some(own),
        _ => q.patient_id,
    };
    let mut select = appointment::Entity::find();
    if let Some(p) = patient_filter {
        select = select.filter(appointment::Column::PatientId.eq(p));
    }
    if let Some(p) = q.practitioner_id {
        select = select.filter(appointment::Column::PractitionerId.eq(p));
    }
    if let Some(s) = q.status {
        select = select.filter(appointment::Column::Status.eq(s.as_str()));
    }
    if let Some(from) = q.from {
        select = select.filter(appointment::Column::EndsAt.gt(bound(&practice, from, false)));
    }
    if let Some(to) = q.to {
        select = select.filter(appointment::Column::StartsAt.lt(bound(&practice, to, true)));
    }
    let total = select.clone().count(&state.db).await?;
    let ordered = if q.descending.unwrap_or(false) {
        select
            .order_by_desc(appointment::Column::StartsAt)
            .order_by_desc(appointment::Column::Id)
    } else {
        select
            .order_by_asc(appointment::Column::StartsAt)
            .order_by_asc(appointment::Column::Id)
    };
    let rows = ordered.limit(limit).offset(offset).all(&state.db).await?;
    let patient_ids = unique(rows.iter().map(|m| m.patient_id));
    let items = to_wire_many(&state.db, &state.crypto, &practice, rows, viewer).await?;
    let mut entry = AuditEntry::by(&auth, "appointment.list").detail(format!(
        "appointments={} patients={}",
        items.len(),
        patient_ids
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",")
    ));
    if let [only] = patient_ids.as_slice() {
        entry = entry.patient(*only);
    }
    state.audit.record(entry).await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// A query bound as an instant: a date is the start of that day, or (for an end) of the next.
pub fn bound(practice: &Practice, b: DateOrInstant, end: bool) -> DateTime<Utc> {
    match b {
        DateOrInstant::Instant(t) => t,
        DateOrInstant::Date(d) if end => time::day_start(practice.tz, d.succ_opt().unwrap_or(d)),
        DateOrInstant::Date(d) => time::day_start(practice.tz, d),
    }
}

/// Book an appointment, or a repeating series (`repeat`: all of them or none). Conflicts with
/// the practitioner's other bookings (buffers included), held time, or the patient's other
/// appointments answer `409 slot_conflict`; times outside the practitioner's availability
/// answer `409 outside_availability` unless staff say `allow_outside_availability`. Patients
/// book for themselves in the portal within the practice's online-booking rules. Retries with
/// the same `Idempotency-Key` return the first booking.
#[utoipa::path(
    tag = "scheduling",
    request_body = NewAppointment,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    security(("bearer" = ["schedule:write"]), ("bearer" = ["own_record"])),
    responses(
        (status = 201, body = Appointment, description = "Booked; for a series, the first appointment"),
        (status = 409, body = api_types::Problem, description = "`slot_conflict` or `outside_availability`"),
        (status = 422, body = api_types::Problem),
    )
)]
#[post("/appointments")]
async fn create_appointment(
    auth: Authorized<require::ScheduleWriteOrOwn>,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::platform::http::Body<NewAppointment>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    input.validate().map_err(ApiError::Validation)?;
    let claim = match idempotency::start(&state.db, &state.crypto, auth.id(), &req, &input).await? {
        idempotency::Start::Replay(response) => return Ok(response),
        idempotency::Start::Proceed(claim) => claim,
    };
    let result = async {
        let made = book(&state, &auth, &input).await?;
        let practice = Practice::load(&state.db).await?;
        let first = made.into_iter().next();
        let wire = to_wire_many(
            &state.db,
            &state.crypto,
            &practice,
            first.into_iter().collect(),
            Viewer::of(&auth),
        )
        .await?;
        wire.into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a booking went missing")))
    }
    .await;
    match result {
        Ok(a) => {
            claim
                .complete(
                    &state.db,
                    &state.crypto,
                    actix_web::http::StatusCode::CREATED,
                    &a,
                )
                .await?;
            Ok(HttpResponse::Created()
                .insert_header(("ETag", etag(a.version)))
                .insert_header(("Location", format!("/api/v1/appointments/{}", a.id)))
                .json(a))
        }
        Err(e) => {
            claim.abandon(&state.db).await;
            Err(e)
        }
    }
}

/// An appointment the caller may see: staff any, a patient only their own (others are 404).
/// Scheduling's part of a patient's export: their appointments, as each one reads to the exporter
/// through the API (staff see booking notes; a patient sees their own appointments).
pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
    archive: &mut crate::platform::export::Archive,
) -> ApiResult<()> {
    let allowed = principal
        .ensure::<require::ScheduleReadOrOwn>()
        .and_then(|()| {
            if principal.has(Permission::ScheduleRead)
                || principal.own_patient_id() == Some(patient_id)
            {
                Ok(())
            } else {
                Err(ApiError::not_found())
            }
        });
    match allowed {
        Ok(()) => {}
        Err(e) if e.is_refusal() => {
            archive.withhold("appointments");
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    let practice = Practice::load(&state.db).await?;
    let rows = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .order_by_asc(appointment::Column::StartsAt)
        .all(&state.db)
        .await?;
    let appointments = to_wire_many(
        &state.db,
        &state.crypto,
        &practice,
        rows,
        Viewer::of(principal),
    )
    .await?;
    archive.section("appointments", appointments)
}

/// Scheduling's part of an erasure: upcoming bookings are cancelled without messages, and every
/// appointment of the patient is queued for the calendar sync, which writes outside calendars
/// without the patient's name (and removes the cancelled ones). Past appointments are kept.
pub async fn erase_patient(
    txn: &impl ConnectionTrait,
    by: Option<Uuid>,
    patient_id: Uuid,
) -> ApiResult<()> {
    let now = Utc::now();
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
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked.as_str()))
        .exec(txn)
        .await?;
    let all = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .all(txn)
        .await?;
    super::google::queue(txn, &all.iter().collect::<Vec<_>>()).await
}

/// When the patient last attended: the start of their latest past appointment not cancelled.
pub async fn last_attended(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Option<DateTime<Utc>>> {
    Ok(appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::StartsAt.lte(Utc::now()))
        .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled.as_str()))
        .order_by_desc(appointment::Column::StartsAt)
        .one(db)
        .await?
        .map(|a| a.starts_at))
}

async fn visible(
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

async fn one_to_wire(
    state: &AppState,
    principal: &Principal,
    m: appointment::Model,
) -> ApiResult<Appointment> {
    let practice = Practice::load(&state.db).await?;
    to_wire_many(
        &state.db,
        &state.crypto,
        &practice,
        vec![m],
        Viewer::of(principal),
    )
    .await?
    .into_iter()
    .next()
    .ok_or_else(ApiError::not_found)
}

/// One appointment, with its `ETag`.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["schedule:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Appointment))
)]
#[get("/appointments/{id}")]
async fn get_appointment(
    auth: Authorized<require::ScheduleReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let m = visible(&state, &auth, *id).await?;
    let patient_id = m.patient_id;
    let a = one_to_wire(&state, &auth, m).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "appointment.read")
                .patient(patient_id)
                .resource("appointment", a.id),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(a.version)))
        .json(a))
}

/// Reschedule (a new start, practitioner or type; the same conflict rules as booking), change
/// the status (`arrived`, `completed`, `no_show`, back to `booked`, or `cancelled` with a
/// reason; `apply_to: following` cancels the rest of a series), or change the booking note.
/// Patients may only cancel their own appointments, within the practice's notice period. With
/// `If-Match`, a change someone else saved first answers 412.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    request_body = AppointmentPatch,
    security(("bearer" = ["schedule:write"]), ("bearer" = ["own_record"])),
    responses(
        (status = 200, body = Appointment),
        (status = 409, body = api_types::Problem, description = "`slot_conflict` or `outside_availability`"),
        (status = 412, body = api_types::Problem),
    )
)]
#[patch("/appointments/{id}")]
async fn update_appointment(
    auth: Authorized<require::ScheduleWriteOrOwn>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AppointmentPatch>,
) -> ApiResult<HttpResponse> {
    let m = visible(&state, &auth, *id).await?;
    check_if_match(&req, m.version)?;
    // An erased patient's appointments are kept as they were, never revived or moved.
    patients::get_for_change(&state.db, &state.crypto, m.patient_id).await?;
    let patch = body.into_inner();
    patch.validate().map_err(ApiError::Validation)?;
    let patient_id = m.patient_id;
    let practice = Practice::load(&state.db).await?;
    if auth.own_patient_id().is_some() {
        let only_cancel = patch.status == Some(AppointmentStatus::Cancelled)
            && !patch.moves()
            && patch.notes.is_none()
            && patch.apply_to == SeriesScope::This;
        if !only_cancel {
            return Err(policy(
                "In the portal you can cancel an appointment; to move it, book a new time and cancel this one, or call the practice.",
            ));
        }
        check_notice(
            m.starts_at,
            practice.rules.online_booking.cancellation_notice_hours,
            "cancelled",
        )?;
    }
    let entry = |action| {
        AuditEntry::by(&auth, action)
            .patient(patient_id)
            .resource("appointment", *id)
    };
    let updated = if patch.moves() {
        let entry = entry("appointment.reschedule");
        reschedule(&state, &auth, &practice, m, &patch, entry).await?
    } else if let Some(status) = patch.status {
        let entry = entry(if status == AppointmentStatus::Cancelled {
            "appointment.cancel"
        } else {
            "appointment.status"
        });
        change_status(&state, &auth, &practice, m, status, &patch, entry).await?
    } else if let Some(notes) = &patch.notes {
        let entry = entry("appointment.update");
        change_notes(&state, &auth, m, notes.as_deref(), entry).await?
    } else {
        state
            .audit
            .record(entry("appointment.update").detail("unchanged"))
            .await?;
        m
    };
    let a = one_to_wire(&state, &auth, updated).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(a.version)))
        .json(a))
}

/// Writes `changes` if the row is still at `version`; 412 when someone else saved first.
async fn save_if_unchanged(
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

async fn reschedule(
    state: &AppState,
    principal: &Principal,
    practice: &Practice,
    m: appointment::Model,
    patch: &AppointmentPatch,
    entry: AuditEntry,
) -> ApiResult<appointment::Model> {
    if status_of(&m) != AppointmentStatus::Booked {
        return Err(ApiError::field(
            "starts_at",
            "not_booked",
            format!(
                "Only booked appointments can be moved; this one is {}.",
                status_of(&m).label().to_lowercase()
            ),
        ));
    }
    let practitioner_id = patch.practitioner_id.unwrap_or(m.practitioner_id);
    let type_id = patch.appointment_type_id.unwrap_or(m.appointment_type_id);
    let kind = match types::get(&state.db, type_id).await {
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
    let practitioner = bookable(state, practitioner_id).await.map_err(|_| {
        ApiError::field(
            "practitioner_id",
            "not_bookable",
            "This is not an active practitioner or nurse.",
        )
    })?;
    if patch.practitioner_id.is_some() || patch.appointment_type_id.is_some() {
        check_offered(&kind, practitioner_id, "practitioner_id")?;
    }
    let starts_at = requested_start(practice, patch.starts_at, patch.local_start, patch.fold)?
        .unwrap_or(m.starts_at);
    // A changed type brings its own length and buffers; otherwise the booking keeps its own.
    let (length, before, after) = if patch.appointment_type_id.is_some() {
        (
            Duration::minutes(i64::from(kind.duration_minutes)),
            i64::from(kind.buffer_before_minutes),
            i64::from(kind.buffer_after_minutes),
        )
    } else {
        (
            m.ends_at - m.starts_at,
            i64::from(m.buffer_before_minutes),
            i64::from(m.buffer_after_minutes),
        )
    };
    let o = Occupancy {
        starts_at,
        ends_at: starts_at + length,
        before: Duration::minutes(before),
        after: Duration::minutes(after),
    };
    // Moving keeps it in its block only if it still fits there with the same practitioner.
    let block = match m.block_id {
        Some(b) => calendar_block::Entity::find_by_id(b)
            .one(&state.db)
            .await?
            .filter(|b| {
                b.practitioner_id == practitioner_id
                    && Interval::new(b.starts_at, b.ends_at).contains(&o.appointment())
            }),
        None => None,
    };
    if block.is_none()
        && !patch.allow_outside_availability
        && !availability::is_available(&state.db, practice, practitioner_id, o.appointment())
            .await?
    {
        return Err(outside(practice, &o));
    }
    let patient = patients::get(&state.db, &state.crypto, m.patient_id).await?;
    let txn = state.db.begin().await?;
    lock_for_booking(&txn, &[m.practitioner_id, practitioner_id, m.patient_id]).await?;
    if let Some(why) = find_conflict(
        &txn,
        practice,
        practitioner_id,
        m.patient_id,
        o,
        &[m.id],
        block.as_ref(),
    )
    .await?
    {
        return Err(conflict(why));
    }
    let previous = (m.starts_at, m.practitioner_id);
    let updated = save_if_unchanged(
        &txn,
        m.id,
        m.version,
        appointment::ActiveModel {
            practitioner_id: Set(practitioner_id),
            appointment_type_id: Set(type_id),
            block_id: Set(block.as_ref().map(|b| b.id)),
            starts_at: Set(o.starts_at),
            ends_at: Set(o.ends_at),
            busy_from: Set(o.taken().start),
            busy_to: Set(o.taken().end),
            buffer_before_minutes: Set(before as i32),
            buffer_after_minutes: Set(after as i32),
            mode: Set(kind.mode.as_str().into()),
            // A new time deserves a new reminder.
            reminder_sent_at: Set(None),
            ..Default::default()
        },
    )
    .await?;
    record_change(
        &txn,
        principal,
        m.id,
        "rescheduled",
        Some(previous),
        Some((o.starts_at, practitioner_id)),
        None,
    )
    .await?;
    if previous.0 != o.starts_at || previous.1 != practitioner_id {
        notify::appointment_event(
            &txn,
            state,
            practice,
            notify::Event {
                kind: MessageEvent::Change,
                appointment: &updated,
                series_count: 1,
                patient: &patient,
                practitioner_name: &practitioner.name,
                type_name: &kind.name,
                previous_start: Some(previous.0),
                reason: None,
            },
        )
        .await?;
    }
    super::google::queue(&txn, &[&updated]).await?;
    state.audit.commit(txn, entry).await?;
    Ok(updated)
}

async fn change_status(
    state: &AppState,
    principal: &Principal,
    practice: &Practice,
    m: appointment::Model,
    status: AppointmentStatus,
    patch: &AppointmentPatch,
    entry: AuditEntry,
) -> ApiResult<appointment::Model> {
    let current = status_of(&m);
    if current == status {
        state.audit.record(entry.detail("unchanged")).await?;
        return Ok(m);
    }
    if !current.next().contains(&status) {
        return Err(ApiError::field(
            "status",
            "invalid_transition",
            format!(
                "An appointment that is {} cannot become {}.",
                current.label().to_lowercase(),
                status.label().to_lowercase()
            ),
        ));
    }
    let txn = state.db.begin().await?;
    let mut targets = vec![m.clone()];
    if patch.apply_to == SeriesScope::Following {
        if let Some(series) = m.series_id {
            targets.extend(
                appointment::Entity::find()
                    .filter(appointment::Column::SeriesId.eq(series))
                    .filter(appointment::Column::StartsAt.gt(m.starts_at))
                    .filter(appointment::Column::Status.eq(AppointmentStatus::Booked.as_str()))
                    .order_by_asc(appointment::Column::StartsAt)
                    .all(&txn)
                    .await?,
            );
        }
    }
    let mut first = None;
    for t in &targets {
        let mut changes = appointment::ActiveModel {
            status: Set(status.as_str().into()),
            ..Default::default()
        };
        if status == AppointmentStatus::Cancelled {
            let reason = patch
                .cancellation_reason
                .as_deref()
                .unwrap_or_default()
                .trim();
            changes.cancel_reason_enc = Set(Some(
                state
                    .crypto
                    .encrypt_str(reason, &aad(t.id, "cancel_reason"))?,
            ));
            changes.cancelled_at = Set(Some(Utc::now()));
            changes.cancelled_by = Set(principal.user_id());
        }
        let saved = save_if_unchanged(&txn, t.id, t.version, changes).await?;
        record_change(
            &txn,
            principal,
            t.id,
            if status == AppointmentStatus::Cancelled {
                "cancelled"
            } else {
                "status_changed"
            },
            None,
            None,
            Some(status),
        )
        .await?;
        first.get_or_insert(saved);
    }
    let updated = first.ok_or_else(ApiError::not_found)?;
    if status == AppointmentStatus::Cancelled && updated.starts_at > Utc::now() {
        // Read through the transaction: on SQLite it holds the only connection.
        let patient = patients::get(&txn, &state.crypto, m.patient_id).await?;
        let names = users::names(&txn, &state.crypto, &[m.practitioner_id]).await?;
        let kind = types::get(&txn, m.appointment_type_id).await?;
        notify::appointment_event(
            &txn,
            state,
            practice,
            notify::Event {
                kind: MessageEvent::Cancellation,
                appointment: &updated,
                series_count: targets.len(),
                patient: &patient,
                practitioner_name: names.get(&m.practitioner_id).map_or("", String::as_str),
                type_name: &kind.name,
                previous_start: None,
                reason: patch.cancellation_reason.as_deref(),
            },
        )
        .await?;
    }
    super::google::queue(&txn, &targets.iter().collect::<Vec<_>>()).await?;
    state.audit.commit(txn, entry).await?;
    Ok(updated)
}

async fn change_notes(
    state: &AppState,
    principal: &Principal,
    m: appointment::Model,
    notes: Option<&str>,
    entry: AuditEntry,
) -> ApiResult<appointment::Model> {
    let notes_enc = match notes.filter(|n| !n.trim().is_empty()) {
        Some(n) => Some(state.crypto.encrypt_str(n, &aad(m.id, "notes"))?),
        None => None,
    };
    let txn = state.db.begin().await?;
    let saved = save_if_unchanged(
        &txn,
        m.id,
        m.version,
        appointment::ActiveModel {
            notes_enc: Set(notes_enc),
            ..Default::default()
        },
    )
    .await?;
    record_change(&txn, principal, m.id, "notes_changed", None, None, None).await?;
    state.audit.commit(txn, entry).await?;
    Ok(saved)
}

/// Every change to an appointment, oldest first: who booked, moved, or changed it, and when.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["schedule:read"])),
    responses((status = 200, body = Vec<AppointmentChange>))
)]
#[get("/appointments/{id}/history")]
async fn appointment_history(
    auth: Authorized<require::ScheduleRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<AppointmentChange>>> {
    let m = visible(&state, &auth, *id).await?;
    let rows = appointment_change::Entity::find()
        .filter(appointment_change::Column::AppointmentId.eq(m.id))
        .order_by_asc(appointment_change::Column::OccurredAt)
        .order_by_asc(appointment_change::Column::Id)
        .all(&state.db)
        .await?;
    let actor_ids = unique(rows.iter().filter_map(|r| r.actor_id));
    let names = users::names(&state.db, &state.crypto, &actor_ids).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "appointment.history")
                .patient(m.patient_id)
                .resource("appointment", m.id),
        )
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| AppointmentChange {
                occurred_at: r.occurred_at,
                actor_name: r.actor_id.and_then(|a| names.get(&a).cloned()),
                actor_id: r.actor_id,
                action: r.action,
                from_starts_at: r.from_starts_at,
                to_starts_at: r.to_starts_at,
                from_practitioner_id: r.from_practitioner_id,
                to_practitioner_id: r.to_practitioner_id,
                status: r.status.as_deref().and_then(AppointmentStatus::parse),
            })
            .collect(),
    ))
}
