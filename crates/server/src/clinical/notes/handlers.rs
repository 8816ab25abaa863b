//! Writing and reading notes: the patient's list, a draft started, read, changed or discarded.

use actix_web::{delete, get, post, put, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::notes::NoteStatus;
use api_types::notes::{NewNote, Note, NoteQuery};
use api_types::sharing::RecordCategory;
use api_types::{ErrorCode, Page};
use entity::clinical::clinical_note;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries::{self, readable};
use super::wire::{one, to_wire};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::clinical::shared::check_appointment;
use crate::patients::{open_record_for, open_record_for_change, Intent};
use crate::platform::http::{page_bounds, Body, Query};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// A note the caller may see, with their access to its patient's notes checked, for `intent`
/// (an erased patient's notes are read, never changed).
pub(super) async fn open_note(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    intent: Intent,
) -> ApiResult<clinical_note::Model> {
    let note = queries::find_visible(&state.db, principal, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record_for(
        state,
        principal,
        PatientId(note.patient_id),
        RecordCategory::Notes,
        intent,
    )
    .await?;
    Ok(note)
}

/// A draft the caller wrote; anything else is refused with why.
pub(super) fn own_draft(principal: &Principal, note: &clinical_note::Model) -> ApiResult<()> {
    if note.status != NoteStatus::Draft {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This note is signed and locked; amend it instead.",
        ));
    }
    if principal.user_id() != Some(note.author_id) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only the author can change or sign a draft.",
        ));
    }
    Ok(())
}

/// The patient's notes, newest first: signed notes, and the caller's own drafts.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), NoteQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<Note>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/notes")]
pub(super) async fn list_notes(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<NoteQuery>,
) -> ApiResult<web::Json<Page<Note>>> {
    let find = readable(&state, &auth, *id).await?;
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (total, rows) = queries::page(&state.db, find, query.note_type, limit, offset).await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::NoteList)
                .patient(*id)
                .detail(format!("{} notes", items.len())),
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

/// Start a note as a draft. The rich text is sanitised before it is kept.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewNote,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = Note), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/notes")]
pub(super) async fn create_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewNote>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Notes).await?;
    let author = auth.require_user()?;
    body.validate().map_err(ApiError::Validation)?;
    check_appointment(&state.db, *id, body.appointment_id).await?;
    let txn = state.db.begin().await?;
    let row = queries::insert_draft(&txn, &state.crypto, *id, author, &body).await?;
    let note_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::NoteCreate)
                .patient(*id)
                .resource("note", note_id)
                .detail(format!("type={}", body.note_type.as_str())),
        )
        .await?;
    let out = one(&state, row).await?;
    Ok(HttpResponse::Created().json(out))
}

/// One note with every version and attachment.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Note), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/notes/{id}")]
pub(super) async fn get_note(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Note>> {
    let note = open_note(&state, &auth, *id, Intent::Read).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::NoteRead)
                .patient(note.patient_id)
                .resource("note", note.id),
        )
        .await?;
    Ok(web::Json(one(&state, note).await?))
}

/// Change a draft (its author only). A signed note answers 409: amend it instead.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewNote,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Note), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/notes/{id}")]
pub(super) async fn update_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewNote>,
) -> ApiResult<web::Json<Note>> {
    let note = open_note(&state, &auth, *id, Intent::Change).await?;
    own_draft(&auth, &note)?;
    body.validate().map_err(ApiError::Validation)?;
    check_appointment(&state.db, note.patient_id, body.appointment_id).await?;
    let txn = state.db.begin().await?;
    let changed = queries::update_draft(&txn, &state.crypto, note.id, &body).await?;
    if changed != 1 {
        return Err(signed_meanwhile());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::NoteUpdate)
                .patient(note.patient_id)
                .resource("note", note.id),
        )
        .await?;
    let saved = queries::reload(&state.db, note.id).await?;
    Ok(web::Json(one(&state, saved).await?))
}

pub(super) fn signed_meanwhile() -> ApiError {
    ApiError::with_detail(
        ErrorCode::Conflict,
        "This note was signed meanwhile; amend it instead.",
    )
}

/// Discard a draft and its attachments (its author only). Signed notes are kept.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"])),
    responses((status = 204), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[delete("/notes/{id}")]
pub(super) async fn delete_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let note = open_note(&state, &auth, *id, Intent::Change).await?;
    own_draft(&auth, &note)?;
    let txn = state.db.begin().await?;
    let deleted = queries::delete_draft(&txn, note.id).await?;
    if deleted != 1 {
        return Err(signed_meanwhile());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::NoteDiscard)
                .patient(note.patient_id)
                .resource("note", note.id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
