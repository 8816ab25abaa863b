//! Data rights beyond download: a patient asks for a correction or for erasure (in the portal,
//! or staff on their behalf); the request reaches the practice's administrators by email and
//! waits in the staff queue; staff answer it, and the patient sees the answer.
//!
//! Erasure anonymises what the law allows and keeps what health-record retention requires:
//! contact details, the portal account, device connections, sharing and optional consents go at
//! once; the clinical record, and the name, date of birth and Medicare number that identify it,
//! stay until the end of the retention period (seven years after the last service, or age 25),
//! out of search. The report says which is which.

use actix_web::{get, post, web, HttpResponse};
use api_types::patients::Address;
use api_types::sharing::{
    DataRequest, DataRequestKind, DataRequestQuery, DataRequestStatus, EraseRequest, ErasureItem,
    ErasureReport, NewDataRequest, ResolveDataRequest,
};
use api_types::{ErrorCode, Role};
use chrono::{Datelike, Months, NaiveDate, Utc};
use entity::clinical::clinical_note;
use entity::health::device_connection;
use entity::patients::{access_grant, break_glass_grant, consent_event, data_request};
use entity::scheduling::appointment;
use entity::users::user;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::access::ensure_demographics;
use super::queries::{self, PatientRecord};
use crate::audit::AuditEntry;
use crate::auth::invitations;
use crate::auth::{require, Authorized, Principal};
use crate::comms::outbox;
use crate::platform::crypto::Crypto;
use crate::platform::http::{Body, Query};
use crate::platform::{ApiError, ApiResult};
use crate::users::queries as users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_patient_requests)
        .service(create_request)
        .service(list_requests)
        .service(resolve_request)
        .service(erasure_preview)
        .service(erase);
}

/// Health records are kept this many years after the last service.
const RETENTION_YEARS: u32 = 7;
/// A child's record is kept at least until this age.
const RETENTION_AGE: u32 = 25;

fn aad(column: &str, id: Uuid) -> String {
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
    let patients = queries::find_many(db, crypto, &patient_ids).await?;
    // Who made each request, as the patient account it belongs to (if any).
    let accounts: std::collections::HashMap<Uuid, Option<Uuid>> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().filter_map(|r| r.requested_by)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.patient_id))
        .collect();
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
            status: DataRequestStatus::parse(&r.status).unwrap_or(DataRequestStatus::Open),
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
    ensure_demographics(&auth, *id)?;
    queries::get(&state.db, &state.crypto, *id).await?;
    let rows = data_request::Entity::find()
        .filter(data_request::Column::PatientId.eq(*id))
        .order_by_desc(data_request::Column::CreatedAt)
        .limit(200)
        .all(&state.db)
        .await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, "data_request.list").patient(*id))
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
    ensure_demographics(&auth, *id)?;
    queries::get(&state.db, &state.crypto, *id).await?;
    body.validate().map_err(ApiError::Validation)?;
    let request_id = Uuid::now_v7();
    let txn = state.db.begin().await?;
    let row = data_request::ActiveModel {
        id: Set(request_id),
        patient_id: Set(*id),
        kind: Set(body.kind.as_str().into()),
        details_enc: Set(state
            .crypto
            .encrypt_str(body.details.trim(), &aad("details", request_id))?),
        status: Set("open".into()),
        response_enc: Set(None),
        requested_by: Set(auth.user_id()),
        resolved_by: Set(None),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let admins = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Status.eq("active"))
        .all(&txn)
        .await?;
    let link = format!(
        "{}/admin/data-requests",
        state.settings.public_url.trim_end_matches('/')
    );
    let what = match body.kind {
        DataRequestKind::Rectification => "to correct their record",
        DataRequestKind::Erasure => "to erase their data",
    };
    for a in admins {
        if let Some(admin) = users::find(&txn, &state.crypto, a.id).await? {
            outbox::enqueue_email(
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
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "data_request.create")
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
    let rows = data_request::Entity::find()
        .filter(data_request::Column::Status.eq(status.as_str()))
        .order_by_asc(data_request::Column::CreatedAt)
        .limit(200)
        .all(&state.db)
        .await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "data_request.queue")
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
    let row = data_request::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    body.validate().map_err(ApiError::Validation)?;
    if row.status != "open" {
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
        let record = queries::get(&txn, &state.crypto, row.patient_id).await?;
        entries.push(erase_patient(&txn, &state, &auth, &record).await?.1);
    }
    let mut active: data_request::ActiveModel = row.clone().into();
    active.status = Set(body.status.as_str().into());
    active.response_enc = Set(Some(
        state
            .crypto
            .encrypt_str(body.response.trim(), &aad("response", row.id))?,
    ));
    active.resolved_by = Set(auth.user_id());
    active.resolved_at = Set(Some(Utc::now()));
    // Only an open request is answered, once, whoever answers at the same moment.
    let answered = data_request::Entity::update_many()
        .set(active)
        .filter(data_request::Column::Id.eq(row.id))
        .filter(data_request::Column::Status.eq("open"))
        .exec(&txn)
        .await?
        .rows_affected;
    if answered != 1 {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This request has already been answered.",
        ));
    }
    let saved = data_request::Entity::find_by_id(row.id)
        .one(&txn)
        .await?
        .ok_or_else(ApiError::not_found)?;
    entries.push(
        AuditEntry::by(&auth, "data_request.resolve")
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

/// The last day the practice provided a service: the latest past appointment or note, else the
/// day the patient was registered.
async fn last_service(db: &impl ConnectionTrait, record: &PatientRecord) -> ApiResult<NaiveDate> {
    let id = record.model.id;
    let now = Utc::now();
    let appt = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(id))
        .filter(appointment::Column::StartsAt.lte(now))
        .filter(appointment::Column::Status.ne("cancelled"))
        .order_by_desc(appointment::Column::StartsAt)
        .one(db)
        .await?
        .map(|a| a.starts_at);
    let note = clinical_note::Entity::find()
        .filter(clinical_note::Column::PatientId.eq(id))
        .order_by_desc(clinical_note::Column::CreatedAt)
        .one(db)
        .await?
        .map(|n| n.created_at);
    Ok([Some(record.model.created_at), appt, note]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(now)
        .date_naive())
}

