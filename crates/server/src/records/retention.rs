//! Retention: an erased patient's kept health record is destroyed once the law no longer
//! requires it, the day after its `retain_until` (set at erasure). Every replica looks once an
//! hour; `carebase retention run` looks at once. Each record goes in one transaction, every
//! domain destroying its own part (see [`Holder`]), with one audit event that says what kind of
//! record went and why, and nothing that identifies the person.

use std::time::Duration;

use api_types::audit::AuditAction;
use chrono::{NaiveDate, Utc};
use entity::records::data_request;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};

use super::Holder;
use crate::audit::AuditEntry;
use crate::platform::db::Destroyed;
use crate::platform::{ApiResult, PatientId};
use crate::AppState;

/// How often a replica looks for records past their retention.
const EVERY: Duration = Duration::from_secs(3600);

/// What one pass did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Retention {
    /// Erased patients given the retention date an earlier release did not record.
    pub dated: usize,
    /// Records destroyed.
    pub destroyed: usize,
    /// What went with them.
    pub gone: Destroyed,
    /// Records due that could not be destroyed this pass (each logged); the next pass tries
    /// them again.
    pub failed: usize,
}

/// The scheduled job: a pass now, then once an hour.
pub async fn run_retention(state: AppState) {
    loop {
        match destroy_past_retention(&state, Utc::now().date_naive()).await {
            Ok(done) if done.destroyed > 0 || done.dated > 0 || done.failed > 0 => tracing::info!(
                destroyed = done.destroyed,
                rows = done.gone.rows,
                files = done.gone.files,
                dated = done.dated,
                failed = done.failed,
                "records past their retention destroyed"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "the retention pass failed"),
        }
        tokio::time::sleep(EVERY).await;
    }
}

/// Destroys every erased patient's record whose retention ended before `today`. One record
/// that cannot be destroyed (or dated) is logged and counted, and the pass goes on to the rest:
/// its transaction rolled back whole, so the next pass finds it as it was.
pub async fn destroy_past_retention(state: &AppState, today: NaiveDate) -> ApiResult<Retention> {
    let mut done = Retention::default();
    for id in crate::patients::erased_without_retention(&state.db).await? {
        match date(state, id).await {
            Ok(()) => done.dated += 1,
            Err(e) => {
                tracing::warn!(patient = %id, error = ?e, "an erased record could not be given its retention date");
                done.failed += 1;
            }
        }
    }
    for id in crate::patients::past_retention(&state.db, today).await? {
        match destroy(state, id, today).await {
            Ok(Some(gone)) => {
                done.destroyed += 1;
                done.gone += gone;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(patient = %id, error = ?e, "a record past its retention could not be destroyed");
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

/// Records the retention date an earlier release did not.
async fn date(state: &AppState, id: PatientId) -> ApiResult<()> {
    let record = crate::patients::get(&state.db, &state.crypto, id).await?;
    let until = super::erasure::retain_until(&state.db, &record).await?;
    crate::patients::set_retain_until(&state.db, id, until).await
}

/// Destroys one record, unless another replica did first.
async fn destroy(
    state: &AppState,
    id: PatientId,
    today: NaiveDate,
) -> ApiResult<Option<Destroyed>> {
    let txn = state.db.begin().await?;
    if crate::patients::take_past_retention(&txn, id, today)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let mut gone = Destroyed::default();
    for holder in Holder::ALL.iter().rev() {
        gone += holder.destroy(&txn, id).await?;
    }
    // Neither the patient's id nor the retention date (for a child, their birthday) is kept.
    let entry = AuditEntry::system(AuditAction::PatientDestroy).detail(format!(
        "kind=patient_record reason=retention_period_ended rows={} files={}",
        gone.rows, gone.files
    ));
    state.audit.commit(txn, entry).await?;
    Ok(Some(gone))
}

/// The records domain's own part: the patient's requests about their data.
pub(super) async fn destroy_requests(
    db: &impl ConnectionTrait,
    patient_id: PatientId,
) -> ApiResult<u64> {
    Ok(crate::delete_patient_rows!(db, patient_id, [data_request]))
}
