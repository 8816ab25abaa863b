//! Documents in the record, uploaded by staff or by the patient in the portal (a note's
//! attachments and an imaging study's files are documents too). Every upload, preview and
//! download is audited with the patient.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::documents::{
    ContentQuery, Document, DocumentKind, DocumentQuery, DocumentSource, UploadQuery,
};
use api_types::notes::NoteStatus;
use api_types::sharing::RecordCategory;
use api_types::{ErrorCode, Page, Role};
use chrono::Utc;
use entity::clinical::{clinical_note, document, imaging_study};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::files;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::{open_record, open_record_for, open_record_for_change, Intent};
use crate::platform::http::{page_bounds, Query};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_documents)
        .service(upload_document)
        .service(document_content)
        .service(delete_document);
}

/// The patient's documents (not note attachments or imaging files), newest first.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), DocumentQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<Document>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/documents")]
async fn list_documents(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<DocumentQuery>,
) -> ApiResult<web::Json<Page<Document>>> {
    open_record(&state, &auth, PatientId(*id), RecordCategory::Documents).await?;
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (total, rows) = page_of(&state.db, *id, query.kind, limit, offset).await?;
    let items = files::to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::DocumentList)
                .patient(*id)
                .detail(format!("{} documents", items.len())),
        )
        .await?;
    Ok(web::Json(Page {
        items,
        total,
        total_capped: false,
        limit,
        offset,
    }))
}

/// Add a document, sent as the request body; its details are query parameters. The type is
/// read from the content (PDF, PNG, JPEG, GIF, WebP, DICOM, plain text, Word), the name is made
/// safe, and the file is stored encrypted. Patients add to their own record; with `study_id`,
/// staff file it under an imaging study.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses(
        (status = 201, body = Document),
        (status = 400, body = api_types::Problem),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
        (status = 413, body = api_types::Problem),
        (status = 415, body = api_types::Problem),
        (status = 422, body = api_types::Problem)
    )
)]
#[post("/patients/{id}/documents")]
async fn upload_document(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Documents).await?;
    query.validate().map_err(ApiError::Validation)?;
    let by_patient = auth.own_patient_id() == Some(*id);
    if let Some(study) = query.study_id {
        if !is_patients_study(&state.db, *id, study).await? || by_patient {
            return Err(ApiError::field(
                "study_id",
                "unknown",
                "Choose one of this patient's imaging studies.",
            ));
        }
    }
    let received = files::receive(&state, &req, payload).await?;
    let txn = state.db.begin().await?;
    let row = files::store_received(
        &txn,
        &state.crypto,
        files::NewFile {
            patient_id: *id,
            kind: query.kind.unwrap_or(DocumentKind::Other),
            original_name: &query.filename,
            description: query.description.as_deref(),
            note_id: None,
            study_id: query.study_id,
            source: if by_patient {
                DocumentSource::Patient
            } else {
                DocumentSource::Staff
            },
            uploaded_by: auth.user_id(),
        },
        received,
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::DocumentUpload)
                .patient(*id)
                .resource("document", row.id)
                .detail(format!("type={} bytes={}", row.media_type, row.size_bytes)),
        )
        .await?;
    let out = files::to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// A stored document the caller may open for `intent`: a note's attachment follows the note
/// (drafts only to their author, signed notes to whoever sees the patient's notes), anything
/// else follows the patient's documents.
async fn open_document(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    intent: Intent,
) -> ApiResult<document::Model> {
    let doc = document::Entity::find_by_id(id)
        .filter(document::Column::DeletedAt.is_null())
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let category = match doc.note_id {
        Some(note_id) => {
            clinical_note::Entity::find_by_id(note_id)
                .filter(super::notes::visible_to(principal))
                .one(&state.db)
                .await?
                .ok_or_else(ApiError::not_found)?;
            RecordCategory::Notes
        }
        None => RecordCategory::Documents,
    };
    open_record_for(
        state,
        principal,
        PatientId(doc.patient_id),
        category,
        intent,
    )
    .await?;
    Ok(doc)
}

/// The file itself, for preview (`disposition=inline`, PDF, images and text only) or download.
/// Each is audited.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), ContentQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses(
        (status = 200, description = "The file, with its detected type", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem)
    )
)]
#[get("/documents/{id}/content")]
async fn document_content(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<ContentQuery>,
) -> ApiResult<HttpResponse> {
    let row = open_document(&state, &auth, *id, Intent::Read).await?;
    let disposition = query.disposition.unwrap_or_default();
    let action = match disposition {
        api_types::documents::Disposition::Inline => AuditAction::DocumentPreview,
        api_types::documents::Disposition::Attachment => AuditAction::DocumentDownload,
    };
    state
        .audit
        .record(
            AuditEntry::by(&auth, action)
                .patient(row.patient_id)
                .resource("document", row.id),
        )
        .await?;
    let doc = files::to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(files::respond(
        state.db.clone(),
        state.crypto.clone(),
        &doc,
        disposition,
    ))
}

