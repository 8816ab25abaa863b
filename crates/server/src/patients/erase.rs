//! The patient domain's part of an erasure: contact details and other non-identifying
//! demographics go, the patient is marked erased (a final state) and leaves search, sharing and
//! break-the-glass end, and optional consents are recorded as withdrawn. The name, date of birth,
//! sex and Medicare number stay: they identify the health record the law keeps.

use api_types::patients::Address;
use chrono::Utc;
use entity::patients::{access_grant, break_glass_grant, consent_event};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::queries;
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::platform::PatientId;

/// Consents recorded as withdrawn by an erasure.
const WITHDRAWN: [&str; 5] = [
    "sms_contact",
    "email_contact",
    "ai_analysis",
    "research",
    "call_recording",
];

pub async fn erase_patient(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    by: Option<Uuid>,
    patient_id: PatientId,
) -> ApiResult<()> {
    let record = queries::get(db, crypto, patient_id).await?;
    queries::ensure_not_erased(&record)?;
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
    queries::update(db, crypto, &record, details).await?;
    // From here on the record is closed: no restore, change, invitation or new access.
    queries::mark_erased(db, patient_id.0).await?;
    let now = Utc::now();
    access_grant::Entity::update_many()
        .col_expr(access_grant::Column::RevokedAt, Expr::value(now))
        .filter(access_grant::Column::PatientId.eq(patient_id))
        .filter(access_grant::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    break_glass_grant::Entity::update_many()
        .col_expr(break_glass_grant::Column::ExpiresAt, Expr::value(now))
        .filter(break_glass_grant::Column::PatientId.eq(patient_id))
        .filter(break_glass_grant::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    for kind in WITHDRAWN {
        consent_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            patient_id: Set(patient_id.0),
            kind: Set(kind.into()),
            given: Set(false),
            source: Set("staff".into()),
            recorded_by: Set(by),
            recorded_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
