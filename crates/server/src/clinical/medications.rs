//! The patient's medication list, prescriptions written by practitioners, and adherence: doses
//! recorded as taken or missed (by the patient in the portal, or staff on their word), counted
//! per day in the practice's time zone against the medication's daily schedule.

use std::collections::HashMap;

use actix_web::{get, post, put, web, HttpResponse};
use api_types::medications::{
    adherence_rate, Adherence, AdherenceDay, AdherenceQuery, AdherenceSummary, Dose, Medication,
    MedicationInput, MedicationQuery, MedicationRoute, MedicationStatus, NewDose, NewPrescription,
    Prescription, PrescriptionStatus,
};
use api_types::sharing::RecordCategory;
use api_types::ErrorCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::clinical::{medication, medication_dose, prescription};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::trimmed;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::access::{open_record, open_record_for_change};
use crate::platform::crypto::Crypto;
use crate::platform::http::{Body, Query};
use crate::platform::{ApiError, ApiResult};
use crate::users::queries as users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_medications)
        .service(create_medication)
        .service(update_medication)
        .service(prescribe)
        .service(cancel_prescription)
        .service(record_dose)
        .service(adherence);
}

/// The summary on every medication covers this many days.
const SUMMARY_DAYS: u32 = 30;

#[derive(Serialize, Deserialize)]
struct Details {
    name: String,
    strength: Option<String>,
    dose: String,
    route: MedicationRoute,
    frequency: String,
    prescriber_name: Option<String>,
    reason: Option<String>,
    instructions: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PrescriptionDetails {
    quantity: String,
    repeats: u8,
    instructions: Option<String>,
}

fn aad(table: &str, id: Uuid) -> String {
    format!("{table}.details:{id}")
}

fn details_of(input: &MedicationInput) -> Details {
    Details {
        name: input.name.trim().to_owned(),
        strength: trimmed(&input.strength),
        dose: input.dose.trim().to_owned(),
        route: input.route,
        frequency: input.frequency.trim().to_owned(),
        prescriber_name: trimmed(&input.prescriber_name),
        reason: trimmed(&input.reason),
        instructions: trimmed(&input.instructions),
    }
}

/// Day-by-day counts from `from` to `to` (inclusive), local to the practice.
fn days_of(
    med: &medication::Model,
    doses: &[medication_dose::Model],
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<AdherenceDay> {
    let mut counts: HashMap<NaiveDate, (u32, u32)> = HashMap::new();
    for d in doses {
        let day = d.at.with_timezone(&tz).date_naive();
        let entry = counts.entry(day).or_default();
        if d.taken {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|date| {
            let (taken, missed) = counts.get(&date).copied().unwrap_or_default();
            let on_course = date >= med.start_date && med.end_date.is_none_or(|end| date <= end);
            AdherenceDay {
                date,
                taken,
                missed,
                expected: med
                    .doses_per_day
                    .map(|n| if on_course { n.max(0) as u32 } else { 0 }),
            }
        })
        .collect()
}

fn summary(days: &[AdherenceDay]) -> AdherenceSummary {
    AdherenceSummary {
        days: days.len() as u32,
        taken: days.iter().map(|d| d.taken).sum(),
        missed: days.iter().map(|d| d.missed).sum(),
        rate: adherence_rate(days),
    }
}

/// The first instant of the local day `date`, in UTC.
fn start_of(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    crate::scheduling::day_start(tz, date)
}

pub(crate) async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<medication::Model>,
) -> ApiResult<Vec<Medication>> {
    let practice = crate::scheduling::Practice::load(db).await?;
    let tz = practice.tz;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let from = today - Duration::days(i64::from(SUMMARY_DAYS) - 1);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut doses: HashMap<Uuid, Vec<medication_dose::Model>> = HashMap::new();
    for d in medication_dose::Entity::find()
        .filter(medication_dose::Column::MedicationId.is_in(ids.clone()))
        .filter(medication_dose::Column::At.gte(start_of(from, tz)))
        .all(db)
        .await?
    {
        doses.entry(d.medication_id).or_default().push(d);
    }
    let scripts = prescription::Entity::find()
        .filter(prescription::Column::MedicationId.is_in(ids))
        .order_by_desc(prescription::Column::IssuedAt)
        .all(db)
        .await?;
    let mut people: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| r.prescriber_id)
        .chain(scripts.iter().map(|s| s.prescriber_id))
        .collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    let mut by_med: HashMap<Uuid, Vec<Prescription>> = HashMap::new();
    for s in scripts {
        let d: PrescriptionDetails =
            crypto.decrypt_json(&s.details_enc, &aad("prescriptions", s.id))?;
        by_med
            .entry(s.medication_id)
            .or_default()
            .push(Prescription {
                id: s.id,
                medication_id: s.medication_id,
                prescriber_id: s.prescriber_id,
                prescriber_name: names.get(&s.prescriber_id).cloned(),
                quantity: d.quantity,
                repeats: d.repeats,
                instructions: d.instructions,
                status: if s.cancelled_at.is_some() {
                    PrescriptionStatus::Cancelled
                } else {
                    PrescriptionStatus::Issued
                },
                issued_at: s.issued_at,
                cancelled_at: s.cancelled_at,
            });
    }
    rows.into_iter()
        .map(|r| {
            let d: Details = crypto.decrypt_json(&r.details_enc, &aad("medications", r.id))?;
            let days = days_of(
                &r,
                doses.get(&r.id).map(Vec::as_slice).unwrap_or_default(),
                tz,
                from,
                today,
            );
            Ok(Medication {
                id: r.id,
                patient_id: r.patient_id,
                name: d.name,
                strength: d.strength,
                dose: d.dose,
                route: d.route,
                frequency: d.frequency,
                doses_per_day: r.doses_per_day.map(|n| n.clamp(0, 24) as u8),
                start_date: r.start_date,
                end_date: r.end_date,
                status: MedicationStatus::parse(&r.status).unwrap_or(MedicationStatus::Active),
                prescriber_id: r.prescriber_id,
                prescriber_name: r
                    .prescriber_id
                    .and_then(|p| names.get(&p).cloned())
                    .or(d.prescriber_name),
                reason: d.reason,
                instructions: d.instructions,
                prescriptions: by_med.remove(&r.id).unwrap_or_default(),
                adherence: summary(&days),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// Adds a medication to a patient's list.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: Uuid,
    input: &MedicationInput,
    by: Option<Uuid>,
) -> ApiResult<medication::Model> {
    let now = Utc::now();
    let med_id = Uuid::now_v7();
    Ok(medication::ActiveModel {
        id: Set(med_id),
        patient_id: Set(patient_id),
        status: Set(input.status.as_str().into()),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        doses_per_day: Set(input.doses_per_day.map(i32::from)),
        prescriber_id: Set(None),
        details_enc: Set(crypto.encrypt_json(&details_of(input), &aad("medications", med_id))?),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// A medication the caller may reach, with its patient's record opened.
async fn open_medication(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<medication::Model> {
    let row = medication::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record(
        state,
        principal,
        row.patient_id,
        RecordCategory::Medications,
    )
    .await?;
    Ok(row)
}

async fn one(state: &AppState, row: medication::Model) -> ApiResult<Medication> {
    to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// The patient's medications as `principal` may read them: what the API lists and what an export
/// holds both come from here.
pub(crate) async fn readable(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<medication::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(state, principal, patient_id, RecordCategory::Medications).await?;
    Ok(medication::Entity::find().filter(medication::Column::PatientId.eq(patient_id)))
}

/// The patient's medications: current ones first, with prescriptions and 30-day adherence.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), MedicationQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<Medication>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/medications")]
async fn list_medications(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<MedicationQuery>,
) -> ApiResult<web::Json<Vec<Medication>>> {
    let mut find = readable(&state, &auth, *id).await?;
    if !query.include_past.unwrap_or(false) {
        find = find.filter(medication::Column::Status.is_in(["active", "on_hold"]));
    }
    let rows = find
        .order_by_asc(medication::Column::Status)
        .order_by_desc(medication::Column::StartDate)
        .limit(500)
        .all(&state.db)
        .await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "medication.list")
                .patient(*id)
                .detail(format!("{} medications", items.len())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Add a medication to the patient's list.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = MedicationInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/medications")]
async fn create_medication(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<MedicationInput>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, *id, RecordCategory::Medications).await?;
    body.validate().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    let row = insert(&txn, &state.crypto, *id, &body, auth.user_id()).await?;
    let med_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "medication.create")
                .patient(*id)
                .resource("medication", med_id),
        )
        .await?;
    Ok(HttpResponse::Created().json(one(&state, row).await?))
}

/// Change a medication: its dose, schedule, dates or status (stop it, put it on hold).
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = MedicationInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/medications/{id}")]
async fn update_medication(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<MedicationInput>,
) -> ApiResult<web::Json<Medication>> {
    let row = open_medication(&state, &auth, *id).await?;
    body.validate().map_err(ApiError::Validation)?;
    let patient_id = row.patient_id;
    let mut active: medication::ActiveModel = row.into();
    active.status = Set(body.status.as_str().into());
    active.start_date = Set(body.start_date);
    active.end_date = Set(body.end_date);
    active.doses_per_day = Set(body.doses_per_day.map(i32::from));
    active.details_enc = Set(state
        .crypto
        .encrypt_json(&details_of(&body), &aad("medications", *id))?);
    active.updated_at = Set(Utc::now());
    let txn = state.db.begin().await?;
    let saved = active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "medication.update")
                .patient(patient_id)
                .resource("medication", *id)
                .detail(format!("status={}", body.status.as_str())),
        )
        .await?;
    Ok(web::Json(one(&state, saved).await?))
}

/// Write a prescription for a medication on the list (practitioners). The medication's
/// prescriber becomes the caller.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewPrescription,
    security(("bearer" = ["medications:prescribe"])),
    responses((status = 201, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/medications/{id}/prescriptions")]
async fn prescribe(
    auth: Authorized<require::Prescribe>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewPrescription>,
) -> ApiResult<HttpResponse> {
    let row = open_medication(&state, &auth, *id).await?;
    let prescriber = auth.require_user()?;
    body.validate().map_err(ApiError::Validation)?;
    if !matches!(row.status.as_str(), "active" | "on_hold") {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This medication is no longer taken; restart it before prescribing it.",
        ));
    }
    let script_id = Uuid::now_v7();
    let details = PrescriptionDetails {
        quantity: body.quantity.trim().to_owned(),
        repeats: body.repeats,
        instructions: trimmed(&body.instructions),
    };
    let txn = state.db.begin().await?;
    prescription::ActiveModel {
        id: Set(script_id),
        medication_id: Set(row.id),
        patient_id: Set(row.patient_id),
        prescriber_id: Set(prescriber),
        details_enc: Set(state
            .crypto
            .encrypt_json(&details, &aad("prescriptions", script_id))?),
        issued_at: Set(Utc::now()),
        cancelled_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let patient_id = row.patient_id;
    let mut active: medication::ActiveModel = row.into();
    active.prescriber_id = Set(Some(prescriber));
    active.updated_at = Set(Utc::now());
    let saved = active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "prescription.create")
                .patient(patient_id)
                .resource("prescription", script_id)
                .detail(format!("medication={id}")),
        )
        .await?;
    Ok(HttpResponse::Created().json(one(&state, saved).await?))
}

/// Cancel a prescription (practitioners); it stays on record as cancelled.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["medications:prescribe"])),
    responses((status = 200, body = Medication), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[post("/prescriptions/{id}/cancel")]
async fn cancel_prescription(
    auth: Authorized<require::Prescribe>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Medication>> {
    let script = prescription::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let med = open_medication(&state, &auth, script.medication_id).await?;
    if script.cancelled_at.is_some() {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This prescription is already cancelled.",
        ));
    }
    let mut active: prescription::ActiveModel = script.into();
    active.cancelled_at = Set(Some(Utc::now()));
    let txn = state.db.begin().await?;
    active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "prescription.cancel")
                .patient(med.patient_id)
                .resource("prescription", *id),
        )
        .await?;
    Ok(web::Json(one(&state, med).await?))
}

/// Record a dose taken or missed: the patient in the portal, or staff on their word.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewDose,
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 201, body = Dose), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/medications/{id}/doses")]
async fn record_dose(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewDose>,
) -> ApiResult<HttpResponse> {
    let med = open_medication(&state, &auth, *id).await?;
    body.validate().map_err(ApiError::Validation)?;
    let now = Utc::now();
    let at = body.at.unwrap_or(now);
    if at > now + Duration::minutes(5) || at < now - Duration::days(30) {
        return Err(ApiError::field(
            "at",
            "out_of_range",
            "Record a dose from the last 30 days, not one still to come.",
        ));
    }
    if med.status == "stopped" || med.status == "completed" {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This medication is no longer on the list of current medications.",
        ));
    }
    let dose_id = Uuid::now_v7();
    let by_patient = auth.own_patient_id() == Some(med.patient_id);
    let note = trimmed(&body.note);
    let txn = state.db.begin().await?;
    let row = medication_dose::ActiveModel {
        id: Set(dose_id),
        medication_id: Set(med.id),
        patient_id: Set(med.patient_id),
        taken: Set(body.taken),
        at: Set(at),
        note_enc: Set(note
            .as_deref()
            .map(|n| {
                state
                    .crypto
                    .encrypt_str(n, &aad("medication_doses", dose_id))
            })
            .transpose()?),
        by_patient: Set(by_patient),
        recorded_by: Set(auth.user_id()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "medication.dose")
                .patient(med.patient_id)
                .resource("medication", med.id)
                .detail(format!("taken={}", body.taken)),
        )
        .await?;
    Ok(HttpResponse::Created().json(Dose {
        id: row.id,
        medication_id: row.medication_id,
        taken: row.taken,
        at: row.at,
        note,
        by_patient,
    }))
}

