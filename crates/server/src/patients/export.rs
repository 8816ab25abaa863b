//! "Download my data": everything the practice holds about a patient in one ZIP archive, as
//! machine-readable JSON (`record.json`), the readings as CSV, and a README saying what is in
//! it. The patient downloads their own; an administrator may export on the patient's request.
//! Each export is audited.

use std::io::Write;

use actix_web::{get, web, HttpResponse};
use api_types::patients::CareTeamMember;
use api_types::{ErrorCode, Role};
use chrono::Utc;
use entity::clinical::{
    assessment, clinical_note, document, homework_task, imaging_study, medication, therapy_session,
};
use entity::patients::{access_grant, care_team_member};
use entity::scheduling::appointment;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::access::ensure_demographics;
use super::queries;
use crate::audit::AuditEntry;
use crate::platform::{require, ApiError, ApiResult, AppState, Authorized};
use crate::users::queries as users;

/// The format of `record.json`; raised when its shape changes.
pub const FORMAT: &str = "carebase-patient-export/1";
/// Audit events included, newest first.
const MAX_ACCESS_EVENTS: u64 = 100;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_patient);
}

/// Everything held about the patient, as one ZIP archive: `record.json` (details, care team,
/// appointments, questionnaires, signed notes, imaging, consents, sharing, and who has seen the
/// record), `observations.csv`, the documents themselves under `documents/`, and `README.txt`.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["own_record"]), ("bearer" = ["patients:read"])),
    responses(
        (status = 200, description = "The archive", content_type = "application/zip", body = Vec<u8>),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem)
    )
)]
#[get("/patients/{id}/export")]
async fn export_patient(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    ensure_demographics(&auth, id)?;
    if auth.own_patient_id() != Some(id) && auth.role() != Some(Role::Admin) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Patients download their own data; an administrator may export it on their request.",
        ));
    }
    let record = queries::get(&state.db, &state.crypto, id).await?;
    let practice = crate::scheduling::Practice::load(&state.db).await?;

    let team_rows = care_team_member::Entity::find()
        .filter(care_team_member::Column::PatientId.eq(id))
        .all(&state.db)
        .await?;
    let mut care_team = Vec::with_capacity(team_rows.len());
    for m in team_rows {
        if let Some(u) = users::find(&state.db, &state.crypto, m.user_id).await? {
            care_team.push(CareTeamMember {
                user_id: m.user_id,
                name: u.name,
                role: u.role,
                added_at: m.added_at,
            });
        }
    }
    let appointments = crate::scheduling::appointments::to_wire_many(
        &state.db,
        &state.crypto,
        &practice,
        appointment::Entity::find()
            .filter(appointment::Column::PatientId.eq(id))
            .order_by_asc(appointment::Column::StartsAt)
            .all(&state.db)
            .await?,
        crate::scheduling::appointments::Viewer::Patient { user_id: None },
    )
    .await?;
    let assessments = crate::clinical::assessments::to_wire(
        &state.db,
        &state.crypto,
        assessment::Entity::find()
            .filter(assessment::Column::PatientId.eq(id))
            .order_by_asc(assessment::Column::CompletedAt)
            .all(&state.db)
            .await?,
    )
    .await?;
    let notes = crate::clinical::notes::to_wire(
        &state.db,
        &state.crypto,
        clinical_note::Entity::find()
            .filter(clinical_note::Column::PatientId.eq(id))
            .filter(clinical_note::Column::Status.ne("draft"))
            .order_by_asc(clinical_note::Column::CreatedAt)
            .all(&state.db)
            .await?,
    )
    .await?;
    let medications = crate::clinical::medications::to_wire(
        &state.db,
        &state.crypto,
        medication::Entity::find()
            .filter(medication::Column::PatientId.eq(id))
            .order_by_asc(medication::Column::StartDate)
            .all(&state.db)
            .await?,
    )
    .await?;
    let sessions = crate::clinical::therapy::sessions_to_wire(
        &state.db,
        &state.crypto,
        therapy_session::Entity::find()
            .filter(therapy_session::Column::PatientId.eq(id))
            .order_by_asc(therapy_session::Column::SessionDate)
            .all(&state.db)
            .await?,
    )
    .await?;
    let homework = crate::clinical::therapy::homework_to_wire(
        &state.db,
        &state.crypto,
        homework_task::Entity::find()
            .filter(homework_task::Column::PatientId.eq(id))
            .order_by_asc(homework_task::Column::DueDate)
            .all(&state.db)
            .await?,
    )
    .await?;
    let studies = crate::clinical::documents::studies_to_wire(
        &state.db,
        &state.crypto,
        imaging_study::Entity::find()
            .filter(imaging_study::Column::PatientId.eq(id))
            .order_by_asc(imaging_study::Column::StudyDate)
            .all(&state.db)
            .await?,
    )
    .await?;
    let documents = crate::clinical::files::to_wire(
        &state.db,
        &state.crypto,
        document::Entity::find()
            .filter(document::Column::PatientId.eq(id))
            .filter(document::Column::DeletedAt.is_null())
            .order_by_asc(document::Column::CreatedAt)
            .all(&state.db)
            .await?,
    )
    .await?;
    // Drafts' attachments are not yet part of the record.
    let signed_notes: std::collections::HashSet<Uuid> = notes.iter().map(|n| n.id).collect();
    let documents: Vec<_> = documents
        .into_iter()
        .filter(|d| d.note_id.is_none_or(|n| signed_notes.contains(&n)))
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(documents.len());
    let mut listed = Vec::with_capacity(documents.len());
    for (n, d) in documents.iter().enumerate() {
        let path = format!("documents/{:03} {}", n + 1, d.name);
        files.push((
            path.clone(),
            crate::clinical::files::content(&state.db, &state.crypto, d.id).await?,
        ));
        listed.push(json!({"file": path, "document": d}));
    }
    let consents = super::consents::consents_of(&state, id).await?;
    let grants = super::grants::to_wire(
        &state,
        access_grant::Entity::find()
            .filter(access_grant::Column::PatientId.eq(id))
            .order_by_asc(access_grant::Column::CreatedAt)
            .all(&state.db)
            .await?,
    )
    .await?;
    let (accesses, total_accesses) =
        super::consents::access_entries(&state, id, auth.user_id(), MAX_ACCESS_EVENTS, 0).await?;
    let observations = crate::health::series::export_csv(&state.db, id, None, None, None).await?;
    let now = Utc::now();
    let document = json!({
        "format": FORMAT,
        "exported_at": now,
        "practice": practice.name,
        "patient": {"id": id, "details": record.details, "created_at": record.model.created_at},
        "care_team": care_team,
        "appointments": appointments,
        "assessments": assessments,
        "notes": notes,
        "medications": medications,
        "therapy_sessions": sessions,
        "homework": homework,
        "imaging_studies": studies,
        "documents": listed,
        "consents": consents,
        "access_grants": grants,
        "record_accesses": {"newest": accesses, "total": total_accesses},
    });
    let readme = format!(
        "Your record at {practice}, exported {now}.\r\n\r\n\
         record.json       Your details, care team, appointments, questionnaires (answers and\r\n\
                           scores), signed clinical notes with every version, medications\r\n\
                           with prescriptions, therapy sessions and homework, imaging studies,\r\n\
                           the list of your documents, consents, who you share your record\r\n\
                           with, and the latest {MAX_ACCESS_EVENTS} accesses to your record\r\n\
                           (of {total_accesses}).\r\n\
         observations.csv  Every health reading: metric, value, unit, when, and its source.\r\n\
         documents/        Your documents, note attachments and imaging files ({count}).\r\n\r\n\
         Times are UTC (RFC 3339). The format of record.json is {FORMAT}.\r\n",
        count = files.len(),
        practice = practice.name,
        now = now.to_rfc3339(),
    );
    let body = serde_json::to_vec_pretty(&document).map_err(|e| ApiError::Internal(e.into()))?;
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("README.txt", readme.as_bytes()),
        ("record.json", &body),
        ("observations.csv", observations.as_bytes()),
    ];
    entries.extend(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    let archive = zip_of(&entries)?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "patient.export")
                .patient(id)
                .detail(format!(
                    "appointments={} assessments={} notes={} documents={} bytes={}",
                    appointments.len(),
                    assessments.len(),
                    notes.len(),
                    files.len(),
                    archive.len()
                )),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"carebase-record-{}.zip\"",
                now.format("%Y-%m-%d")
            ),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(archive))
}

fn zip_of(files: &[(&str, &[u8])]) -> ApiResult<Vec<u8>> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(*name, options)
                .map_err(|e| ApiError::Internal(e.into()))?;
            zip.write_all(bytes)
                .map_err(|e| ApiError::Internal(e.into()))?;
        }
        zip.finish().map_err(|e| ApiError::Internal(e.into()))?;
    }
    Ok(buffer.into_inner())
}
