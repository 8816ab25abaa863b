//! Data rights beyond download: a patient asks for a correction or for erasure (in the portal,
//! or staff on their behalf); the request reaches the practice's administrators by email and
//! waits in the staff queue; staff answer it, and the patient sees the answer. Completing an
//! erasure request erases the patient's data (see `erasure`), with the answer, in one transaction.

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::sharing::{
    DataRequest, DataRequestKind, DataRequestQuery, DataRequestStatus, NewDataRequest,
    ResolveDataRequest,
};
use api_types::{ErrorCode, Role};
use chrono::Utc;
use entity::records::data_request;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::comms;
use crate::patients;
use crate::patients::ensure_demographics;
use crate::platform::crypto::Crypto;
use crate::platform::http::{Body, Query};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

pub(super) fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_patient_requests)
        .service(create_request)
        .service(list_requests)
        .service(resolve_request);
}

pub(super) fn aad(column: &str, id: Uuid) -> String {
    format!("data_requests.{column}:{id}")
}

async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<data_request::Model>,
) -> ApiResult<Vec<DataRequest>> {
    let mut people: Vec<Uuid> = rows.iter().filter_map(|r| r.resolved_by).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    let mut patient_ids: Vec<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    patient_ids.sort_unstable();
    patient_ids.dedup();
    let patients = patients::find_many(db, crypto, &patient_ids).await?;
    // Who made each request, as the patient account it belongs to (if any).
    let accounts = users::patient_links(db, rows.iter().filter_map(|r| r.requested_by)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let patient_name = patients
            .get(&r.patient_id)
            .map(|p| p.display_name())
            .unwrap_or_default();
        let requested_by_patient = r
            .requested_by
            .and_then(|u| accounts.get(&u).copied().flatten())
            == Some(r.patient_id);
        out.push(DataRequest {
            id: r.id,
            patient_id: r.patient_id,
            patient_name,
            kind: DataRequestKind::parse(&r.kind).unwrap_or(DataRequestKind::Rectification),
            details: crypto.decrypt_str(&r.details_enc, &aad("details", r.id))?,
            status: r.status,
            response: r
                .response_enc
                .as_deref()
                .map(|v| crypto.decrypt_str(v, &aad("response", r.id)))
                .transpose()?,
            by_patient: requested_by_patient,
            created_at: r.created_at,
            resolved_at: r.resolved_at,
            resolved_by_name: r.resolved_by.and_then(|u| names.get(&u).cloned()),
        });
    }
    Ok(out)
}

/// The patient's requests as `principal` may read them, newest first: what the API lists and
/// what an export holds both come from here.
pub(super) async fn requests_of(
    state: &AppState,
    principal: &crate::auth::Principal,
    patient_id: PatientId,
) -> ApiResult<Vec<DataRequest>> {
    principal.ensure::<require::PatientsReadOrOwn>()?;
    ensure_demographics(principal, patient_id)?;
    patients::get(&state.db, &state.crypto, patient_id).await?;
    let rows = data_request::Entity::find()
        .filter(data_request::Column::PatientId.eq(patient_id))
        .order_by_desc(data_request::Column::CreatedAt)
        .limit(200)
        .all(&state.db)
        .await?;
    to_wire(&state.db, &state.crypto, rows).await
}

/// The patient's requests, newest first.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<DataRequest>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/data-requests")]
async fn list_patient_requests(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<DataRequest>>> {
    let items = requests_of(&state, &auth, PatientId(*id)).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::DataRequestList).patient(*id))
        .await?;
    Ok(web::Json(items))
}

