//! Scheduling's part of operations on a patient's whole record: the export and the erasure.

use api_types::Permission;
use chrono::Utc;
use entity::scheduling::{appointment, appointment_change};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::queries;
use super::wire::{to_wire_many, Viewer};
use crate::auth::{require, Principal};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::scheduling::{outside_calendars, Practice};
use crate::AppState;

/// Scheduling's part of a patient's export: their appointments, as each one reads to the exporter
/// through the API (staff see booking notes; a patient sees their own appointments).
pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient_id: PatientId,
    archive: &mut crate::platform::export::Archive,
) -> ApiResult<()> {
    let allowed = principal
        .ensure::<require::ScheduleReadOrOwn>()
        .and_then(|()| {
            if principal.has(Permission::ScheduleRead)
                || principal.own_patient_id() == Some(patient_id.0)
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
    let rows = queries::of_patient(&state.db, patient_id.0).await?;
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
    patient_id: PatientId,
) -> ApiResult<()> {
    let now = Utc::now();
    queries::cancel_upcoming(txn, by, patient_id.0, now).await?;
    let all = queries::all_of_patient(txn, patient_id.0).await?;
    outside_calendars::changed(txn, &all).await
}

/// Scheduling's part of retention: at the end of an erased patient's retention, their past
/// appointments go with their history (and the outside calendars' links to them). Returns how
/// many rows went.
pub async fn destroy_patient(db: &impl ConnectionTrait, patient_id: PatientId) -> ApiResult<u64> {
    let theirs = Query::select()
        .column(appointment::Column::Id)
        .from(appointment::Entity)
        .and_where(appointment::Column::PatientId.eq(patient_id))
        .to_owned();
    let changes = appointment_change::Entity::delete_many()
        .filter(appointment_change::Column::AppointmentId.in_subquery(theirs))
        .exec(db)
        .await?
        .rows_affected;
    Ok(changes + crate::delete_patient_rows!(db, patient_id, [appointment]))
}
