//! The patient domain's part of an erasure: contact details and other non-identifying
//! demographics go, the patient is marked erased (a final state) and leaves search, sharing and
//! break-the-glass end, and optional consents are recorded as withdrawn. The name, date of birth,
//! sex and Medicare number stay: they identify the health record the law keeps.

use api_types::audit::{AuditAction, AuditOutcome};
use api_types::patients::Address;
use api_types::ErrorCode;
use chrono::{DateTime, Utc};
use entity::patients::{access_grant, break_glass_grant, consent_event, patient};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::queries;
use crate::platform::crypto::Crypto;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};

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

/// The guard every change commits through (see [`crate::audit::CommitGuard`]): a change that adds
/// to or reopens a record is refused with `patient_erased` if the patient was erased after the
/// handler opened the record. On PostgreSQL it holds the patient's row shared until it commits,
/// so an erasure either waits for it or is seen by it; SQLite runs one writer at a time.
pub fn erasure_fence() -> crate::audit::CommitGuard {
    std::sync::Arc::new(|txn, entries| {
        Box::pin(async move {
            let mut ids: Vec<Uuid> = entries
                .iter()
                .filter(|e| e.outcome == AuditOutcome::Success && adds_to_record(e.action))
                .filter_map(|e| e.patient_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                return Ok(());
            }
            let mut query = patient::Entity::find()
                .select_only()
                .column(patient::Column::ErasedAt)
                .filter(patient::Column::Id.is_in(ids));
            if txn.get_database_backend() == DbBackend::Postgres {
                query = query.lock_shared();
            }
            let erased: Vec<Option<DateTime<Utc>>> = query.into_tuple().all(txn).await?;
            if erased.iter().any(Option::is_some) {
                return Err(ApiError::code(ErrorCode::PatientErased));
            }
            Ok(())
        })
    })
}

/// Whether an event's change adds to a record or opens it up again, which an erased record
/// refuses. What closes something (revoking, withdrawing, cancelling, leaving) or only reads
/// is not listed, nor is anything a patient's erasure itself does.
fn adds_to_record(action: AuditAction) -> bool {
    use AuditAction::*;
    matches!(
        action,
        PatientUpdate
            | PatientRestore
            | PatientInvite
            | PatientInviteApprove
            | ConsentUpdate
            | AccessGrantCreate
            | CareTeamAdd
            | ClinicalBreakGlass
            | ObservationCreate
            | TargetsUpdate
            | AlertAcknowledge
            | DeviceConnect
            | DeviceSync
            | AssessmentCreate
            | AssessmentReview
            | NoteCreate
            | NoteUpdate
            | NoteSign
            | NoteAmend
            | DocumentUpload
            | ImagingCreate
            | ImagingUpdate
            | MedicationCreate
            | MedicationUpdate
            | MedicationDose
            | PrescriptionCreate
            | TherapyCreate
            | TherapyUpdate
            | HomeworkAssign
            | HomeworkComplete
            | AppointmentCreate
            | AppointmentReschedule
            | AppointmentUpdate
            | AppointmentConfirm
            | CorrespondenceSend
            | ThreadCreate
            | ThreadReply
            | CallSetup
            | CallStart
    )
}