fn add_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_add_months(Months::new(years * 12)).unwrap_or(d)
}

/// What erasure removes and keeps, and until when.
async fn report(db: &impl ConnectionTrait, record: &PatientRecord) -> ApiResult<ErasureReport> {
    let last = last_service(db, record).await?;
    let mut until = add_years(last, RETENTION_YEARS);
    if let Some(dob) = record.details.date_of_birth {
        until = until.max(add_years(dob, RETENTION_AGE));
    }
    let item = |what: &str, why: &str| ErasureItem {
        what: what.into(),
        why: why.into(),
    };
    let until_text = format!(
        "{} {} {}",
        until.day(),
        chrono::Month::try_from(until.month() as u8)
            .map(|m| m.name())
            .unwrap_or_default(),
        until.year()
    );
    Ok(ErasureReport {
        erased: vec![
            item(
                "Email, phone numbers, address, emergency contact, occupation, pronouns and preferred name",
                "Not needed to keep the health record.",
            ),
            item(
                "The portal account and its sessions",
                "The patient no longer uses the portal.",
            ),
            item(
                "Connected devices and their access tokens",
                "No further readings are collected.",
            ),
            item(
                "Sharing with practitioners outside the care team",
                "Every grant is revoked.",
            ),
            item(
                "Consent to SMS and email contact, AI analysis and research",
                "Recorded as withdrawn, so nothing is sent or analysed.",
            ),
            item(
                "Upcoming appointments",
                "Cancelled without messages.",
            ),
            item(
                "The patient in search",
                "The record can no longer be found by name, email, phone or date of birth.",
            ),
        ],
        kept: vec![
            item(
                "Clinical notes, questionnaires, medications and prescriptions, therapy records, health readings, documents and imaging",
                &format!(
                    "Health records must be kept for {RETENTION_YEARS} years after the last service, or until a child turns {RETENTION_AGE} (state health-records law, such as the Health Records and Information Privacy Act 2002 (NSW)); kept until {until_text}."
                ),
            ),
            item(
                "Name, date of birth, sex and Medicare number",
                "They identify the health record that must be kept; they are out of search.",
            ),
            item(
                "Past appointments and their history",
                "Part of the health record and of the practice's financial records.",
            ),
            item(
                "The audit log",
                "It records who accessed the data and cannot be altered.",
            ),
            item(
                "Requests about the data, including this one",
                "They show what the patient asked for and what the practice did.",
            ),
        ],
        retain_until: until,
        erased_at: None,
    })
}