/// Remove a document: patients their own uploads, staff what they added (admins anything).
/// Attachments of signed notes are part of the locked note and stay. The bytes are deleted;
/// the description of the removal stays in the audit log.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 204), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[delete("/documents/{id}")]
async fn delete_document(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let row = open_document(&state, &auth, *id, Intent::Change).await?;
    let is_admin = auth.role() == Some(Role::Admin);
    if !is_admin && row.uploaded_by != auth.user_id() {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only whoever added a document, or an administrator, can remove it.",
        ));
    }
    if let Some(note_id) = row.note_id {
        if is_signed_note(&state.db, note_id).await? {
            return Err(ApiError::with_detail(
                ErrorCode::Conflict,
                "This file belongs to a signed note and is kept with it.",
            ));
        }
    }
    let txn = state.db.begin().await?;
    remove(&txn, row.clone()).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::DocumentDelete)
                .patient(row.patient_id)
                .resource("document", row.id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every file of the patient `principal` may open (documents, attachments of notes they may
/// read, imaging files), by the rules each file's own reads follow: what an export holds.
pub(crate) async fn readable_files(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<Vec<document::Model>> {
    let rows = document::Entity::find()
        .filter(document::Column::PatientId.eq(patient_id))
        .filter(document::Column::DeletedAt.is_null())
        .order_by_asc(document::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match open_document(state, principal, row.id, Intent::Read).await {
            Ok(doc) => out.push(doc),
            Err(e) if e.is_refusal() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A page of the patient's own documents (not note attachments or imaging files), optionally of
/// one kind, newest first, with how many there are in all.
async fn page_of(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    kind: Option<DocumentKind>,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<document::Model>)> {
    let mut find = document::Entity::find()
        .filter(document::Column::PatientId.eq(patient_id))
        .filter(document::Column::NoteId.is_null())
        .filter(document::Column::StudyId.is_null())
        .filter(document::Column::DeletedAt.is_null());
    if let Some(k) = kind {
        find = find.filter(document::Column::Kind.eq(k.as_str()));
    }
    let (total, rows) = crate::platform::db::counted_page(
        db,
        find,
        |s| s.order_by_desc(document::Column::CreatedAt),
        limit,
        offset,
    )
    .await?;
    Ok((total, rows))
}

/// Whether `study_id` is one of the patient's imaging studies.
async fn is_patients_study(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    study_id: Uuid,
) -> ApiResult<bool> {
    Ok(imaging_study::Entity::find_by_id(study_id)
        .filter(imaging_study::Column::PatientId.eq(patient_id))
        .one(db)
        .await?
        .is_some())
}

/// Whether the note is signed (no longer a draft).
async fn is_signed_note(db: &impl ConnectionTrait, note_id: Uuid) -> ApiResult<bool> {
    Ok(clinical_note::Entity::find_by_id(note_id)
        .filter(clinical_note::Column::Status.ne(NoteStatus::Draft))
        .one(db)
        .await?
        .is_some())
}

/// Deletes the document's bytes and marks the document deleted now.
async fn remove(db: &impl ConnectionTrait, row: document::Model) -> ApiResult<()> {
    files::delete_content(db, row.id).await?;
    let mut active: document::ActiveModel = row.into();
    active.deleted_at = Set(Some(Utc::now()));
    active.update(db).await?;
    Ok(())
}

/// Files a document the patient sent (an email's attachment) in their record, typed by its
/// content like any upload, in the caller's transaction: the caller records the audit event.
pub async fn file_from_patient(
    db: &impl ConnectionTrait,
    crypto: &crate::platform::crypto::Crypto,
    patient: PatientId,
    filename: &str,
    description: &str,
    bytes: &[u8],
) -> ApiResult<Uuid> {
    let row = files::store(
        db,
        crypto,
        files::NewFile {
            patient_id: patient.0,
            kind: DocumentKind::Other,
            original_name: filename,
            description: Some(description),
            note_id: None,
            study_id: None,
            source: DocumentSource::Patient,
            uploaded_by: None,
        },
        bytes,
    )
    .await?;
    Ok(row.id)
}

/// Files a call's recording in the patient's record, in the caller's transaction: the caller
/// records the audit event. `staff` is who made the call.
pub async fn file_call_recording(
    db: &impl ConnectionTrait,
    crypto: &crate::platform::crypto::Crypto,
    patient: PatientId,
    staff: Option<Uuid>,
    description: &str,
    audio: &[u8],
) -> ApiResult<Uuid> {
    let row = files::store(
        db,
        crypto,
        files::NewFile {
            patient_id: patient.0,
            kind: DocumentKind::Other,
            original_name: "call-recording",
            description: Some(description),
            note_id: None,
            study_id: None,
            source: DocumentSource::Staff,
            uploaded_by: staff,
        },
        audio,
    )
    .await?;
    Ok(row.id)
}

/// A document of the patient's that can be sent with a message.
pub struct Attachable {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size_bytes: i64,
}

/// The patient's documents `ids`, in order, for sending them with a message:
/// a document that is not the patient's, or was deleted, is refused (422 on `field`).
pub async fn attachable(
    db: &impl ConnectionTrait,
    crypto: &crate::platform::crypto::Crypto,
    patient: PatientId,
    ids: &[Uuid],
    field: &str,
) -> ApiResult<Vec<Attachable>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = document::Entity::find()
        .filter(document::Column::Id.is_in(ids.iter().copied()))
        .filter(document::Column::PatientId.eq(patient.0))
        .filter(document::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    ids.iter()
        .map(|id| {
            let row = rows.iter().find(|r| r.id == *id).ok_or_else(|| {
                ApiError::field(
                    field,
                    "not_found",
                    "A file to send is not in this patient's documents; add it again.",
                )
            })?;
            Ok(Attachable {
                id: *id,
                name: files::name_of(crypto, row)?,
                media_type: row.media_type.clone(),
                size_bytes: row.size_bytes,
            })
        })
        .collect()
}
