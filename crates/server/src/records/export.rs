//! "Download my data": everything the exporter may see of a patient's record, as one ZIP
//! archive streamed as it is written: `record.json` (a versioned document of every domain's
//! part), `observations.csv`, the files under `documents/`, and a README. The patient downloads
//! their own; an administrator may export on the patient's request. Audited.

use actix_web::{get, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::{ErrorCode, Role};
use chrono::Utc;
use serde_json::json;
use tokio::sync::{mpsc, Semaphore};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::platform::export::{self, Archive};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The format of `record.json`; raised when its shape changes.
pub const FORMAT: &str = "carebase-patient-export/1";

/// Exports built at once by one process; more wait their turn rather than pile up.
static RUNNING: Semaphore = Semaphore::const_new(2);

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_patient);
}

/// Everything held about the patient that the caller may see, as one ZIP archive streamed as it
/// is built: `record.json` (details, care team, appointments, questionnaires, notes, medications,
/// therapy, imaging, documents, consents, sharing, who has seen the record, and which parts were
/// withheld from the caller), `observations.csv`, the files under `documents/`, and `README.txt`.
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
    crate::patients::ensure_demographics(&auth, PatientId(id))?;
    if auth.own_patient_id() != Some(id) && auth.role() != Some(Role::Admin) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Patients download their own data; an administrator may export it on their request.",
        ));
    }
    crate::patients::get(&state.db, &state.crypto, PatientId(id)).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::PatientExport).patient(id))
        .await?;
    let (tx, rx) = mpsc::channel(4);
    let principal = auth.principal.clone();
    let state = state.into_inner();
    let now = Utc::now();
    tokio::spawn(async move {
        let Ok(_turn) = RUNNING.acquire().await else {
            return;
        };
        let failed = tx.clone();
        if let Err(e) = write(&state, &principal, id, Archive::new(tx)).await {
            tracing::error!(error = %e, "patient export failed midway");
            let _ = failed
                .send(Err(std::io::Error::other("export failed")))
                .await;
        }
    });
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
        .streaming(export::body(rx)))
}

/// Every domain's part, in turn, then `record.json` and the README.
async fn write(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    mut archive: Archive,
) -> ApiResult<()> {
    let practice = crate::settings::load(&state.db).await?.practice_name;
    for holder in super::Holder::ALL {
        holder
            .export(state, principal, PatientId(id), &mut archive)
            .await?;
    }
    let now = Utc::now();
    let mut head = serde_json::Map::new();
    head.insert("format".into(), json!(FORMAT));
    head.insert("exported_at".into(), json!(now));
    head.insert("practice".into(), json!(practice));
    let readme = format!(
        "Your record at {practice}, exported {now}.\r\n\r\n\
         record.json       Your details, care team, appointments, questionnaires (answers and\r\n\
                           scores), signed clinical notes with every version, medications\r\n\
                           with prescriptions, homework, imaging studies, the list of your\r\n\
                           documents, consents, who you share your record with, and the\r\n\
                           latest {max} accesses to your record. Anything the person who\r\n\
                           made the export may not see is listed under \"withheld\".\r\n\
         observations.csv  Every health reading: metric, value, unit, when, and its source.\r\n\
         documents/        Your documents, note attachments and imaging files.\r\n\r\n\
         Times are UTC (RFC 3339). The format of record.json is {FORMAT}.\r\n",
        max = crate::patients::MAX_ACCESS_EVENTS,
        now = now.to_rfc3339(),
    );
    archive.finish(head, &readme).await
}
