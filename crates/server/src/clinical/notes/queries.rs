//! Database access for notes: what the caller may see, drafts written, changed and discarded,
//! versions locked, and what a note's versions and attachments are.

use api_types::notes::NoteStatus;
use api_types::notes::{NewNote, NoteType};
use api_types::sharing::RecordCategory;
use api_types::{ErrorCode, Role};
use chrono::{DateTime, Utc};
use entity::clinical::{clinical_note, clinical_note_version, document};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, Select,
};
use uuid::Uuid;

use super::sanitize::sanitize;
use super::wire::aad;
use crate::auth::{require, Principal};
use crate::patients::open_record;
use crate::platform::crypto::Crypto;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// Notes the caller may see: signed ones, and their own drafts. Patients see signed notes only.
pub(crate) fn visible_to(principal: &Principal) -> Condition {
    let signed = clinical_note::Column::Status.ne(NoteStatus::Draft);
    match principal.user_id() {
        Some(me) if principal.role() != Some(Role::Patient) => Condition::any()
            .add(signed)
            .add(clinical_note::Column::AuthorId.eq(me)),
        _ => Condition::all().add(signed),
    }
}

/// The note `id`, if `principal` may see it.
pub(super) async fn find_visible(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Option<clinical_note::Model>> {
    Ok(clinical_note::Entity::find_by_id(id)
        .filter(visible_to(principal))
        .one(db)
        .await?)
}

/// The patient's notes as `principal` may read them (drafts are their authors' alone): what the
/// API lists and what an export holds both come from here.
pub(crate) async fn readable(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<clinical_note::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(
        state,
        principal,
        PatientId(patient_id),
        RecordCategory::Notes,
    )
    .await?;
    Ok(clinical_note::Entity::find()
        .filter(clinical_note::Column::PatientId.eq(patient_id))
        .filter(visible_to(principal)))
}

/// One page of `find`, newest first and of one type when asked, with how many there are in all.
pub(super) async fn page(
    db: &impl ConnectionTrait,
    mut find: Select<clinical_note::Entity>,
    note_type: Option<NoteType>,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<clinical_note::Model>)> {
    if let Some(t) = note_type {
        find = find.filter(clinical_note::Column::NoteType.eq(t.as_str()));
    }
    let newest_first = |s: Select<_>| s.order_by_desc(clinical_note::Column::CreatedAt);
    Ok(crate::platform::db::counted_page(db, find, newest_first, limit, offset).await?)
}

/// Inserts a draft, its text sanitised and encrypted.
pub(super) async fn insert_draft(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: Uuid,
    author: Uuid,
    input: &NewNote,
) -> ApiResult<clinical_note::Model> {
    let now = Utc::now();
    let note_id = Uuid::now_v7();
    let t = "clinical_notes";
    Ok(clinical_note::ActiveModel {
        id: Set(note_id),
        patient_id: Set(patient_id),
        note_type: Set(input.note_type.as_str().into()),
        status: Set(NoteStatus::Draft),
        title_enc: Set(crypto.encrypt_str(input.title.trim(), &aad(t, "title", note_id))?),
        body_enc: Set(crypto.encrypt_str(&sanitize(&input.body_html), &aad(t, "body", note_id))?),
        appointment_id: Set(input.appointment_id),
        author_id: Set(author),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        signed_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// Replaces a draft's title, text, type and appointment, unless it was signed meanwhile: how
/// many notes changed (none or one).
pub(super) async fn update_draft(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    note_id: Uuid,
    input: &NewNote,
) -> ApiResult<u64> {
    let t = "clinical_notes";
    let result = clinical_note::Entity::update_many()
        .col_expr(
            clinical_note::Column::TitleEnc,
            Expr::value(crypto.encrypt_str(input.title.trim(), &aad(t, "title", note_id))?),
        )
        .col_expr(
            clinical_note::Column::BodyEnc,
            Expr::value(crypto.encrypt_str(&sanitize(&input.body_html), &aad(t, "body", note_id))?),
        )
        .col_expr(
            clinical_note::Column::NoteType,
            Expr::value(input.note_type.as_str()),
        )
        .col_expr(
            clinical_note::Column::AppointmentId,
            Expr::value(input.appointment_id),
        )
        .col_expr(clinical_note::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(clinical_note::Column::Id.eq(note_id))
        .filter(clinical_note::Column::Status.eq(NoteStatus::Draft))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes a draft and its attachments, unless it was signed meanwhile: how many notes were
/// deleted (none or one).
pub(super) async fn delete_draft(db: &impl ConnectionTrait, note_id: Uuid) -> ApiResult<u64> {
    document::Entity::delete_many()
        .filter(document::Column::NoteId.eq(note_id))
        .exec(db)
        .await?;
    let result = clinical_note::Entity::delete_many()
        .filter(clinical_note::Column::Id.eq(note_id))
        .filter(clinical_note::Column::Status.eq(NoteStatus::Draft))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub(super) async fn reload(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<clinical_note::Model> {
    clinical_note::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Holds a draft for a change made in the caller's transaction (a file attached to it): true if
/// it is still the draft `version` the caller read, now locked against signing (PostgreSQL) or
/// serialised with it (SQLite) until the transaction ends; false if it was signed or discarded
/// meanwhile.
pub(super) async fn hold_draft(
    txn: &sea_orm::DatabaseTransaction,
    note_id: Uuid,
    version: i32,
) -> ApiResult<bool> {
    let held = clinical_note::Entity::update_many()
        .col_expr(clinical_note::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(clinical_note::Column::Id.eq(note_id))
        .filter(clinical_note::Column::Status.eq(NoteStatus::Draft))
        .filter(clinical_note::Column::Version.eq(version))
        .exec(txn)
        .await?;
    Ok(held.rows_affected == 1)
}

/// Adds the next locked version and moves the note to it, if nobody else has meanwhile, in the
/// caller's transaction.
pub(super) async fn lock_version(
    txn: &sea_orm::DatabaseTransaction,
    c: &Crypto,
    note: &clinical_note::Model,
    author: Uuid,
    title: &str,
    body_html: &str,
    reason: Option<&str>,
) -> ApiResult<clinical_note::Model> {
    let now = Utc::now();
    let version = note.version + 1;
    let version_id = Uuid::now_v7();
    let (nt, vt) = ("clinical_notes", "clinical_note_versions");
    let moved = clinical_note::Entity::update_many()
        .col_expr(clinical_note::Column::Version, Expr::value(version))
        .col_expr(
            clinical_note::Column::Status,
            Expr::value(if reason.is_some() {
                NoteStatus::Amended
            } else {
                NoteStatus::Signed
            }),
        )
        .col_expr(
            clinical_note::Column::TitleEnc,
            Expr::value(c.encrypt_str(title, &aad(nt, "title", note.id))?),
        )
        .col_expr(
            clinical_note::Column::BodyEnc,
            Expr::value(c.encrypt_str(body_html, &aad(nt, "body", note.id))?),
        )
        .col_expr(clinical_note::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            clinical_note::Column::SignedAt,
            Expr::value(note.signed_at.unwrap_or(now)),
        )
        .filter(clinical_note::Column::Id.eq(note.id))
        .filter(clinical_note::Column::Version.eq(note.version))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "Someone changed this note meanwhile. Reload it to see their version.",
        ));
    }
    clinical_note_version::ActiveModel {
        id: Set(version_id),
        note_id: Set(note.id),
        version: Set(version),
        kind: Set(if reason.is_some() {
            "amendment"
        } else {
            "original"
        }
        .into()),
        title_enc: Set(c.encrypt_str(title, &aad(vt, "title", version_id))?),
        body_enc: Set(c.encrypt_str(body_html, &aad(vt, "body", version_id))?),
        reason_enc: Set(reason
            .map(|r| c.encrypt_str(r, &aad(vt, "reason", version_id)))
            .transpose()?),
        author_id: Set(author),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    clinical_note::Entity::find_by_id(note.id)
        .one(txn)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Every version of the notes `ids`, oldest first.
pub(super) async fn versions_of(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> ApiResult<Vec<clinical_note_version::Model>> {
    Ok(clinical_note_version::Entity::find()
        .filter(clinical_note_version::Column::NoteId.is_in(ids))
        .order_by_asc(clinical_note_version::Column::Version)
        .all(db)
        .await?)
}

/// The files attached to the notes `ids` and not removed, oldest first.
pub(super) async fn attachments_of(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> ApiResult<Vec<document::Model>> {
    Ok(document::Entity::find()
        .filter(document::Column::NoteId.is_in(ids))
        .filter(document::Column::DeletedAt.is_null())
        .order_by_asc(document::Column::CreatedAt)
        .all(db)
        .await?)
}

/// When the patient's clinical record last grew: their newest note. Counts as service for how
/// long the record is kept.
pub async fn last_note_at(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Option<DateTime<Utc>>> {
    Ok(clinical_note::Entity::find()
        .filter(clinical_note::Column::PatientId.eq(patient_id))
        .order_by_desc(clinical_note::Column::CreatedAt)
        .one(db)
        .await?
        .map(|n| n.created_at))
}
