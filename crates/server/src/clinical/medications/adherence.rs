//! Doses taken or missed, and adherence: counted per day in the practice's time zone against
//! the doses each day of the course expects (or, for "as needed" medications, those recorded).

use api_types::audit::AuditAction;
use std::collections::HashMap;

use crate::settings::Clock;
use actix_web::{get, post, web, HttpResponse};
use api_types::medications::MedicationStatus;
use api_types::medications::{
    adherence_rate, Adherence, AdherenceDay, AdherenceQuery, AdherenceSummary, Dose, NewDose,
};
use api_types::ErrorCode;
use chrono::{Duration, NaiveDate, Utc};
use entity::clinical::{medication, medication_dose};
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::handlers::open_medication;
use super::queries::{self, DoseRow};
use super::wire::dose_to_wire;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::clinical::shared::trimmed;
use crate::patients::Intent;
use crate::platform::http::{Body, Query};
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The summary on every medication covers this many days.
pub(super) const SUMMARY_DAYS: u32 = 30;

/// Record a dose taken or missed: the patient in the portal, or staff on their word.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewDose,
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 201, body = Dose), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/medications/{id}/doses")]
pub(super) async fn record_dose(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewDose>,
) -> ApiResult<HttpResponse> {
    let med = open_medication(&state, &auth, *id, Intent::Change).await?;
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
    if matches!(
        med.status,
        MedicationStatus::Stopped | MedicationStatus::Completed
    ) {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This medication is no longer on the list of current medications.",
        ));
    }
    let dose_id = Uuid::now_v7();
    let by_patient = auth.own_patient_id() == Some(med.patient_id);
    let note = trimmed(&body.note);
    let txn = state.db.begin().await?;
    let dose = DoseRow {
        id: dose_id,
        taken: body.taken,
        at,
        note: note.as_deref(),
        by_patient,
        recorded_by: auth.user_id(),
        created_at: now,
    };
    let row = queries::insert_dose(&txn, &state.crypto, &med, dose).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::MedicationDose)
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
pub(super) async fn adherence(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<AdherenceQuery>,
) -> ApiResult<web::Json<Adherence>> {
    let med = open_medication(&state, &auth, *id, Intent::Read).await?;
    let days = query.days.unwrap_or(SUMMARY_DAYS);
    if !(7..=180).contains(&days) {
        return Err(ApiError::field(
            "days",
            "out_of_range",
            "Ask for 7 to 180 days.",
        ));
    }
    let clock = crate::settings::clock(&state.db).await?;
    let today = clock.today();
    let from = today - Duration::days(i64::from(days) - 1);
    let doses = queries::doses_since(&state.db, med.id, clock.day_start(from)).await?;
    let per_day = days_of(&med, &doses, clock, from, today);
    let recent = doses
        .iter()
        .take(20)
        .map(|d| dose_to_wire(&state.crypto, d))
        .collect::<ApiResult<Vec<_>>>()?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::MedicationAdherence)
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

/// Day-by-day counts from `from` to `to` (inclusive), local to the practice.
pub(super) fn days_of(
    med: &medication::Model,
    doses: &[medication_dose::Model],
    clock: Clock,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<AdherenceDay> {
    let mut counts: HashMap<NaiveDate, (u32, u32)> = HashMap::new();
    for d in doses {
        let day = clock.local_date(d.at);
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

pub(super) fn summary(days: &[AdherenceDay]) -> AdherenceSummary {
    AdherenceSummary {
        days: days.len() as u32,
        taken: days.iter().map(|d| d.taken).sum(),
        missed: days.iter().map(|d| d.missed).sum(),
        rate: adherence_rate(days),
    }
}
