//! Signing and amending: a draft signed by its author becomes version 1; each amendment, with
//! its reason, becomes the next version, and every earlier one is kept as it was.

use actix_web::{post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::notes::NoteStatus;
use api_types::notes::{NewAmendment, NewNote, Note};
use api_types::ErrorCode;
use entity::clinical::clinical_note;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::handlers::{open_note, own_draft};
use super::queries::{insert_draft, lock_version};
use super::sanitize::sanitize;
use super::wire::{aad, one};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::patients::Intent;
use crate::platform::crypto::Crypto;
use crate::platform::http::Body;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// Writes and signs a note in one go, as its author would (the demo practice).
pub(crate) async fn write_signed(
    db: &sea_orm::DatabaseConnection,
    crypto: &Crypto,
    patient_id: Uuid,
    author: Uuid,
    input: &NewNote,
) -> ApiResult<clinical_note::Model> {
    let txn = db.begin().await?;
    let draft = insert_draft(&txn, crypto, patient_id, author, input).await?;
    let signed = lock_version(
        &txn,
        crypto,
        &draft,
        author,
        input.title.trim(),
        &sanitize(&input.body_html),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(signed)
}

/// Sign a draft (its author only): it is locked as version 1.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Note), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[post("/notes/{id}/sign")]
pub(super) async fn sign_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Note>> {
    let note = open_note(&state, &auth, *id, Intent::Change).await?;
    own_draft(&auth, &note)?;
    let author = auth.require_user()?;
    let t = "clinical_notes";
    let title = state
        .crypto
        .decrypt_str(&note.title_enc, &aad(t, "title", note.id))?;
    let body = state
        .crypto
        .decrypt_str(&note.body_enc, &aad(t, "body", note.id))?;
    if ammonia::Builder::empty()
        .clean(&body)
        .to_string()
        .trim()
        .is_empty()
    {
        return Err(ApiError::field(
            "body_html",
            "required",
            "Write the note before signing it.",
        ));
    }
    let txn = state.db.begin().await?;
    let saved = lock_version(&txn, &state.crypto, &note, author, &title, &body, None).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::NoteSign)
                .patient(note.patient_id)
                .resource("note", note.id),
        )
        .await?;
    Ok(web::Json(one(&state, saved).await?))
}

/// Amend a signed note: the new text becomes the next version, with the reason; every earlier
/// version is kept.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewAmendment,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = Note), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/notes/{id}/amendments")]
pub(super) async fn amend_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewAmendment>,
) -> ApiResult<HttpResponse> {
    let note = open_note(&state, &auth, *id, Intent::Change).await?;
    if note.status == NoteStatus::Draft {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "A draft can be changed directly; sign it before amending.",
        ));
    }
    let author = auth.require_user()?;
    body.validate().map_err(ApiError::Validation)?;
    let title = match &body.title {
        Some(t) => t.trim().to_owned(),
        None => state
            .crypto
            .decrypt_str(&note.title_enc, &aad("clinical_notes", "title", note.id))?,
    };
    let txn = state.db.begin().await?;
    let saved = lock_version(
        &txn,
        &state.crypto,
        &note,
        author,
        &title,
        &sanitize(&body.body_html),
        Some(body.reason.trim()),
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::NoteAmend)
                .patient(note.patient_id)
                .resource("note", note.id)
                .detail(format!("version={}", saved.version)),
        )
        .await?;
    Ok(HttpResponse::Created().json(one(&state, saved).await?))
}
