//! Calendar blocks: a practitioner's time held for admin work, walk-ins or a group session.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::check_start;
use super::Fold;
use crate::error::FieldError;
use crate::validation::Errors;

/// What a block of a practitioner's time is held for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// Paperwork, meetings: nothing is booked in it.
    Admin,
    /// Held for walk-ins: staff book patients into it one after another.
    WalkIn,
    /// A group session: up to `capacity` patients booked for the whole block.
    Group,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Admin => "admin",
            BlockKind::WalkIn => "walk_in",
            BlockKind::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<BlockKind> {
        match s {
            "admin" => Some(BlockKind::Admin),
            "walk_in" => Some(BlockKind::WalkIn),
            "group" => Some(BlockKind::Group),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockKind::Admin => "Admin time",
            BlockKind::WalkIn => "Walk-ins",
            BlockKind::Group => "Group session",
        }
    }
}

/// Time held on a practitioner's calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarBlock {
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub kind: BlockKind,
    pub label: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub local_start: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T09:30:00"))]
    pub local_end: NaiveDateTime,
    /// For group sessions: how many patients it takes.
    pub capacity: u32,
    /// Appointments booked into it.
    pub booked: u32,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCalendarBlock {
    pub practitioner_id: Uuid,
    pub kind: BlockKind,
    pub label: String,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-12-07T09:30:00"))]
    pub local_start: Option<NaiveDateTime>,
    #[serde(default)]
    pub fold: Option<Fold>,
    /// 5 minutes to 12 hours.
    pub duration_minutes: u32,
    /// Group sessions: 2 to 100. Ignored for other kinds.
    #[serde(default)]
    pub capacity: u32,
}

impl NewCalendarBlock {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        check_start(&mut e, self.starts_at, self.local_start, true);
        e.required_text("label", &self.label, 120);
        if !(5..=720).contains(&self.duration_minutes) {
            e.push(
                "duration_minutes",
                "out_of_range",
                "Choose 5 minutes to 12 hours.",
            );
        }
        if self.kind == BlockKind::Group && !(2..=100).contains(&self.capacity) {
            e.push(
                "capacity",
                "out_of_range",
                "A group session takes 2 to 100 patients.",
            );
        }
        e.finish()
    }
}

/// Moves or relabels a block. Appointments booked into it move with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarBlockPatch {
    pub label: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2026-12-07T09:30:00"))]
    pub local_start: Option<NaiveDateTime>,
    pub fold: Option<Fold>,
    pub duration_minutes: Option<u32>,
    pub capacity: Option<u32>,
}
