//! Messages to patients about their appointments: a confirmation when booked, a note when moved
//! or cancelled (each written to the outbox in the same transaction as the change, so a crash
//! never loses one), and a reminder the day before. Email carries an `.ics` invitation; SMS
//! goes to the patient's mobile.

use api_types::audit::AuditAction;
use std::collections::HashMap;

use api_types::comms::CorrespondenceKind;
use api_types::scheduling::AppointmentStatus;
use api_types::scheduling::{MessageEvent, MessageTemplate};
use api_types::validation::e164;
use chrono::{DateTime, Duration, Timelike, Utc};
use connectors::email::Attachment;
use entity::scheduling::appointment;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::ics::{self, Method};
use super::{rules, Practice};
use crate::comms::{self, About, Channel, Outbound};
use crate::patients::{self, PatientRecord};
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::platform::PatientId;
use crate::users;
use crate::AppState;

/// What happened to an appointment, with what its message needs.
pub struct Event<'a> {
    pub kind: MessageEvent,
    pub appointment: &'a appointment::Model,
    /// How many appointments the event covers (a series booked or cancelled at once).
    pub series_count: usize,
    pub patient: &'a PatientRecord,
    pub practitioner_name: &'a str,
    pub type_name: &'a str,
    pub previous_start: Option<DateTime<Utc>>,
    pub reason: Option<&'a str>,
}

