//! Database access for medications: the list, a medication added or changed, prescriptions
//! written and cancelled, and doses recorded.

use api_types::medications::MedicationInput;
use api_types::medications::MedicationStatus;
use api_types::sharing::RecordCategory;
use chrono::{DateTime, Utc};
use entity::clinical::{medication, medication_dose, prescription};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::wire::{aad, details_of, PrescriptionDetails};
use crate::auth::{require, Principal};
use crate::patients::open_record;
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::platform::PatientId;
use crate::AppState;

/// The patient's medications as `principal` may read them: what the API lists and what an export
/// holds both come from here.
pub(crate) async fn readable(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<medication::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(
        state,
        principal,
        PatientId(patient_id),
        RecordCategory::Medications,
    )
    .await?;
    Ok(medication::Entity::find().filter(medication::Column::PatientId.eq(patient_id)))
}

/// The medications of `find`: current ones only unless `include_past`, by status, then the
/// latest started first.
pub(super) async fn list(
    db: &impl ConnectionTrait,
    mut find: Select<medication::Entity>,
    include_past: bool,
) -> ApiResult<Vec<medication::Model>> {
    if !include_past {
        find = find.filter(
            medication::Column::Status.is_in([MedicationStatus::Active, MedicationStatus::OnHold]),
        );
    }
    Ok(find
        .order_by_asc(medication::Column::Status)
        .order_by_desc(medication::Column::StartDate)
        .limit(500)
        .all(db)
        .await?)
}

pub(super) async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<Option<medication::Model>> {
    Ok(medication::Entity::find_by_id(id).one(db).await?)
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
        status: Set(input.status),
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

/// Saves `input` over the medication `row`.
pub(super) async fn update(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    row: medication::Model,
    input: &MedicationInput,
) -> ApiResult<medication::Model> {
    let id = row.id;
    let mut active: medication::ActiveModel = row.into();
    active.status = Set(input.status);
    active.start_date = Set(input.start_date);
    active.end_date = Set(input.end_date);
    active.doses_per_day = Set(input.doses_per_day.map(i32::from));
    active.details_enc = Set(crypto.encrypt_json(&details_of(input), &aad("medications", id))?);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Makes `prescriber` the medication's prescriber.
pub(super) async fn set_prescriber(
    db: &impl ConnectionTrait,
    row: medication::Model,
    prescriber: Uuid,
) -> ApiResult<medication::Model> {
    let mut active: medication::ActiveModel = row.into();
    active.prescriber_id = Set(Some(prescriber));
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Records a prescription for the medication `med`, its details encrypted.
pub(super) async fn insert_prescription(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    script_id: Uuid,
    med: &medication::Model,
    prescriber: Uuid,
    details: &PrescriptionDetails,
) -> ApiResult<prescription::Model> {
    Ok(prescription::ActiveModel {
        id: Set(script_id),
        medication_id: Set(med.id),
        patient_id: Set(med.patient_id),
        prescriber_id: Set(prescriber),
        details_enc: Set(crypto.encrypt_json(details, &aad("prescriptions", script_id))?),
        issued_at: Set(Utc::now()),
        cancelled_at: Set(None),
    }
    .insert(db)
    .await?)
}

pub(super) async fn find_prescription(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<Option<prescription::Model>> {
    Ok(prescription::Entity::find_by_id(id).one(db).await?)
}

/// Marks a prescription cancelled; it stays on record.
pub(super) async fn cancel_prescription(
    db: &impl ConnectionTrait,
    script: prescription::Model,
) -> ApiResult<prescription::Model> {
    let mut active: prescription::ActiveModel = script.into();
    active.cancelled_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// The prescriptions of the medications `ids`, newest first.
pub(super) async fn prescriptions_of(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> ApiResult<Vec<prescription::Model>> {
    Ok(prescription::Entity::find()
        .filter(prescription::Column::MedicationId.is_in(ids))
        .order_by_desc(prescription::Column::IssuedAt)
        .all(db)
        .await?)
}

/// A dose to record for a medication.
pub(super) struct DoseRow<'a> {
    pub(super) id: Uuid,
    pub(super) taken: bool,
    pub(super) at: DateTime<Utc>,
    pub(super) note: Option<&'a str>,
    pub(super) by_patient: bool,
    pub(super) recorded_by: Option<Uuid>,
    pub(super) created_at: DateTime<Utc>,
}

/// Records a dose of the medication `med`, its note encrypted.
pub(super) async fn insert_dose(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    med: &medication::Model,
    dose: DoseRow<'_>,
) -> ApiResult<medication_dose::Model> {
    Ok(medication_dose::ActiveModel {
        id: Set(dose.id),
        medication_id: Set(med.id),
        patient_id: Set(med.patient_id),
        taken: Set(dose.taken),
        at: Set(dose.at),
        note_enc: Set(dose
            .note
            .map(|n| crypto.encrypt_str(n, &aad("medication_doses", dose.id)))
            .transpose()?),
        by_patient: Set(dose.by_patient),
        recorded_by: Set(dose.recorded_by),
        created_at: Set(dose.created_at),
    }
    .insert(db)
    .await?)
}

/// The doses of the medications `ids` recorded at or after `since`.
pub(super) async fn doses_of(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
    since: DateTime<Utc>,
) -> ApiResult<Vec<medication_dose::Model>> {
    Ok(medication_dose::Entity::find()
        .filter(medication_dose::Column::MedicationId.is_in(ids))
        .filter(medication_dose::Column::At.gte(since))
        .all(db)
        .await?)
}

/// The doses of one medication recorded at or after `since`, newest first.
pub(super) async fn doses_since(
    db: &impl ConnectionTrait,
    medication_id: Uuid,
    since: DateTime<Utc>,
) -> ApiResult<Vec<medication_dose::Model>> {
    Ok(medication_dose::Entity::find()
        .filter(medication_dose::Column::MedicationId.eq(medication_id))
        .filter(medication_dose::Column::At.gte(since))
        .order_by_desc(medication_dose::Column::At)
        .all(db)
        .await?)
}
