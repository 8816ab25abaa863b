//! Medications as the API sends them: details and prescriptions decrypted, prescribers named,
//! and the last 30 days' adherence; and what is encrypted, under which associated data.

use std::collections::HashMap;

use api_types::medications::{
    Dose, Medication, MedicationInput, MedicationRoute, Prescription, PrescriptionStatus,
};
use chrono::Duration;
use entity::clinical::{medication, medication_dose};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::adherence::{days_of, summary, SUMMARY_DAYS};
use super::queries;
use crate::clinical::shared::trimmed;
use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

/// The encrypted part of a medication.
#[derive(Serialize, Deserialize)]
pub(super) struct Details {
    name: String,
    strength: Option<String>,
    dose: String,
    route: MedicationRoute,
    frequency: String,
    prescriber_name: Option<String>,
    reason: Option<String>,
    instructions: Option<String>,
}

/// The encrypted part of a prescription.
#[derive(Serialize, Deserialize)]
pub(super) struct PrescriptionDetails {
    pub(super) quantity: String,
    pub(super) repeats: u8,
    pub(super) instructions: Option<String>,
}

pub(super) fn aad(table: &str, id: Uuid) -> String {
    format!("{table}.details:{id}")
}

pub(super) fn details_of(input: &MedicationInput) -> Details {
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

pub(crate) async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<medication::Model>,
) -> ApiResult<Vec<Medication>> {
    let clock = crate::settings::clock(db).await?;
    let today = clock.today();
    let from = today - Duration::days(i64::from(SUMMARY_DAYS) - 1);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut doses: HashMap<Uuid, Vec<medication_dose::Model>> = HashMap::new();
    for d in queries::doses_of(db, ids.clone(), clock.day_start(from)).await? {
        doses.entry(d.medication_id).or_default().push(d);
    }
    let scripts = queries::prescriptions_of(db, ids).await?;
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
                clock,
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
                status: r.status,
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

/// A recorded dose, its note decrypted.
pub(super) fn dose_to_wire(crypto: &Crypto, d: &medication_dose::Model) -> ApiResult<Dose> {
    Ok(Dose {
        id: d.id,
        medication_id: d.medication_id,
        taken: d.taken,
        at: d.at,
        note: d
            .note_enc
            .as_deref()
            .map(|n| crypto.decrypt_str(n, &aad("medication_doses", d.id)))
            .transpose()?,
        by_patient: d.by_patient,
    })
}

pub(super) async fn one(state: &AppState, row: medication::Model) -> ApiResult<Medication> {
    to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)
}