/// Erases the patient's personal data in `txn`, as far as the law allows, and says what was
/// removed and what is kept. The returned event is to be committed with the transaction.
async fn erase_patient(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    principal: &Principal,
    record: &PatientRecord,
) -> ApiResult<(ErasureReport, AuditEntry)> {
    queries::ensure_not_erased(record)?;
    let id = record.model.id;
    let mut out = report(txn, record).await?;
    let mut details = record.details.clone();
    details.preferred_name = None;
    details.gender_identity = None;
    details.pronouns = None;
    details.email = None;
    details.phone_numbers.clear();
    details.address = Address::default();
    details.emergency_contact = None;
    details.occupation = None;
    details.referral_source = None;
    details.notes = None;
    let now = Utc::now();
    queries::update(txn, &state.crypto, record, details).await?;
    // From here on the record is closed: no restore, change, invitation or new access.
    queries::mark_erased(txn, id).await?;
    let accounts = user::Entity::find()
        .filter(user::Column::PatientId.eq(id))
        .all(txn)
        .await?;
    for account in &accounts {
        crate::users::deactivate(txn, account.id, "patient data erased").await?;
        crate::users::forget_credentials(txn, &state.crypto, account.id).await?;
    }
    invitations::withdraw_pending(
        txn,
        sea_orm::Condition::all().add(entity::auth::invitation::Column::PatientId.eq(id)),
    )
    .await?;
    device_connection::Entity::delete_many()
        .filter(device_connection::Column::PatientId.eq(id))
        .exec(txn)
        .await?;
    access_grant::Entity::update_many()
        .col_expr(access_grant::Column::RevokedAt, Expr::value(now))
        .filter(access_grant::Column::PatientId.eq(id))
        .filter(access_grant::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    break_glass_grant::Entity::update_many()
        .col_expr(break_glass_grant::Column::ExpiresAt, Expr::value(now))
        .filter(break_glass_grant::Column::PatientId.eq(id))
        .filter(break_glass_grant::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await?;
    for kind in ["sms_contact", "email_contact", "ai_analysis", "research"] {
        consent_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            patient_id: Set(id),
            kind: Set(kind.into()),
            given: Set(false),
            source: Set("staff".into()),
            recorded_by: Set(principal.user_id()),
            recorded_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value("cancelled"))
        .col_expr(appointment::Column::CancelledAt, Expr::value(now))
        .col_expr(
            appointment::Column::CancelledBy,
            Expr::value(principal.user_id()),
        )
        .col_expr(appointment::Column::UpdatedAt, Expr::value(now))
        .filter(appointment::Column::PatientId.eq(id))
        .filter(appointment::Column::StartsAt.gt(now))
        .filter(appointment::Column::Status.eq("booked"))
        .exec(txn)
        .await?;
    // Outside calendars lose the patient's name, and the cancelled bookings.
    let all: Vec<appointment::Model> = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(id))
        .all(txn)
        .await?;
    crate::scheduling::google::queue(txn, state, &all.iter().collect::<Vec<_>>()).await?;
    let entry = AuditEntry::by(principal, "patient.erase")
        .patient(id)
        .detail(format!(
            "retain_until={} accounts={}",
            out.retain_until,
            accounts.len()
        ));
    out.erased_at = Some(now);
    Ok((out, entry))
}

fn admin_only(principal: &Principal) -> ApiResult<()> {
    if principal.role() == Some(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "An administrator erases a patient's data.",
        ))
    }
}

/// What erasing this patient's data would remove and keep, and until when (administrators).
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:archive"])),
    responses((status = 200, body = ErasureReport), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/erasure")]
async fn erasure_preview(
    auth: Authorized<require::PatientsArchive>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ErasureReport>> {
    admin_only(&auth)?;
    let record = queries::get(&state.db, &state.crypto, *id).await?;
    let out = report(&state.db, &record).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, "patient.erasure_preview").patient(*id))
        .await?;
    Ok(web::Json(out))
}

/// Erase the patient's data as far as the law allows (administrators), saying what was removed
/// and what is kept, and why.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = EraseRequest,
    security(("bearer" = ["patients:archive"])),
    responses((status = 200, body = ErasureReport), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/erasure")]
async fn erase(
    auth: Authorized<require::PatientsArchive>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<EraseRequest>,
) -> ApiResult<web::Json<ErasureReport>> {
    admin_only(&auth)?;
    let record = queries::get(&state.db, &state.crypto, *id).await?;
    let mut e = api_types::validation::Errors::default();
    e.required_text("reason", &body.reason, 1000);
    e.finish().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    let (report, entry) = erase_patient(&txn, &state, &auth, &record).await?;
    // The reason is kept with the patient's requests, encrypted, as an erasure answered at once.
    let request_id = Uuid::now_v7();
    let now = Utc::now();
    data_request::ActiveModel {
        id: Set(request_id),
        patient_id: Set(*id),
        kind: Set(DataRequestKind::Erasure.as_str().into()),
        details_enc: Set(state.crypto.encrypt_str(
            "Erasure recorded by an administrator.",
            &aad("details", request_id),
        )?),
        status: Set(DataRequestStatus::Completed.as_str().into()),
        response_enc: Set(Some(
            state
                .crypto
                .encrypt_str(body.reason.trim(), &aad("response", request_id))?,
        )),
        requested_by: Set(auth.user_id()),
        resolved_by: Set(auth.user_id()),
        created_at: Set(now),
        resolved_at: Set(Some(now)),
    }
    .insert(&txn)
    .await?;
    state.audit.commit(txn, entry).await?;
    Ok(web::Json(report))
}
