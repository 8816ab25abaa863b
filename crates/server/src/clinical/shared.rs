//! Small helpers the clinical record's parts share: tidying optional text, and checking that an
//! appointment a record links to is the patient's own.

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
