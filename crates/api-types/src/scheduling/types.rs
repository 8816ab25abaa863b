//! Appointment types: what the practice offers, for how long, with which buffers, and who
//! offers it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::validation::Errors;

/// How an appointment is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentMode {
    #[default]
    InPerson,
    Telehealth,
}

impl AppointmentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentMode::InPerson => "in_person",
            AppointmentMode::Telehealth => "telehealth",
        }
    }

    pub fn parse(s: &str) -> Option<AppointmentMode> {
        match s {
            "in_person" => Some(AppointmentMode::InPerson),
            "telehealth" => Some(AppointmentMode::Telehealth),
            _ => None,
        }
    }
}

/// A kind of appointment the practice offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentType {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub duration_minutes: u32,
    /// `#rrggbb`, used on the calendar.
    pub colour: String,
    /// The fee in cents, GST included.
    pub price_cents: i64,
    /// Time the practitioner needs before the appointment; nothing else may be booked in it.
    pub buffer_before_minutes: u32,
    /// Time the practitioner needs after the appointment.
    pub buffer_after_minutes: u32,
    pub mode: AppointmentMode,
    /// Patients may book it themselves in the portal.
    pub online_bookable: bool,
    /// Only active types can be booked.
    pub active: bool,
    /// The practitioners who offer it.
    pub practitioner_ids: Vec<Uuid>,
    /// The `ETag`; send it as `If-Match` when changing the type.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn yes() -> bool {
    true
}

/// A new appointment type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentTypeInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// 5 to 480 minutes, in steps of 5.
    pub duration_minutes: u32,
    /// `#rrggbb`.
    pub colour: String,
    #[serde(default)]
    pub price_cents: i64,
    #[serde(default)]
    pub buffer_before_minutes: u32,
    #[serde(default)]
    pub buffer_after_minutes: u32,
    #[serde(default)]
    pub mode: AppointmentMode,
    #[serde(default)]
    pub online_bookable: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub practitioner_ids: Vec<Uuid>,
}

/// Changes to an appointment type; fields left out stay as they are. Appointments already booked
/// keep the duration and buffers they were booked with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentTypePatch {
    pub name: Option<String>,
    #[serde(
        default,
        with = "super::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    pub duration_minutes: Option<u32>,
    pub colour: Option<String>,
    pub price_cents: Option<i64>,
    pub buffer_before_minutes: Option<u32>,
    pub buffer_after_minutes: Option<u32>,
    pub mode: Option<AppointmentMode>,
    pub online_bookable: Option<bool>,
    pub active: Option<bool>,
    pub practitioner_ids: Option<Vec<Uuid>>,
}

impl AppointmentTypePatch {
    pub fn apply(self, to: &mut AppointmentTypeInput) {
        if let Some(v) = self.name {
            to.name = v;
        }
        if let Some(v) = self.description {
            to.description = v;
        }
        if let Some(v) = self.duration_minutes {
            to.duration_minutes = v;
        }
        if let Some(v) = self.colour {
            to.colour = v;
        }
        if let Some(v) = self.price_cents {
            to.price_cents = v;
        }
        if let Some(v) = self.buffer_before_minutes {
            to.buffer_before_minutes = v;
        }
        if let Some(v) = self.buffer_after_minutes {
            to.buffer_after_minutes = v;
        }
        if let Some(v) = self.mode {
            to.mode = v;
        }
        if let Some(v) = self.online_bookable {
            to.online_bookable = v;
        }
        if let Some(v) = self.active {
            to.active = v;
        }
        if let Some(v) = self.practitioner_ids {
            to.practitioner_ids = v;
        }
    }
}

/// `#rrggbb`.
pub fn colour(value: &str) -> Result<(), crate::validation::RuleError> {
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err((
            "invalid_colour",
            "Choose a colour written as #rrggbb, such as #2563eb.".into(),
        ))
    }
}

impl AppointmentTypeInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("name", &self.name, 120);
        e.optional_text("description", self.description.as_deref(), 2000);
        if !(5..=480).contains(&self.duration_minutes) || !self.duration_minutes.is_multiple_of(5) {
            e.push(
                "duration_minutes",
                "out_of_range",
                "Choose a duration from 5 to 480 minutes, in steps of 5.",
            );
        }
        e.check(colour(&self.colour), "colour");
        if !(0..=10_000_000).contains(&self.price_cents) {
            e.push(
                "price_cents",
                "out_of_range",
                "Enter a price from $0 to $100,000.",
            );
        }
        for (field, value) in [
            ("buffer_before_minutes", self.buffer_before_minutes),
            ("buffer_after_minutes", self.buffer_after_minutes),
        ] {
            if value > 120 {
                e.push(field, "out_of_range", "Use at most 120 minutes.");
            }
        }
        if self.practitioner_ids.len() > 500 {
            e.push("practitioner_ids", "too_many", "At most 500 practitioners.");
        }
        e.finish()
    }
}

/// Filters for appointment types.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AppointmentTypeQuery {
    /// Include inactive types (staff only).
    pub include_inactive: Option<bool>,
    /// Only types this practitioner offers.
    pub practitioner_id: Option<Uuid>,
}
