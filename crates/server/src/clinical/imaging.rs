//! Imaging studies: the modality, body part, date, facility and report (encrypted), with the
//! study's files, which are uploaded as documents filed under it.

use actix_web::{get, post, put, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::documents::{Document, ImagingStudy, ImagingStudyInput, Modality};
use api_types::sharing::RecordCategory;
use chrono::Utc;
use entity::clinical::{document, imaging_study};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::files;
use super::shared::trimmed;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::{open_record, open_record_for_change};
use crate::platform::crypto::Crypto;
use crate::platform::http::Body;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_studies)
        .service(create_study)
        .service(update_study);
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
    let rows = newest_first(&state.db, readable_studies(&state, &auth, *id).await?).await?;
    let items = studies_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::ImagingList)
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
    open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Documents).await?;
    body.validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let study_id = Uuid::now_v7();
    let details_enc = state
        .crypto
        .encrypt_json(&details_of(&body), &study_aad(study_id))?;
    let txn = state.db.begin().await?;
    let row = add(&txn, study_id, *id, &body, details_enc, auth.user_id()).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ImagingCreate)
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
    let row = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record_for_change(
        &state,
        &auth,
        PatientId(row.patient_id),
        RecordCategory::Documents,
    )
    .await?;
    body.validate(Utc::now().date_naive())
        .map_err(ApiError::Validation)?;
    let patient_id = row.patient_id;
    let details_enc = state
        .crypto
        .encrypt_json(&details_of(&body), &study_aad(*id))?;
    let txn = state.db.begin().await?;
    let saved = save(&txn, row, &body, details_enc).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ImagingUpdate)
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

/// The patient's imaging studies as `principal` may read them: what the API lists and what an
/// export holds both come from here.
pub(crate) async fn readable_studies(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<imaging_study::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(
        state,
        principal,
        PatientId(patient_id),
        RecordCategory::Documents,
    )
    .await?;
    Ok(imaging_study::Entity::find().filter(imaging_study::Column::PatientId.eq(patient_id)))
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

/// The studies selected, newest first (at most 500).
async fn newest_first(
    db: &impl ConnectionTrait,
    studies: sea_orm::Select<imaging_study::Entity>,
) -> ApiResult<Vec<imaging_study::Model>> {
    Ok(studies
        .order_by_desc(imaging_study::Column::StudyDate)
        .limit(500)
        .all(db)
        .await?)
}

/// One imaging study.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<imaging_study::Model>> {
    Ok(imaging_study::Entity::find_by_id(id).one(db).await?)
}

/// A new study of the patient, its details already encrypted.
async fn add(
    db: &impl ConnectionTrait,
    id: Uuid,
    patient_id: Uuid,
    input: &ImagingStudyInput,
    details_enc: String,
    created_by: Option<Uuid>,
) -> ApiResult<imaging_study::Model> {
    let now = Utc::now();
    Ok(imaging_study::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        modality: Set(input.modality.as_str().into()),
        study_date: Set(input.study_date),
        details_enc: Set(details_enc),
        created_by: Set(created_by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Saves the study's new modality, date and (encrypted) details.
async fn save(
    db: &impl ConnectionTrait,
    row: imaging_study::Model,
    input: &ImagingStudyInput,
    details_enc: String,
) -> ApiResult<imaging_study::Model> {
    let mut active: imaging_study::ActiveModel = row.into();
    active.modality = Set(input.modality.as_str().into());
    active.study_date = Set(input.study_date);
    active.details_enc = Set(details_enc);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}
