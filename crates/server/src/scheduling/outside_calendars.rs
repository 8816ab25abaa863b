//! Appointments as outside calendars see them (a practitioner's connected Google Calendar):
//! which appointments a practitioner has, which start from a time on, and one appointment as an
//! event would show it. Changes are announced to the calendar sync in the changing transaction.

use api_types::scheduling::Appointment;
use chrono::{DateTime, Utc};
use entity::scheduling::appointment;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::appointments::{to_wire_many, Viewer};
use super::Practice;
use crate::integrations::{self, AppointmentChanged};
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::platform::{AppointmentId, UserId};

/// The ids of a practitioner's appointments, as a subquery.
pub fn appointments_of_practitioner(practitioner_id: Uuid) -> SelectStatement {
    Query::select()
        .column(appointment::Column::Id)
        .from(appointment::Entity)
        .and_where(appointment::Column::PractitionerId.eq(practitioner_id))
        .to_owned()
}

/// The ids of appointments starting at `from` or later, as a subquery.
pub fn appointments_starting_from(from: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column(appointment::Column::Id)
        .from(appointment::Entity)
        .and_where(appointment::Column::StartsAt.gte(from))
        .to_owned()
}

/// The ids of a practitioner's appointments starting at `from` or later.
pub async fn practitioner_appointments_since(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
    from: DateTime<Utc>,
) -> ApiResult<Vec<Uuid>> {
    Ok(appointment::Entity::find()
        .select_only()
        .column(appointment::Column::Id)
        .filter(appointment::Column::PractitionerId.eq(practitioner_id))
        .filter(appointment::Column::StartsAt.gte(from))
        .into_tuple()
        .all(db)
        .await?)
}

/// One appointment as an outside calendar shows it (the patient's name only where allowed).
pub async fn for_outside_calendar(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    practice: &Practice,
    id: Uuid,
) -> ApiResult<Option<Appointment>> {
    let Some(row) = appointment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(
        to_wire_many(db, crypto, practice, vec![row], Viewer::OutsideCalendar)
            .await?
            .pop(),
    )
}

/// Tells the calendar sync that these appointments changed, in the caller's transaction.
pub(super) async fn changed(
    db: &impl ConnectionTrait,
    appointments: &[appointment::Model],
) -> ApiResult<()> {
    let changed: Vec<AppointmentChanged> = appointments
        .iter()
        .map(|a| AppointmentChanged {
            appointment_id: AppointmentId(a.id),
            practitioner_id: UserId(a.practitioner_id),
        })
        .collect();
    integrations::appointments_changed(db, &changed).await
}
