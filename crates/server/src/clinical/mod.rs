//! The clinical record: notes, questionnaires, medications, therapy and homework, documents and
//! imaging, and the timeline over them. Every read and write goes through `patients::access` (the care team, a patient's
//! grant, break-the-glass, or the patient's own record) and is audited with the patient.

pub mod assessments;
pub mod documents;
mod export;
pub mod files;
pub mod medications;
pub mod notes;
pub mod therapy;
pub mod timeline;

pub use export::export_patient;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    assessments::configure(cfg);
    notes::configure(cfg);
    documents::configure(cfg);
    medications::configure(cfg);
    therapy::configure(cfg);
    timeline::configure(cfg);
}

/// An optional text with its surrounding space removed; `None` when nothing is left.
pub(crate) fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A note or session may link only to one of its own patient's appointments.
pub(crate) async fn check_appointment(
    db: &impl sea_orm::ConnectionTrait,
    patient_id: uuid::Uuid,
    appointment_id: Option<uuid::Uuid>,
) -> crate::platform::ApiResult<()> {
    let Some(a) = appointment_id else {
        return Ok(());
    };
    if !crate::scheduling::is_patients_appointment(db, a, patient_id).await? {
        return Err(crate::platform::ApiError::field(
            "appointment_id",
            "unknown",
            "Choose one of this patient's appointments.",
        ));
    }
    Ok(())
}

/// When the patient's clinical record last grew: their newest note. Counts as service for how
/// long the record is kept.
pub async fn last_note_at(
    db: &impl sea_orm::ConnectionTrait,
    patient_id: uuid::Uuid,
) -> crate::platform::ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
    use entity::clinical::clinical_note;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    Ok(clinical_note::Entity::find()
        .filter(clinical_note::Column::PatientId.eq(patient_id))
        .order_by_desc(clinical_note::Column::CreatedAt)
        .one(db)
        .await?
        .map(|n| n.created_at))
}
