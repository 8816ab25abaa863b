//! The clinical record's part of a patient's export. Each category is read through the same
//! function its API list uses, with the exporter's own access, so an export never holds what its
//! reader could not see in the app; a category they may not read is named as withheld.

use entity::clinical::{
    assessment, clinical_note, homework_task, imaging_study, medication, therapy_session,
};
use sea_orm::QueryOrder;

use super::{assessments, documents, files, imaging, medications, notes, therapy};
use crate::auth::Principal;
use crate::platform::export::Archive;
use crate::platform::ApiResult;
use crate::platform::PatientId;
use crate::AppState;

/// What a category's reader answered: its select, or a refusal the export honours.
fn allowed<T>(read: ApiResult<T>) -> ApiResult<Option<T>> {
    match read {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.is_refusal() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Adds the notes, questionnaires, medications, therapy sessions, homework, imaging studies and
/// files the exporter may read.
pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient_id: PatientId,
    archive: &mut Archive,
) -> ApiResult<()> {
    let (db, crypto) = (&state.db, &state.crypto);
    match allowed(assessments::readable(state, principal, patient_id.0).await)? {
        Some(find) => {
            let rows = find
                .order_by_asc(assessment::Column::CompletedAt)
                .all(db)
                .await?;
            archive.section("assessments", assessments::to_wire(db, crypto, rows).await?)?;
        }
        None => archive.withhold("assessments"),
    }
    match allowed(notes::readable(state, principal, patient_id.0).await)? {
        Some(find) => {
            let rows = find
                .order_by_asc(clinical_note::Column::CreatedAt)
                .all(db)
                .await?;
            archive.section("notes", notes::to_wire(db, crypto, rows).await?)?;
        }
        None => archive.withhold("notes"),
    }
    match allowed(medications::readable(state, principal, patient_id.0).await)? {
        Some(find) => {
            let rows = find
                .order_by_asc(medication::Column::StartDate)
                .all(db)
                .await?;
            archive.section("medications", medications::to_wire(db, crypto, rows).await?)?;
        }
        None => archive.withhold("medications"),
    }
    match allowed(therapy::readable_sessions(state, principal, patient_id.0).await)? {
        Some(find) => {
            let rows = find
                .order_by_asc(therapy_session::Column::SessionDate)
                .all(db)
                .await?;
            archive.section(
                "therapy_sessions",
                therapy::sessions_to_wire(db, crypto, rows).await?,
            )?;
        }
        None => archive.withhold("therapy_sessions"),
    }
    match allowed(therapy::readable_homework(state, principal, patient_id.0).await)? {
        Some(find) => {
            let rows = find
                .order_by_asc(homework_task::Column::DueDate)
                .all(db)
                .await?;
            archive.section(
                "homework",
                therapy::homework_to_wire(db, crypto, rows).await?,
            )?;
        }
        None => archive.withhold("homework"),
    }
    match allowed(imaging::readable_studies(state, principal, patient_id.0).await)? {
        Some(find) => {
            let rows = find
                .order_by_asc(imaging_study::Column::StudyDate)
                .all(db)
                .await?;
            archive.section(
                "imaging_studies",
                imaging::studies_to_wire(db, crypto, rows).await?,
            )?;
        }
        None => archive.withhold("imaging_studies"),
    }
    // Files one piece at a time: each piece is decrypted, written and let go before the next.
    let readable = documents::readable_files(state, principal, patient_id.0).await?;
    let listed = files::to_wire(db, crypto, readable).await?;
    let mut index = Vec::with_capacity(listed.len());
    for (n, d) in listed.iter().enumerate() {
        let path = format!("documents/{:03} {}", n + 1, d.name);
        archive.start_file(&path).await?;
        let mut pieces = files::reader(d);
        while let Some(piece) = pieces.next(db, crypto).await? {
            archive.write(&piece).await?;
        }
        index.push(serde_json::json!({"file": path, "document": d}));
    }
    archive.section("documents", index)
}
