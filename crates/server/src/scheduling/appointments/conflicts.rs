//! Whether a time can be taken: the instant a request means, the time an appointment holds
//! (buffers included), and the reason it clashes with the practitioner's bookings and blocks or
//! the patient's own appointments. The refusals a booking or move answers with live here too.

use api_types::scheduling::BlockKind;
use api_types::ErrorCode;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use entity::scheduling::calendar_block;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::queries;
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::slots::Interval;
use crate::scheduling::Practice;

/// The instant a request means: `starts_at`, or `local_start` resolved in the practice's zone.
pub fn requested_start(
    practice: &Practice,
    starts_at: Option<DateTime<Utc>>,
    local_start: Option<NaiveDateTime>,
    fold: Option<api_types::scheduling::Fold>,
) -> ApiResult<Option<DateTime<Utc>>> {
    match (starts_at, local_start) {
        (Some(t), _) => Ok(Some(t)),
        (None, Some(local)) => practice
            .clock
            .resolve_for(local, fold, "local_start")
            .map(Some),
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
    let (a, b) = (practice.clock.local(from), practice.clock.local(to));
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
    for other in queries::holding_for_practitioner(db, practitioner_id, taken, exclude).await? {
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
    let blocks = queries::blocks_overlapping(db, practitioner_id, taken).await?;
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
    if let Some(other) = queries::holding_for_patient(db, patient_id, appt, exclude).await? {
        return Ok(Some(format!(
            "The patient already has an appointment {}.",
            when(practice, other.starts_at, other.ends_at)
        )));
    }
    Ok(None)
}

pub(super) fn conflict(detail: String) -> ApiError {
    ApiError::with_detail(ErrorCode::SlotConflict, detail)
}

pub(super) fn outside(practice: &Practice, o: &Occupancy) -> ApiError {
    ApiError::with_detail(
        ErrorCode::OutsideAvailability,
        format!(
            "The practitioner does not take bookings {} (outside their hours, on leave, a closure \
             or a public holiday).",
            when(practice, o.starts_at, o.ends_at)
        ),
    )
}

pub(super) fn policy(detail: impl Into<String>) -> ApiError {
    ApiError::with_detail(ErrorCode::BookingPolicy, detail)
}
