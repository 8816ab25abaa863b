//! Scheduling: appointment types, practitioners' availability (weekly patterns, exceptions,
//! practice closures, public holidays), slot search, conflict-safe booking, calendar blocks, the
//! calendar view, appointment messages and reminders, and private iCalendar feeds.
//!
//! Times: appointments are instants (UTC); availability is wall-clock time in the practice's
//! time zone, turned into instants for each day by [`time`]. Conflicts are checked on the
//! practitioner's time an appointment takes (buffers included) and on the patient's time, inside
//! one transaction that first takes a lock per practitioner and patient (a PostgreSQL advisory
//! lock; SQLite runs one write transaction at a time anyway), so two bookings of one slot can
//! never both succeed.

pub mod appointments;
pub mod availability;
pub mod blocks;
pub mod calendar;
pub mod feeds;
pub mod google;
pub mod holidays;
pub mod ics;
pub mod notify;
mod refs;
pub mod rules;
pub mod search;
pub mod slots;
pub mod time;
pub mod types;

use api_types::scheduling::SchedulingSettings;
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbBackend};
use uuid::Uuid;

use crate::platform::ApiResult;

pub use appointments::{erase_patient, export_patient, last_attended};
pub use refs::{appointment_refs, is_patients_appointment, past_appointment_refs, AppointmentRef};

/// Registers the scheduling routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    types::configure(cfg);
    availability::configure(cfg);
    rules::configure(cfg);
    appointments::configure(cfg);
    blocks::configure(cfg);
    search::configure(cfg);
    calendar::configure(cfg);
    feeds::configure(cfg);
    google::configure(cfg);
}

/// What scheduling needs to know about the practice: its clock and its rules.
#[derive(Debug, Clone)]
pub struct Practice {
    pub tz: Tz,
    pub name: String,
    pub rules: SchedulingSettings,
}

impl Practice {
    pub async fn load(db: &impl ConnectionTrait) -> ApiResult<Practice> {
        let practice = crate::settings::load(db).await?;
        let mut rules = rules::load(db).await?;
        rules.time_zone = practice.time_zone.clone();
        Ok(Practice {
            tz: time::zone(&practice.time_zone),
            name: practice.practice_name,
            rules,
        })
    }
}

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
