//! Files attached to a note. A draft's are its author's to add; a file added to a signed note
//! is an amendment, with its reason, like any other change to it.

use actix_web::{post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::documents::{Document, DocumentKind, DocumentSource, UploadQuery};
use api_types::notes::NoteStatus;
use api_types::ErrorCode;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::handlers::open_note;
use super::handlers::signed_meanwhile;
use super::queries::{hold_draft, lock_version};
use super::wire::aad;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::clinical::files;
use crate::patients::Intent;
use crate::platform::http::Query;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// Attach a file to a note, sent as the request body (PDF, image, text or Word; the type is
/// read from the content). It is stored encrypted.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = ["clinical:access"])),
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
#[post("/notes/{id}/attachments")]
pub(super) async fn upload_attachment(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let note = open_note(&state, &auth, *id, Intent::Change).await?;
    if note.status == NoteStatus::Draft && auth.user_id() != Some(note.author_id) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only the author can add to a draft.",
        ));
    }
    query.validate().map_err(ApiError::Validation)?;
    // A signed note is changed only by amendment: a file added to it is one, with its reason.
    let amendment = match (note.status, query.reason.as_deref().map(str::trim)) {
        (NoteStatus::Draft, _) => None,
        (_, Some(reason)) if !reason.is_empty() => Some(reason.to_owned()),
        _ => {
            return Err(ApiError::field(
                "reason",
                "required",
                "This note is signed: say why the file is added, as for an amendment.",
            ))
        }
    };
    let author = auth.require_user()?;
    let received = files::receive(&state, &req, payload).await?;
    let txn = state.db.begin().await?;
    // The note was read before the file (which may take a while) arrived: a draft signed or
    // discarded meanwhile takes no file without its amendment's reason. (A signed note amended
    // meanwhile is caught by the amendment's own check of its version.)
    if amendment.is_none() && !hold_draft(&txn, note.id, note.version).await? {
        return Err(signed_meanwhile());
    }
    let row = files::store_received(
        &txn,
        &state.crypto,
        files::NewFile {
            patient_id: note.patient_id,
            kind: query.kind.unwrap_or(DocumentKind::Other),
            original_name: &query.filename,
            description: query.description.as_deref(),
            note_id: Some(note.id),
            study_id: None,
            source: DocumentSource::Staff,
            uploaded_by: auth.user_id(),
        },
        received,
    )
    .await?;
    let mut entries = vec![AuditEntry::by(&auth, AuditAction::DocumentUpload)
        .patient(note.patient_id)
        .resource("document", row.id)
        .detail(format!("note={} type={}", note.id, row.media_type))];
    if let Some(reason) = amendment {
        let c = &state.crypto;
        let t = "clinical_notes";
        let title = c.decrypt_str(&note.title_enc, &aad(t, "title", note.id))?;
        let body = c.decrypt_str(&note.body_enc, &aad(t, "body", note.id))?;
        let reason = format!("Added the file “{}”: {reason}", files::name_of(c, &row)?);
        let saved = lock_version(&txn, c, &note, author, &title, &body, Some(&reason)).await?;
        entries.push(
            AuditEntry::by(&auth, AuditAction::NoteAmend)
                .patient(note.patient_id)
                .resource("note", note.id)
                .detail(format!("version={} document={}", saved.version, row.id)),
        );
    }
    state.audit.commit_all(txn, entries).await?;
    let out = files::to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}
