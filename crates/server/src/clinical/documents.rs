//! Documents in the record (uploaded by staff or by the patient in the portal) and imaging
//! studies with their files. Every upload, preview and download is audited with the patient.

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use api_types::documents::{
    ContentQuery, Document, DocumentKind, DocumentQuery, DocumentSource, ImagingStudy,
    ImagingStudyInput, Modality, UploadQuery,
};
use api_types::sharing::RecordCategory;
use api_types::{ErrorCode, Page, Role};
use chrono::Utc;
use entity::clinical::{clinical_note, document, document_blob, imaging_study};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{files, trimmed};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::access::{open_record, open_record_for_change};
use crate::platform::crypto::Crypto;
use crate::platform::http::{page_bounds, Body, Query};
use crate::platform::{ApiError, ApiResult};
use crate::users::queries as users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_documents)
        .service(upload_document)
        .service(document_content)
        .service(delete_document)
        .service(list_studies)
        .service(create_study)
        .service(update_study);
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
    open_record(&state, &auth, *id, RecordCategory::Documents).await?;
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let mut find = document::Entity::find()
        .filter(document::Column::PatientId.eq(*id))
        .filter(document::Column::NoteId.is_null())
        .filter(document::Column::StudyId.is_null())
        .filter(document::Column::DeletedAt.is_null());
    if let Some(k) = query.kind {
        find = find.filter(document::Column::Kind.eq(k.as_str()));
    }
    let total = find.clone().count(&state.db).await?;
    let rows = find
        .order_by_desc(document::Column::CreatedAt)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    let items = files::to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "document.list")
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
    open_record_for_change(&state, &auth, *id, RecordCategory::Documents).await?;
    query.validate().map_err(ApiError::Validation)?;
    let by_patient = auth.own_patient_id() == Some(*id);
    if let Some(study) = query.study_id {
        let found = imaging_study::Entity::find_by_id(study)
            .filter(imaging_study::Column::PatientId.eq(*id))
            .one(&state.db)
            .await?;
        if found.is_none() || by_patient {
            return Err(ApiError::field(
                "study_id",
                "unknown",
                "Choose one of this patient's imaging studies.",
            ));
        }
    }
    let bytes = files::read_upload(&req, payload, state.settings.max_upload_bytes).await?;
    let txn = state.db.begin().await?;
    let row = files::store(
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
        &bytes,
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "document.upload")
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

