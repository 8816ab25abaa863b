//! Clinical notes. A note starts as a draft, private to its author, written from one of the
//! practice's templates; its rich text is sanitised on the way in. Signing locks it as
//! version 1; every later change is an amendment with a reason, kept as the next version, so
//! what was signed can always be read as it was. Title, text and reasons are encrypted.

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use api_types::documents::{Document, DocumentKind, DocumentSource, UploadQuery};
use api_types::notes::{
    NewAmendment, NewNote, Note, NoteQuery, NoteStatus, NoteTemplate, NoteTemplateInput, NoteType,
    NoteVersion, NoteVersionKind,
};
use api_types::sharing::RecordCategory;
use api_types::{ErrorCode, Page, Role};
use chrono::Utc;
use entity::clinical::{clinical_note, clinical_note_version, document, note_template};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{check_appointment, files};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::access::{open_record, open_record_for_change};
use crate::platform::crypto::Crypto;
use crate::platform::http::{page_bounds, Body, Query};
use crate::platform::{ApiError, ApiResult};
use crate::users::queries as users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_templates)
        .service(create_template)
        .service(update_template)
        .service(list_notes)
        .service(create_note)
        .service(get_note)
        .service(update_note)
        .service(delete_note)
        .service(sign_note)
        .service(amend_note)
        .service(upload_attachment);
}

/// Keeps headings, paragraphs, emphasis, lists, quotes and web, mail and phone links; removes
/// every other tag, attribute, style and script. Links open without the referrer.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::empty()
        .add_tags([
            "h2",
            "h3",
            "h4",
            "p",
            "br",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "ul",
            "ol",
            "li",
            "a",
            "blockquote",
        ])
        .add_tag_attributes("a", ["href"])
        .url_schemes(["http", "https", "mailto", "tel"].into())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

fn aad(table: &str, column: &str, id: Uuid) -> String {
    format!("{table}.{column}:{id}")
}

fn status_of(s: &str) -> NoteStatus {
    match s {
        "signed" => NoteStatus::Signed,
        "amended" => NoteStatus::Amended,
        _ => NoteStatus::Draft,
    }
}

fn template_to_wire(t: note_template::Model) -> NoteTemplate {
    NoteTemplate {
        id: t.id,
        name: t.name,
        note_type: NoteType::parse(&t.note_type).unwrap_or(NoteType::Progress),
        body_html: t.body_html,
        is_default: t.is_default,
        archived: t.archived,
        updated_at: t.updated_at,
    }
}