/// Adherence over the last days: each day's doses taken, missed and expected, and the latest
/// doses with their notes.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), AdherenceQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Adherence), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[get("/medications/{id}/adherence")]
async fn adherence(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<AdherenceQuery>,
) -> ApiResult<web::Json<Adherence>> {
    let med = open_medication(&state, &auth, *id).await?;
    let days = query.days.unwrap_or(SUMMARY_DAYS);
    if !(7..=180).contains(&days) {
        return Err(ApiError::field(
            "days",
            "out_of_range",
            "Ask for 7 to 180 days.",
        ));
    }
    let practice = crate::scheduling::Practice::load(&state.db).await?;
    let tz = practice.tz;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let from = today - Duration::days(i64::from(days) - 1);
    let doses = medication_dose::Entity::find()
        .filter(medication_dose::Column::MedicationId.eq(med.id))
        .filter(medication_dose::Column::At.gte(start_of(from, tz)))
        .order_by_desc(medication_dose::Column::At)
        .all(&state.db)
        .await?;
    let per_day = days_of(&med, &doses, tz, from, today);
    let recent = doses
        .iter()
        .take(20)
        .map(|d| {
            Ok(Dose {
                id: d.id,
                medication_id: d.medication_id,
                taken: d.taken,
                at: d.at,
                note: d
                    .note_enc
                    .as_deref()
                    .map(|n| state.crypto.decrypt_str(n, &aad("medication_doses", d.id)))
                    .transpose()?,
                by_patient: d.by_patient,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "medication.adherence")
                .patient(med.patient_id)
                .resource("medication", med.id),
        )
        .await?;
    Ok(web::Json(Adherence {
        medication_id: med.id,
        summary: summary(&per_day),
        days: per_day,
        recent,
    }))
}