/// A stored document the caller may open: a note's attachment follows the note (drafts only to
/// their author, signed notes to whoever sees the patient's notes), anything else follows the
/// patient's documents.
async fn open_document(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
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
    open_record(state, principal, doc.patient_id, category).await?;
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
    let row = open_document(&state, &auth, *id).await?;
    let bytes = files::content(&state.db, &state.crypto, row.id).await?;
    let disposition = query.disposition.unwrap_or_default();
    let action = match disposition {
        api_types::documents::Disposition::Inline => "document.preview",
        api_types::documents::Disposition::Attachment => "document.download",
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
    Ok(files::respond(&doc, bytes, disposition))
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
    let row = open_document(&state, &auth, *id).await?;
    let is_admin = auth.role() == Some(Role::Admin);
    if !is_admin && row.uploaded_by != auth.user_id() {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only whoever added a document, or an administrator, can remove it.",
        ));
    }
    if let Some(note_id) = row.note_id {
        let signed = clinical_note::Entity::find_by_id(note_id)
            .filter(clinical_note::Column::Status.ne("draft"))
            .one(&state.db)
            .await?
            .is_some();
        if signed {
            return Err(ApiError::with_detail(
                ErrorCode::Conflict,
                "This file belongs to a signed note and is kept with it.",
            ));
        }
    }
    let txn = state.db.begin().await?;
    document_blob::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    let mut active: document::ActiveModel = row.clone().into();
    active.deleted_at = Set(Some(Utc::now()));
    active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "document.delete")
                .patient(row.patient_id)
                .resource("document", row.id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The encrypted part of a study.
#[derive(Serialize, Deserialize)]
struct StudyDetails {
    body_part: String,
    facility: Option<String>,
    description: Option<String>,
    report: Option<String>,
}

fn study_aad(id: Uuid) -> String {
    format!("imaging_studies.details:{id}")
}

fn details_of(input: &ImagingStudyInput) -> StudyDetails {
    StudyDetails {
        body_part: input.body_part.trim().to_owned(),
        facility: trimmed(&input.facility),
        description: trimmed(&input.description),
        report: trimmed(&input.report),
    }
}

pub(crate) async fn studies_to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<imaging_study::Model>,
) -> ApiResult<Vec<ImagingStudy>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut files_by_study: HashMap<Uuid, Vec<Document>> = HashMap::new();
    let docs = document::Entity::find()
        .filter(document::Column::StudyId.is_in(ids))
        .filter(document::Column::DeletedAt.is_null())
        .order_by_asc(document::Column::CreatedAt)
        .all(db)
        .await?;
    for d in files::to_wire(db, crypto, docs).await? {
        if let Some(s) = d.study_id {
            files_by_study.entry(s).or_default().push(d);
        }
    }
    let mut people: Vec<Uuid> = rows.iter().filter_map(|r| r.created_by).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    rows.into_iter()
        .map(|r| {
            let d: StudyDetails = crypto.decrypt_json(&r.details_enc, &study_aad(r.id))?;
            Ok(ImagingStudy {
                id: r.id,
                patient_id: r.patient_id,
                modality: Modality::parse(&r.modality).unwrap_or(Modality::Other),
                body_part: d.body_part,
                study_date: r.study_date,
                facility: d.facility,
                description: d.description,
                report: d.report,
                files: files_by_study.remove(&r.id).unwrap_or_default(),
                created_by_name: r.created_by.and_then(|u| names.get(&u).cloned()),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// The patient's imaging studies as `principal` may read them: what the API lists and what an
/// export holds both come from here.
pub(crate) async fn readable_studies(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<imaging_study::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(state, principal, patient_id, RecordCategory::Documents).await?;
    Ok(imaging_study::Entity::find().filter(imaging_study::Column::PatientId.eq(patient_id)))
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
        match open_document(state, principal, row.id).await {
            Ok(doc) => out.push(doc),
            Err(e) if e.is_refusal() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The patient's imaging studies, newest first, with their files.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<ImagingStudy>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/imaging-studies")]
async fn list_studies(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ImagingStudy>>> {
    let rows = readable_studies(&state, &auth, *id)
        .await?
        .order_by_desc(imaging_study::Column::StudyDate)
        .limit(500)
        .all(&state.db)
        .await?;
    let items = studies_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "imaging.list")
                .patient(*id)
                .detail(format!("{} studies", items.len())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Record an imaging study; add its files with `POST /patients/{id}/documents?study_id=…`.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = ImagingStudyInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = ImagingStudy), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/imaging-studies")]
async fn create_study(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<ImagingStudyInput>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, *id, RecordCategory::Documents).await?;
    body.validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let now = Utc::now();
    let study_id = Uuid::now_v7();
    let txn = state.db.begin().await?;
    let row = imaging_study::ActiveModel {
        id: Set(study_id),
        patient_id: Set(*id),
        modality: Set(body.modality.as_str().into()),
        study_date: Set(body.study_date),
        details_enc: Set(state
            .crypto
            .encrypt_json(&details_of(&body), &study_aad(study_id))?),
        created_by: Set(auth.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "imaging.create")
                .patient(*id)
                .resource("imaging_study", study_id)
                .detail(format!("modality={}", body.modality.as_str())),
        )
        .await?;
    let out = studies_to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// Correct a study or add its report.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = ImagingStudyInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = ImagingStudy), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/imaging-studies/{id}")]
async fn update_study(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<ImagingStudyInput>,
) -> ApiResult<web::Json<ImagingStudy>> {
    let row = imaging_study::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record(&state, &auth, row.patient_id, RecordCategory::Documents).await?;
    body.validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let patient_id = row.patient_id;
    let mut active: imaging_study::ActiveModel = row.into();
    active.modality = Set(body.modality.as_str().into());
    active.study_date = Set(body.study_date);
    active.details_enc = Set(state
        .crypto
        .encrypt_json(&details_of(&body), &study_aad(*id))?);
    active.updated_at = Set(Utc::now());
    let txn = state.db.begin().await?;
    let saved = active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "imaging.update")
                .patient(patient_id)
                .resource("imaging_study", *id),
        )
        .await?;
    let out = studies_to_wire(&state.db, &state.crypto, vec![saved])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}
