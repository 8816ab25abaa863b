//! Appointments as other parts of the record refer to them: a note, a therapy session or a
//! questionnaire names the appointment it belongs to, and the timeline lists past visits.

use std::collections::HashMap;

use api_types::scheduling::AppointmentStatus;
use chrono::{DateTime, Utc};
use entity::scheduling::{appointment, appointment_type};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::platform::ApiResult;

/// An appointment named from elsewhere in the record.
#[derive(Debug, Clone)]
pub struct AppointmentRef {
    pub id: Uuid,
    pub type_name: String,
    pub starts_at: DateTime<Utc>,
    pub practitioner_id: Uuid,
    pub status: AppointmentStatus,
}

async fn refs_of(
    db: &impl ConnectionTrait,
    rows: Vec<appointment::Model>,
) -> ApiResult<Vec<AppointmentRef>> {
    let types: HashMap<Uuid, String> = appointment_type::Entity::find()
        .filter(appointment_type::Column::Id.is_in(rows.iter().map(|a| a.appointment_type_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|a| AppointmentRef {
            id: a.id,
            type_name: types
                .get(&a.appointment_type_id)
                .cloned()
                .unwrap_or_default(),
            starts_at: a.starts_at,
            practitioner_id: a.practitioner_id,
            status: a.status,
        })
        .collect())
}

/// The appointments of `ids` that exist, by id.
pub async fn appointment_refs(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, AppointmentRef>> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = appointment::Entity::find()
        .filter(appointment::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(refs_of(db, rows)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// The patient's appointments that have started, newest first, up to `limit`.
pub async fn past_appointment_refs(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    limit: u64,
) -> ApiResult<Vec<AppointmentRef>> {
    let rows = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::StartsAt.lte(Utc::now()))
        .order_by_desc(appointment::Column::StartsAt)
        .limit(limit)
        .all(db)
        .await?;
    refs_of(db, rows).await
}

/// Whether the appointment exists and is the patient's.
pub async fn is_patients_appointment(
    db: &impl ConnectionTrait,
    appointment_id: Uuid,
    patient_id: Uuid,
) -> ApiResult<bool> {
    Ok(appointment::Entity::find_by_id(appointment_id)
        .filter(appointment::Column::PatientId.eq(patient_id))
        .one(db)
        .await?
        .is_some())
}