/// The practice's note templates, defaults first.
#[utoipa::path(
    tag = "clinical",
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Vec<NoteTemplate>))
)]
#[get("/note-templates")]
async fn list_templates(
    _auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<NoteTemplate>>> {
    let rows = note_template::Entity::find()
        .order_by_desc(note_template::Column::IsDefault)
        .order_by_asc(note_template::Column::Name)
        .all(&state.db)
        .await?;
    Ok(web::Json(rows.into_iter().map(template_to_wire).collect()))
}

/// Make the other templates of `note_type` not the default.
async fn clear_default(
    db: &impl ConnectionTrait,
    note_type: NoteType,
    except: Uuid,
) -> ApiResult<()> {
    note_template::Entity::update_many()
        .col_expr(note_template::Column::IsDefault, Expr::value(false))
        .filter(note_template::Column::NoteType.eq(note_type.as_str()))
        .filter(note_template::Column::Id.ne(except))
        .exec(db)
        .await?;
    Ok(())
}

/// Add a note template.
#[utoipa::path(
    tag = "clinical",
    request_body = NoteTemplateInput,
    security(("bearer" = ["settings:manage"])),
    responses((status = 201, body = NoteTemplate), (status = 403, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/note-templates")]
async fn create_template(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    body: Body<NoteTemplateInput>,
) -> ApiResult<HttpResponse> {
    body.validate().map_err(ApiError::Validation)?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let txn = state.db.begin().await?;
    if body.is_default {
        clear_default(&txn, body.note_type, id).await?;
    }
    let row = note_template::ActiveModel {
        id: Set(id),
        name: Set(body.name.trim().into()),
        note_type: Set(body.note_type.as_str().into()),
        body_html: Set(sanitize(&body.body_html)),
        is_default: Set(body.is_default),
        archived: Set(body.archived),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "note_template.create").resource("note_template", id),
        )
        .await?;
    Ok(HttpResponse::Created().json(template_to_wire(row)))
}

/// Change a note template, or archive it so it is no longer offered.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NoteTemplateInput,
    security(("bearer" = ["settings:manage"])),
    responses((status = 200, body = NoteTemplate), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/note-templates/{id}")]
async fn update_template(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NoteTemplateInput>,
) -> ApiResult<web::Json<NoteTemplate>> {
    let row = note_template::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    body.validate().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    if body.is_default {
        clear_default(&txn, body.note_type, row.id).await?;
    }
    let mut active: note_template::ActiveModel = row.into();
    active.name = Set(body.name.trim().into());
    active.note_type = Set(body.note_type.as_str().into());
    active.body_html = Set(sanitize(&body.body_html));
    active.is_default = Set(body.is_default && !body.archived);
    active.archived = Set(body.archived);
    active.updated_at = Set(Utc::now());
    let saved = active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "note_template.update").resource("note_template", *id),
        )
        .await?;
    Ok(web::Json(template_to_wire(saved)))
}

/// Rows to the wire: text decrypted, versions, attachments, names and appointments looked up
/// in one query each.
pub(crate) async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<clinical_note::Model>,
) -> ApiResult<Vec<Note>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let versions = clinical_note_version::Entity::find()
        .filter(clinical_note_version::Column::NoteId.is_in(ids.clone()))
        .order_by_asc(clinical_note_version::Column::Version)
        .all(db)
        .await?;
    let attachments = files::to_wire(
        db,
        crypto,
        document::Entity::find()
            .filter(document::Column::NoteId.is_in(ids))
            .filter(document::Column::DeletedAt.is_null())
            .order_by_asc(document::Column::CreatedAt)
            .all(db)
            .await?,
    )
    .await?;
    let appointments =
        crate::scheduling::appointment_refs(db, rows.iter().filter_map(|r| r.appointment_id))
            .await?;
    let mut people: Vec<Uuid> = rows
        .iter()
        .map(|r| r.author_id)
        .chain(versions.iter().map(|v| v.author_id))
        .collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;

    let mut by_note: HashMap<Uuid, Vec<NoteVersion>> = HashMap::new();
    for v in versions {
        let t = "clinical_note_versions";
        by_note.entry(v.note_id).or_default().push(NoteVersion {
            version: v.version,
            kind: if v.kind == "original" {
                NoteVersionKind::Original
            } else {
                NoteVersionKind::Amendment
            },
            title: crypto.decrypt_str(&v.title_enc, &aad(t, "title", v.id))?,
            body_html: crypto.decrypt_str(&v.body_enc, &aad(t, "body", v.id))?,
            reason: v
                .reason_enc
                .as_deref()
                .map(|r| crypto.decrypt_str(r, &aad(t, "reason", v.id)))
                .transpose()?,
            author_name: names.get(&v.author_id).cloned(),
            author_id: v.author_id,
            created_at: v.created_at,
        });
    }
    let mut files_by_note: HashMap<Uuid, Vec<Document>> = HashMap::new();
    for d in attachments {
        if let Some(n) = d.note_id {
            files_by_note.entry(n).or_default().push(d);
        }
    }
    rows.into_iter()
        .map(|r| {
            let t = "clinical_notes";
            let appt = r.appointment_id.and_then(|a| appointments.get(&a));
            Ok(Note {
                id: r.id,
                patient_id: r.patient_id,
                note_type: NoteType::parse(&r.note_type).unwrap_or(NoteType::Progress),
                status: status_of(&r.status),
                title: crypto.decrypt_str(&r.title_enc, &aad(t, "title", r.id))?,
                body_html: crypto.decrypt_str(&r.body_enc, &aad(t, "body", r.id))?,
                appointment_id: r.appointment_id,
                appointment_label: appt.map(|a| a.type_name.clone()),
                appointment_starts_at: appt.map(|a| a.starts_at),
                author_name: names.get(&r.author_id).cloned(),
                author_id: r.author_id,
                created_at: r.created_at,
                updated_at: r.updated_at,
                signed_at: r.signed_at,
                versions: by_note.remove(&r.id).unwrap_or_default(),
                attachments: files_by_note.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// Notes the caller may see: signed ones, and their own drafts. Patients see signed notes only.
pub(crate) fn visible_to(principal: &Principal) -> Condition {
    let signed = clinical_note::Column::Status.ne("draft");
    match principal.user_id() {
        Some(me) if principal.role() != Some(Role::Patient) => Condition::any()
            .add(signed)
            .add(clinical_note::Column::AuthorId.eq(me)),
        _ => Condition::all().add(signed),
    }
}

/// A note the caller may see, with their access to its patient's notes checked.
async fn open_note(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<clinical_note::Model> {
    let note = clinical_note::Entity::find_by_id(id)
        .filter(visible_to(principal))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record(state, principal, note.patient_id, RecordCategory::Notes).await?;
    Ok(note)
}

/// A draft the caller wrote; anything else is refused with why.
fn own_draft(principal: &Principal, note: &clinical_note::Model) -> ApiResult<()> {
    if note.status != "draft" {
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

/// The patient's notes as `principal` may read them (drafts are their authors' alone): what the
/// API lists and what an export holds both come from here.
pub(crate) async fn readable(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<clinical_note::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(state, principal, patient_id, RecordCategory::Notes).await?;
    Ok(clinical_note::Entity::find()
        .filter(clinical_note::Column::PatientId.eq(patient_id))
        .filter(visible_to(principal)))
}

/// The patient's notes, newest first: signed notes, and the caller's own drafts.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), NoteQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<Note>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/notes")]
async fn list_notes(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<NoteQuery>,
) -> ApiResult<web::Json<Page<Note>>> {
    let mut find = readable(&state, &auth, *id).await?;
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    if let Some(t) = query.note_type {
        find = find.filter(clinical_note::Column::NoteType.eq(t.as_str()));
    }
    let total = find.clone().count(&state.db).await?;
    let rows = find
        .order_by_desc(clinical_note::Column::CreatedAt)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "note.list")
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
async fn create_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewNote>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, *id, RecordCategory::Notes).await?;
    let author = auth.require_user()?;
    body.validate().map_err(ApiError::Validation)?;
    check_appointment(&state.db, *id, body.appointment_id).await?;
    let txn = state.db.begin().await?;
    let row = insert_draft(&txn, &state.crypto, *id, author, &body).await?;
    let note_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "note.create")
                .patient(*id)
                .resource("note", note_id)
                .detail(format!("type={}", body.note_type.as_str())),
        )
        .await?;
    let out = one(&state, row).await?;
    Ok(HttpResponse::Created().json(out))
}

/// Inserts a draft, its text sanitised and encrypted.
async fn insert_draft(
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
        status: Set("draft".into()),
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

async fn one(state: &AppState, row: clinical_note::Model) -> ApiResult<Note> {
    to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// One note with every version and attachment.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Note), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/notes/{id}")]
async fn get_note(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Note>> {
    let note = open_note(&state, &auth, *id).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "note.read")
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
async fn update_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewNote>,
) -> ApiResult<web::Json<Note>> {
    let note = open_note(&state, &auth, *id).await?;
    own_draft(&auth, &note)?;
    body.validate().map_err(ApiError::Validation)?;
    check_appointment(&state.db, note.patient_id, body.appointment_id).await?;
    let t = "clinical_notes";
    let txn = state.db.begin().await?;
    let result = clinical_note::Entity::update_many()
        .col_expr(
            clinical_note::Column::TitleEnc,
            Expr::value(
                state
                    .crypto
                    .encrypt_str(body.title.trim(), &aad(t, "title", note.id))?,
            ),
        )
        .col_expr(
            clinical_note::Column::BodyEnc,
            Expr::value(
                state
                    .crypto
                    .encrypt_str(&sanitize(&body.body_html), &aad(t, "body", note.id))?,
            ),
        )
        .col_expr(
            clinical_note::Column::NoteType,
            Expr::value(body.note_type.as_str()),
        )
        .col_expr(
            clinical_note::Column::AppointmentId,
            Expr::value(body.appointment_id),
        )
        .col_expr(clinical_note::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(clinical_note::Column::Id.eq(note.id))
        .filter(clinical_note::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(signed_meanwhile());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "note.update")
                .patient(note.patient_id)
                .resource("note", note.id),
        )
        .await?;
    let saved = reload(&state, note.id).await?;
    Ok(web::Json(one(&state, saved).await?))
}

fn signed_meanwhile() -> ApiError {
    ApiError::with_detail(
        ErrorCode::Conflict,
        "This note was signed meanwhile; amend it instead.",
    )
}

async fn reload(state: &AppState, id: Uuid) -> ApiResult<clinical_note::Model> {
    clinical_note::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Discard a draft and its attachments (its author only). Signed notes are kept.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"])),
    responses((status = 204), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[delete("/notes/{id}")]
async fn delete_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let note = open_note(&state, &auth, *id).await?;
    own_draft(&auth, &note)?;
    let txn = state.db.begin().await?;
    document::Entity::delete_many()
        .filter(document::Column::NoteId.eq(note.id))
        .exec(&txn)
        .await?;
    let result = clinical_note::Entity::delete_many()
        .filter(clinical_note::Column::Id.eq(note.id))
        .filter(clinical_note::Column::Status.eq("draft"))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(signed_meanwhile());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "note.discard")
                .patient(note.patient_id)
                .resource("note", note.id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds the next locked version and moves the note to it, if nobody else has meanwhile, in the
/// caller's transaction.
async fn lock_version(
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
                "amended"
            } else {
                "signed"
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

/// Sign a draft (its author only): it is locked as version 1.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Note), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[post("/notes/{id}/sign")]
async fn sign_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Note>> {
    let note = open_note(&state, &auth, *id).await?;
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
            AuditEntry::by(&auth, "note.sign")
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
async fn amend_note(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewAmendment>,
) -> ApiResult<HttpResponse> {
    let note = open_note(&state, &auth, *id).await?;
    if note.status == "draft" {
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
            AuditEntry::by(&auth, "note.amend")
                .patient(note.patient_id)
                .resource("note", note.id)
                .detail(format!("version={}", saved.version)),
        )
        .await?;
    Ok(HttpResponse::Created().json(one(&state, saved).await?))
}

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
async fn upload_attachment(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let note = open_note(&state, &auth, *id).await?;
    if note.status == "draft" && auth.user_id() != Some(note.author_id) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only the author can add to a draft.",
        ));
    }
    query.validate().map_err(ApiError::Validation)?;
    // A signed note is changed only by amendment: a file added to it is one, with its reason.
    let amendment = match (note.status.as_str(), query.reason.as_deref().map(str::trim)) {
        ("draft", _) => None,
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
    let bytes = files::read_upload(&req, payload, state.settings.max_upload_bytes).await?;
    let txn = state.db.begin().await?;
    let row = files::store(
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
        &bytes,
    )
    .await?;
    let mut entries = vec![AuditEntry::by(&auth, "document.upload")
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
            AuditEntry::by(&auth, "note.amend")
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

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn rich_text_keeps_formatting_and_loses_everything_else() {
        let dirty = r#"<h3 style="color:red" onclick="x()">Plan</h3><p>Take <b>two</b> <em>daily</em><script>alert(1)</script></p><ul><li>walk</li></ul><a href="javascript:alert(1)">bad</a> <a href="https://example.org/info">info</a><img src=x onerror=alert(1)><iframe src="https://evil"></iframe>"#;
        let clean = sanitize(dirty);
        assert!(clean.contains("<h3>Plan</h3>"));
        assert!(clean.contains("<b>two</b> <em>daily</em>"));
        assert!(clean.contains("<ul><li>walk</li></ul>"));
        assert!(clean.contains(
            r#"<a href="https://example.org/info" rel="noopener noreferrer nofollow">info</a>"#
        ));
        for gone in [
            "script",
            "onclick",
            "style",
            "javascript:",
            "<img",
            "onerror",
            "iframe",
        ] {
            assert!(!clean.contains(gone), "{gone} survived: {clean}");
        }
    }
}