/// Ask for a correction or erasure. The practice's administrators are emailed (without the
/// details) and the request waits in the staff queue.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = NewDataRequest,
    security(("bearer" = ["patients:write"]), ("bearer" = ["own_record"])),
    responses((status = 201, body = DataRequest), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/data-requests")]
async fn create_request(
    auth: Authorized<require::PatientsWriteOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewDataRequest>,
) -> ApiResult<HttpResponse> {
    ensure_demographics(&auth, PatientId(*id))?;
    patients::get(&state.db, &state.crypto, PatientId(*id)).await?;
    body.validate().map_err(ApiError::Validation)?;
    let request_id = Uuid::now_v7();
    let details_enc = state
        .crypto
        .encrypt_str(body.details.trim(), &aad("details", request_id))?;
    let txn = state.db.begin().await?;
    let row = add(
        &txn,
        request_id,
        *id,
        body.kind,
        details_enc,
        auth.user_id(),
    )
    .await?;
    let admins = users::active_admins(&txn, &state.crypto).await?;
    let link = format!(
        "{}/admin/data-requests",
        state.settings.public_url.trim_end_matches('/')
    );
    let what = match body.kind {
        DataRequestKind::Rectification => "to correct their record",
        DataRequestKind::Erasure => "to erase their data",
    };
    for admin in admins {
        comms::enqueue_email(
            &txn,
            &state.crypto,
            &admin.email,
            "Carebase: a patient has made a request about their data",
            &format!(
                "Hello {},\n\nA patient has asked {what}. Sign in to Carebase to see the \
                 request and answer it:\n{link}\n",
                admin.name
            ),
        )
        .await?;
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::DataRequestCreate)
                .patient(*id)
                .resource("data_request", request_id)
                .detail(format!("kind={}", body.kind.as_str())),
        )
        .await?;
    let out = to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// The staff queue: requests by status (open by default), oldest first.
#[utoipa::path(
    tag = "patients",
    params(DataRequestQuery),
    security(("bearer" = ["patients:write"])),
    responses((status = 200, body = Vec<DataRequest>))
)]
#[get("/data-requests")]
async fn list_requests(
    auth: Authorized<require::PatientsWrite>,
    state: web::Data<AppState>,
    query: Query<DataRequestQuery>,
) -> ApiResult<web::Json<Vec<DataRequest>>> {
    let status = query.status.unwrap_or(DataRequestStatus::Open);
    let rows = queue(&state.db, status).await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::DataRequestQueue)
                .patients(items.iter().map(|r| &r.patient_id))
                .also(format!("status={}", status.as_str())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Answer a request. A correction is made on the record first, then completed here with what
/// changed. Completing an erasure request (administrators only) erases the patient's data.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = ResolveDataRequest,
    security(("bearer" = ["patients:write"])),
    responses((status = 200, body = DataRequest), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/data-requests/{id}/resolve")]
async fn resolve_request(
    auth: Authorized<require::PatientsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<ResolveDataRequest>,
) -> ApiResult<web::Json<DataRequest>> {
    let row = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    body.validate().map_err(ApiError::Validation)?;
    if row.status != DataRequestStatus::Open {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This request has already been answered.",
        ));
    }
    let erasing = row.kind == "erasure" && body.status == DataRequestStatus::Completed;
    if row.kind == "erasure" && auth.role() != Some(Role::Admin) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "An administrator answers erasure requests.",
        ));
    }
    let txn = state.db.begin().await?;
    let mut entries = Vec::new();
    if erasing {
        let record = patients::get(&txn, &state.crypto, PatientId(row.patient_id)).await?;
        entries.push(
            super::erasure::erase_patient(&txn, &state, &auth, &record)
                .await?
                .1,
        );
    }
    let response_enc = state
        .crypto
        .encrypt_str(body.response.trim(), &aad("response", row.id))?;
    if answer_if_open(&txn, row.clone(), body.status, response_enc, auth.user_id()).await? != 1 {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This request has already been answered.",
        ));
    }
    let saved = find(&txn, row.id).await?.ok_or_else(ApiError::not_found)?;
    entries.push(
        AuditEntry::by(&auth, AuditAction::DataRequestResolve)
            .patient(row.patient_id)
            .resource("data_request", row.id)
            .detail(format!("status={}", body.status.as_str())),
    );
    state.audit.commit_all(txn, entries).await?;
    let out = to_wire(&state.db, &state.crypto, vec![saved])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}

/// One request.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<data_request::Model>> {
    Ok(data_request::Entity::find_by_id(id).one(db).await?)
}

/// Saves a new open request of the patient, its details already encrypted.
async fn add(
    db: &impl ConnectionTrait,
    id: Uuid,
    patient_id: Uuid,
    kind: DataRequestKind,
    details_enc: String,
    requested_by: Option<Uuid>,
) -> ApiResult<data_request::Model> {
    Ok(data_request::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        kind: Set(kind.as_str().into()),
        details_enc: Set(details_enc),
        status: Set(DataRequestStatus::Open),
        response_enc: Set(None),
        requested_by: Set(requested_by),
        resolved_by: Set(None),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// The requests in `status`, oldest first (at most 200).
async fn queue(
    db: &impl ConnectionTrait,
    status: DataRequestStatus,
) -> ApiResult<Vec<data_request::Model>> {
    Ok(data_request::Entity::find()
        .filter(data_request::Column::Status.eq(status))
        .order_by_asc(data_request::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?)
}

/// Answers the request with `status` and the (encrypted) response, now, by `resolved_by`, if it
/// is still open: only an open request is answered, once, whoever answers at the same moment.
/// The number of requests answered (1, or 0 when it was answered already).
async fn answer_if_open(
    db: &impl ConnectionTrait,
    row: data_request::Model,
    status: DataRequestStatus,
    response_enc: String,
    resolved_by: Option<Uuid>,
) -> ApiResult<u64> {
    let id = row.id;
    let mut active: data_request::ActiveModel = row.into();
    active.status = Set(status);
    active.response_enc = Set(Some(response_enc));
    active.resolved_by = Set(resolved_by);
    active.resolved_at = Set(Some(Utc::now()));
    Ok(data_request::Entity::update_many()
        .set(active)
        .filter(data_request::Column::Id.eq(id))
        .filter(data_request::Column::Status.eq(DataRequestStatus::Open))
        .exec(db)
        .await?
        .rows_affected)
}
