//! Erasure: a patient's personal data removed as far as the law allows, each domain erasing its
//! own part (see [`super::Holder`]), and what the law keeps, and until when: health records are
//! kept seven years after the last service, or until a child turns 25.

use actix_web::{get, post, web};
use api_types::audit::AuditAction;
use api_types::sharing::{
    DataRequestKind, DataRequestStatus, EraseRequest, ErasureItem, ErasureReport,
};
use api_types::{ErrorCode, Role};
use chrono::{Datelike, Months, NaiveDate, Utc};
use entity::records::data_request;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use super::requests::aad;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::{self, PatientRecord};
use crate::platform::http::Body;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub(super) fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(erasure_preview).service(erase);
}

/// Health records are kept this many years after the last service.
const RETENTION_YEARS: u32 = 7;
/// A child's record is kept at least until this age.
const RETENTION_AGE: u32 = 25;

/// The last day the practice provided a service: the latest past appointment or note, else the
/// day the patient was registered.
async fn last_service(db: &impl ConnectionTrait, record: &PatientRecord) -> ApiResult<NaiveDate> {
    let id = record.model.id;
    let attended = crate::scheduling::last_attended(db, id).await?;
    let noted = crate::clinical::last_note_at(db, id).await?;
    Ok([Some(record.model.created_at), attended, noted]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or_else(Utc::now)
        .date_naive())
}

fn add_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_add_months(Months::new(years * 12)).unwrap_or(d)
}

/// The last day the law requires the patient's health record to be kept.
pub(super) async fn retain_until(
    db: &impl ConnectionTrait,
    record: &PatientRecord,
) -> ApiResult<NaiveDate> {
    let last = last_service(db, record).await?;
    let mut until = add_years(last, RETENTION_YEARS);
    if let Some(dob) = record.details.date_of_birth {
        until = until.max(add_years(dob, RETENTION_AGE));
    }
    Ok(until)
}

/// What erasure removes and keeps, and until when.
async fn report(db: &impl ConnectionTrait, record: &PatientRecord) -> ApiResult<ErasureReport> {
    let until = retain_until(db, record).await?;
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
                    "Health records must be kept for {RETENTION_YEARS} years after the last service, or until a child turns {RETENTION_AGE} (state health-records law, such as the Health Records and Information Privacy Act 2002 (NSW)); kept until {until_text}, then destroyed."
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

/// Erases the patient's personal data in `txn`, as far as the law allows, by asking every domain
/// that holds patient data to erase its part, and says what was removed and what is kept. The
/// returned event is to be committed with the transaction.
pub(super) async fn erase_patient(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    principal: &Principal,
    record: &PatientRecord,
) -> ApiResult<(ErasureReport, AuditEntry)> {
    patients::ensure_not_erased(record)?;
    let id = record.model.id;
    let mut out = report(txn, record).await?;
    let mut accounts = 0;
    for holder in super::Holder::ALL {
        accounts += holder.erase(txn, state, principal, PatientId(id)).await?;
    }
    // What is kept is destroyed once the law no longer requires it (see `super::retention`).
    patients::set_retain_until(txn, PatientId(id), out.retain_until).await?;
    let entry = AuditEntry::by(principal, AuditAction::PatientErase)
        .patient(id)
        .detail(format!(
            "retain_until={} accounts={accounts}",
            out.retain_until
        ));
    out.erased_at = Some(Utc::now());
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
    let record = patients::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let out = report(&state.db, &record).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::PatientErasurePreview).patient(*id))
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
    let record = patients::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let mut e = api_types::validation::Errors::default();
    e.required_text("reason", &body.reason, 1000);
    e.finish().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    let (report, entry) = erase_patient(&txn, &state, &auth, &record).await?;
    // The reason is kept with the patient's requests, encrypted, as an erasure answered at once.
    let request_id = Uuid::now_v7();
    let details_enc = state.crypto.encrypt_str(
        "Erasure recorded by an administrator.",
        &aad("details", request_id),
    )?;
    let response_enc = state
        .crypto
        .encrypt_str(body.reason.trim(), &aad("response", request_id))?;
    record_erasure(
        &txn,
        request_id,
        *id,
        details_enc,
        response_enc,
        auth.user_id(),
    )
    .await?;
    state.audit.commit(txn, entry).await?;
    Ok(web::Json(report))
}

/// Keeps an erasure with the patient's requests, answered at once by whoever recorded it; the
/// details and the answer (the reason) come encrypted.
async fn record_erasure(
    db: &impl ConnectionTrait,
    request_id: Uuid,
    patient_id: Uuid,
    details_enc: String,
    response_enc: String,
    by: Option<Uuid>,
) -> ApiResult<()> {
    let now = Utc::now();
    data_request::ActiveModel {
        id: Set(request_id),
        patient_id: Set(patient_id),
        kind: Set(DataRequestKind::Erasure.as_str().into()),
        details_enc: Set(details_enc),
        status: Set(DataRequestStatus::Completed),
        response_enc: Set(Some(response_enc)),
        requested_by: Set(by),
        resolved_by: Set(by),
        created_at: Set(now),
        resolved_at: Set(Some(now)),
    }
    .insert(db)
    .await?;
    Ok(())
}
