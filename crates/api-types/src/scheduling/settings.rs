//! The practice's scheduling rules (slot grid, online booking, reminders) and the templates of
//! the messages sent when appointments change.

use serde::{Deserialize, Serialize};

use super::HolidayRegion;
use crate::error::FieldError;
use crate::validation::Errors;

/// Whether and how patients book for themselves in the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OnlineBooking {
    pub enabled: bool,
    /// How long before an appointment patients may still book it.
    pub min_notice_hours: u32,
    /// How far ahead patients may book.
    pub max_days_ahead: u32,
    /// How long before an appointment patients may still cancel it in the portal.
    pub cancellation_notice_hours: u32,
}

impl Default for OnlineBooking {
    fn default() -> Self {
        OnlineBooking {
            enabled: true,
            min_notice_hours: 2,
            max_days_ahead: 60,
            cancellation_notice_hours: 24,
        }
    }
}

/// The practice's scheduling rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SchedulingSettings {
    /// Whose public holidays apply.
    pub holiday_region: HolidayRegion,
    /// Slots start this many minutes apart (5 to 60).
    pub slot_interval_minutes: u32,
    pub online_booking: OnlineBooking,
    /// Send a reminder the day before each appointment.
    pub reminders_enabled: bool,
    /// The practice's time zone (read only here; set in practice settings).
    #[serde(default)]
    pub time_zone: String,
}

impl Default for SchedulingSettings {
    fn default() -> Self {
        SchedulingSettings {
            holiday_region: HolidayRegion::Nsw,
            slot_interval_minutes: 15,
            online_booking: OnlineBooking::default(),
            reminders_enabled: true,
            time_zone: "Australia/Sydney".into(),
        }
    }
}

impl SchedulingSettings {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        if !(5..=60).contains(&self.slot_interval_minutes)
            || !60u32.is_multiple_of(self.slot_interval_minutes)
        {
            e.push(
                "slot_interval_minutes",
                "out_of_range",
                "Choose 5, 10, 15, 20, 30 or 60 minutes.",
            );
        }
        let o = &self.online_booking;
        if o.min_notice_hours > 24 * 30 {
            e.push(
                "online_booking.min_notice_hours",
                "out_of_range",
                "Use at most 720 hours (30 days).",
            );
        }
        if !(1..=365).contains(&o.max_days_ahead) {
            e.push(
                "online_booking.max_days_ahead",
                "out_of_range",
                "Choose from 1 to 365 days.",
            );
        }
        if o.cancellation_notice_hours > 24 * 30 {
            e.push(
                "online_booking.cancellation_notice_hours",
                "out_of_range",
                "Use at most 720 hours (30 days).",
            );
        }
        e.finish()
    }
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageEvent {
    Confirmation,
    Change,
    Cancellation,
    Reminder,
}

impl MessageEvent {
    pub const ALL: [MessageEvent; 4] = [
        MessageEvent::Confirmation,
        MessageEvent::Change,
        MessageEvent::Cancellation,
        MessageEvent::Reminder,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MessageEvent::Confirmation => "Booking confirmation",
            MessageEvent::Change => "Appointment changed",
            MessageEvent::Cancellation => "Cancellation",
            MessageEvent::Reminder => "Reminder (the day before)",
        }
    }
}

/// One message, by email and by SMS. `{{placeholders}}` are filled in when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageTemplate {
    pub event: MessageEvent,
    pub email_subject: String,
    pub email_body: String,
    /// At most 480 characters once filled in (three SMS segments).
    pub sms_body: String,
}

/// The placeholders a template may use.
pub const TEMPLATE_PLACEHOLDERS: [(&str, &str); 9] = [
    (
        "patient_first_name",
        "The patient's first (or preferred) name",
    ),
    ("practitioner_name", "The practitioner's name"),
    ("appointment_type", "The appointment type"),
    ("date", "The day, such as Monday 7 December 2026"),
    ("time", "The start time, such as 9:30 am"),
    ("duration", "The length, such as 30 minutes"),
    ("practice_name", "The practice's name"),
    (
        "previous_date_time",
        "Before a change: the old day and time",
    ),
    ("reason", "A cancellation's reason"),
];

impl MessageTemplate {
    /// The placeholders used that are not known.
    pub fn unknown_placeholders(text: &str) -> Vec<String> {
        let mut unknown = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                break;
            };
            let name = after[..end].trim();
            if !TEMPLATE_PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
                unknown.push(name.to_owned());
            }
            rest = &after[end + 2..];
        }
        unknown
    }

    pub fn validate(&self, field: &str, e: &mut Errors) {
        e.required_text(&format!("{field}.email_subject"), &self.email_subject, 200);
        e.required_text(&format!("{field}.email_body"), &self.email_body, 5000);
        e.required_text(&format!("{field}.sms_body"), &self.sms_body, 400);
        for (name, text) in [
            ("email_subject", &self.email_subject),
            ("email_body", &self.email_body),
            ("sms_body", &self.sms_body),
        ] {
            let unknown = MessageTemplate::unknown_placeholders(text);
            if !unknown.is_empty() {
                e.push(
                    &format!("{field}.{name}"),
                    "unknown_placeholder",
                    format!("Unknown placeholder: {{{{{}}}}}", unknown.join("}}, {{")),
                );
            }
        }
    }
}

/// Every appointment message, one per event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageTemplates {
    pub templates: Vec<MessageTemplate>,
}

impl MessageTemplates {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        for (i, t) in self.templates.iter().enumerate() {
            t.validate(&format!("templates[{i}]"), &mut e);
        }
        for event in MessageEvent::ALL {
            let n = self.templates.iter().filter(|t| t.event == event).count();
            if n != 1 {
                e.push(
                    "templates",
                    "one_per_event",
                    format!("Give exactly one template for {}.", event.label()),
                );
            }
        }
        e.finish()
    }

    pub fn get(&self, event: MessageEvent) -> Option<&MessageTemplate> {
        self.templates.iter().find(|t| t.event == event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_unknown_placeholders() {
        assert_eq!(
            MessageTemplate::unknown_placeholders(
                "Hi {{patient_first_name}}, {{nope}} at {{time}}"
            ),
            vec!["nope".to_owned()]
        );
    }
}
