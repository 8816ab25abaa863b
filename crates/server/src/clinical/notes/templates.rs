//! The practice's note templates: one default per type of note, offered when a note is started.
//! They hold no patient data and are kept in clear.

use actix_web::{get, post, put, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::notes::{NoteTemplate, NoteTemplateInput, NoteType};
use chrono::{DateTime, Utc};
use entity::clinical::note_template;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use super::sanitize::sanitize;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::Body;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The practice's note templates, defaults first.
#[utoipa::path(
    tag = "clinical",
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Vec<NoteTemplate>))
)]
#[get("/note-templates")]
pub(super) async fn list_templates(
    _auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<NoteTemplate>>> {
    let rows = all(&state.db).await?;
    Ok(web::Json(rows.into_iter().map(template_to_wire).collect()))
}

/// Add a note template.
#[utoipa::path(
    tag = "clinical",
    request_body = NoteTemplateInput,
    security(("bearer" = ["settings:manage"])),
    responses((status = 201, body = NoteTemplate), (status = 403, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/note-templates")]
pub(super) async fn create_template(
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
    let row = insert(&txn, id, &body, now).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::NoteTemplateCreate).resource("note_template", id),
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
pub(super) async fn update_template(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NoteTemplateInput>,
) -> ApiResult<web::Json<NoteTemplate>> {
    let row = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    body.validate().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    if body.is_default {
        clear_default(&txn, body.note_type, row.id).await?;
    }
    let saved = update(&txn, row, &body).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::NoteTemplateUpdate).resource("note_template", *id),
        )
        .await?;
    Ok(web::Json(template_to_wire(saved)))
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

/// Every template, defaults first, then by name.
async fn all(db: &impl ConnectionTrait) -> ApiResult<Vec<note_template::Model>> {
    Ok(note_template::Entity::find()
        .order_by_desc(note_template::Column::IsDefault)
        .order_by_asc(note_template::Column::Name)
        .all(db)
        .await?)
}

/// Adds a template, its text sanitised.
async fn insert(
    db: &impl ConnectionTrait,
    id: Uuid,
    input: &NoteTemplateInput,
    now: DateTime<Utc>,
) -> ApiResult<note_template::Model> {
    Ok(note_template::ActiveModel {
        id: Set(id),
        name: Set(input.name.trim().into()),
        note_type: Set(input.note_type.as_str().into()),
        body_html: Set(sanitize(&input.body_html)),
        is_default: Set(input.is_default),
        archived: Set(input.archived),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Saves `input` over the template `row`; an archived template is no longer a default.
async fn update(
    db: &impl ConnectionTrait,
    row: note_template::Model,
    input: &NoteTemplateInput,
) -> ApiResult<note_template::Model> {
    let mut active: note_template::ActiveModel = row.into();
    active.name = Set(input.name.trim().into());
    active.note_type = Set(input.note_type.as_str().into());
    active.body_html = Set(sanitize(&input.body_html));
    active.is_default = Set(input.is_default && !input.archived);
    active.archived = Set(input.archived);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
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

/// One note template.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<note_template::Model>> {
    Ok(note_template::Entity::find_by_id(id).one(db).await?)
}