/// Fills `{{placeholders}}`.
pub fn render(text: &str, values: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        out.push_str(values.get(name).map_or("", String::as_str));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn date_text(practice: &Practice, t: DateTime<Utc>) -> String {
    practice.clock.local(t).format("%A %-d %B %Y").to_string()
}

fn time_text(practice: &Practice, t: DateTime<Utc>) -> String {
    practice.clock.local(t).format("%-I:%M %P").to_string()
}

fn duration_text(d: Duration) -> String {
    let m = d.num_minutes();
    match (m / 60, m % 60) {
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 hour".into(),
        (h, 0) => format!("{h} hours"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn values(practice: &Practice, e: &Event) -> HashMap<&'static str, String> {
    let a = e.appointment;
    let mut v = HashMap::new();
    v.insert("patient_first_name", e.patient.greeting_name().to_owned());
    v.insert("practitioner_name", e.practitioner_name.to_owned());
    v.insert("appointment_type", e.type_name.to_owned());
    v.insert("date", date_text(practice, a.starts_at));
    v.insert("time", time_text(practice, a.starts_at));
    v.insert("duration", duration_text(a.ends_at - a.starts_at));
    v.insert("practice_name", practice.name.clone());
    v.insert(
        "previous_date_time",
        e.previous_start
            .map(|p| format!("{} at {}", date_text(practice, p), time_text(practice, p)))
            .unwrap_or_default(),
    );
    v.insert("reason", e.reason.unwrap_or_default().to_owned());
    v
}

fn invitation(practice: &Practice, e: &Event) -> Attachment {
    let a = e.appointment;
    let cancelled = e.kind == MessageEvent::Cancellation;
    let method = if cancelled {
        Method::Cancel
    } else {
        Method::Request
    };
    let summary = format!("{} with {}", e.type_name, e.practitioner_name);
    let content = ics::calendar(
        &practice.name,
        method,
        None,
        &[ics::Event {
            uid: format!("{}@carebase", a.id),
            sequence: a.version,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            summary: &summary,
            description: None,
            cancelled,
            stamp: Utc::now(),
        }],
    );
    Attachment {
        filename: "appointment.ics".into(),
        content_type: format!("text/calendar; charset=UTF-8; method={}", method.as_str()),
        content,
    }
}

/// Queues the messages for `e`: email (with the invitation) when the patient has an address
/// and has not withdrawn consent to email contact, SMS likewise with a mobile. Call inside the
/// transaction of the change.
pub async fn appointment_event(
    db: &impl ConnectionTrait,
    state: &AppState,
    practice: &Practice,
    e: Event<'_>,
) -> ApiResult<()> {
    let templates = rules::templates(db).await?;
    let Some(t) = templates.get(e.kind) else {
        return Ok(());
    };
    send(db, &state.crypto, practice, t, &e).await
}

async fn send(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    practice: &Practice,
    t: &MessageTemplate,
    e: &Event<'_>,
) -> ApiResult<()> {
    let v = values(practice, e);
    let series_note = if e.series_count > 1 {
        match e.kind {
            MessageEvent::Confirmation => format!(
                "\n\nThis is the first of {} appointments booked at the same time each time.",
                e.series_count
            ),
            MessageEvent::Cancellation => format!(
                "\n\n{} appointments of the series are cancelled, from this one on.",
                e.series_count
            ),
            _ => String::new(),
        }
    } else {
        String::new()
    };
    use api_types::sharing::ConsentKind;
    let patient = e.patient.model.id;
    let kind = if e.kind == MessageEvent::Reminder {
        CorrespondenceKind::Reminder
    } else {
        CorrespondenceKind::Appointment
    };
    let by_email =
        crate::patients::consent_given(db, PatientId(patient), ConsentKind::EmailContact).await?;
    let by_sms =
        crate::patients::consent_given(db, PatientId(patient), ConsentKind::SmsContact).await?;
    if let Some(email) = e.patient.details.email.as_deref().filter(|_| by_email) {
        let attachments = if e.kind == MessageEvent::Reminder {
            Vec::new()
        } else {
            vec![invitation(practice, e)]
        };
        comms::enqueue(
            db,
            crypto,
            Outbound {
                channel: Channel::Email,
                to: email,
                subject: &render(&t.email_subject, &v),
                body: &format!("{}{series_note}", render(&t.email_body, &v)),
                attachments,
                secret: false,
                about: Some(About::patient(PatientId(patient), kind)),
            },
        )
        .await?;
    }
    if let Some(mobile) = e.patient.mobile().and_then(e164).filter(|_| by_sms) {
        let body: String = render(&t.sms_body, &v).chars().take(480).collect();
        comms::enqueue(
            db,
            crypto,
            Outbound {
                channel: Channel::Sms,
                to: &mobile,
                subject: "",
                body: &body,
                attachments: Vec::new(),
                secret: false,
                about: Some(About::patient(PatientId(patient), kind)),
            },
        )
        .await?;
    }
    Ok(())
}

/// From this local hour on, reminders go out for the next day's appointments.
pub const REMINDER_HOUR: u32 = 9;

/// Queues reminders for tomorrow's appointments (practice time), once each: an appointment is
/// claimed by setting `reminder_sent_at` with a conditional update in the same transaction as
/// its messages, so replicas running this at once never remind twice. Before `REMINDER_HOUR`
/// local time nothing is sent. Returns how many appointments were reminded.
pub async fn send_due_reminders(
    db: &DatabaseConnection,
    crypto: &Crypto,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let practice = Practice::load(db).await?;
    if !practice.rules.reminders_enabled || practice.clock.local(now).hour() < REMINDER_HOUR {
        return Ok(0);
    }
    let tomorrow = practice
        .clock
        .local_date(now)
        .succ_opt()
        .unwrap_or_default();
    let from = practice.clock.day_start(tomorrow);
    let to = practice
        .clock
        .day_start(tomorrow.succ_opt().unwrap_or(tomorrow));
    let due = appointment::Entity::find()
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .filter(appointment::Column::ReminderSentAt.is_null())
        .filter(appointment::Column::StartsAt.gte(from))
        .filter(appointment::Column::StartsAt.lt(to))
        .limit(500)
        .all(db)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let templates = rules::templates(db).await?;
    let Some(template) = templates.get(MessageEvent::Reminder) else {
        return Ok(0);
    };
    let patient_ids: Vec<Uuid> = due.iter().map(|a| a.patient_id).collect();
    let practitioner_ids: Vec<Uuid> = due.iter().map(|a| a.practitioner_id).collect();
    let patients = patients::find_many(db, crypto, &patient_ids).await?;
    let names = users::names(db, crypto, &practitioner_ids).await?;
    let type_names: HashMap<Uuid, String> = super::types::all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut reminded = 0;
    for a in due {
        let Some(patient) = patients.get(&a.patient_id) else {
            continue;
        };
        let txn = db.begin().await?;
        let claimed = appointment::Entity::update_many()
            .set(appointment::ActiveModel {
                reminder_sent_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(appointment::Column::Id.eq(a.id))
            .filter(appointment::Column::ReminderSentAt.is_null())
            .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
            .filter(appointment::Column::StartsAt.eq(a.starts_at))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let e = Event {
                kind: MessageEvent::Reminder,
                appointment: &a,
                series_count: 1,
                patient,
                practitioner_name: names.get(&a.practitioner_id).map_or("", String::as_str),
                type_name: type_names
                    .get(&a.appointment_type_id)
                    .map_or("appointment", String::as_str),
                previous_start: None,
                reason: None,
            };
            send(&txn, crypto, &practice, template, &e).await?;
            // The patient's contact details left in a message: recorded with it.
            crate::audit::stage(
                &txn,
                &crate::audit::AuditEntry::anonymous(
                    &crate::platform::ClientInfo::default(),
                    AuditAction::AppointmentReminder,
                )
                .patient(a.patient_id)
                .resource("appointment", a.id),
            )
            .await?;
            reminded += 1;
        }
        txn.commit().await?;
    }
    Ok(reminded)
}

/// Sends reminders every five minutes until the process stops.
pub async fn run_reminders(db: DatabaseConnection, crypto: std::sync::Arc<Crypto>) {
    loop {
        match send_due_reminders(&db, &crypto, Utc::now()).await {
            Ok(n) if n > 0 => tracing::info!(reminded = n, "appointment reminders queued"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "appointment reminders failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(300)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_dropped() {
        let mut v = HashMap::new();
        v.insert("time", "9:30 am".to_owned());
        assert_eq!(
            render("At {{time}}, {{ time }} {{nope}}!{{", &v),
            "At 9:30 am, 9:30 am !{{"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(Duration::minutes(30)), "30 minutes");
        assert_eq!(duration_text(Duration::minutes(60)), "1 hour");
        assert_eq!(duration_text(Duration::minutes(90)), "1 h 30 min");
    }
}
