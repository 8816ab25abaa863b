//! Fetching a connection's new readings into the health record, on request, as a queued job,
//! and every few hours for every connection.

use api_types::audit::{AuditAction, AuditOutcome};
use api_types::health::{DeviceInfo, ObservationInput, SyncSummary};
use api_types::integrations::ConnectionState;
use api_types::integrations::JobKind;
use api_types::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use connectors::withings::{WithingsClient, WithingsError};
use entity::integrations::device_connection;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use super::connection::{access_token, client, BACKFILL_DAYS, ENDED, INTRADAY_DAYS, VENDOR};
use crate::audit::AuditEntry;
use crate::comms::Notify;
use crate::health::ranges_for_record as ranges_for;
use crate::integrations::jobs::{self, Outcome};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub(super) fn sync_error(e: WithingsError) -> ApiError {
    ApiError::with_detail(ErrorCode::ServiceUnavailable, format!("Withings: {e}"))
}

/// Every reading since the last sync (or the backfill window).
pub(super) async fn fetch(
    client: &WithingsClient,
    token: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<connectors::withings::Reading>, WithingsError> {
    let mut readings = client.measures(token, since).await?;
    readings.extend(client.activity(token, since).await?);
    readings.extend(client.sleep_summaries(token, since).await?);
    let intraday_from = since.max(now - Duration::days(INTRADAY_DAYS));
    readings.extend(
        client
            .intraday_heart_rate(token, intraday_from, now)
            .await?,
    );
    Ok(readings)
}

/// Syncs one connection: refreshes the token when due (and once more if Withings refuses it),
/// fetches what is new, records it as device readings, and notes the outcome. `entry` says who
/// or what asked for the sync; it is recorded with the readings, or with the failure.
pub async fn sync(
    state: &AppState,
    mut c: device_connection::Model,
    entry: AuditEntry,
) -> ApiResult<SyncSummary> {
    let entry = entry.patient(c.patient_id).resource("device", VENDOR);
    let client = client(state).await?;
    let now = Utc::now();
    let since = c
        .synced_until
        .unwrap_or(now - Duration::days(BACKFILL_DAYS))
        - Duration::hours(1);
    let outcome = async {
        let token = access_token(state, &client, &mut c, false).await?;
        match fetch(&client, &token, since, now).await {
            Err(WithingsError::AuthExpired(_)) => {
                let token = access_token(state, &client, &mut c, true).await?;
                fetch(&client, &token, since, now).await.map_err(sync_error)
            }
            other => other.map_err(sync_error),
        }
    }
    .await;
    let readings = match outcome {
        Ok(r) => r,
        Err(e) => {
            // What the person sees beside the connection: Withings' reason, never internals.
            let reason = match &e {
                ApiError::Coded {
                    detail: Some(d), ..
                } => d.clone(),
                _ => "The sync failed; it will be retried.".to_owned(),
            };
            let mut active: device_connection::ActiveModel = c.clone().into();
            active.status = Set(ConnectionState::Error);
            active.last_error = Set(Some(reason));
            active.updated_at = Set(Utc::now());
            let txn = state.db.begin().await?;
            active.update(&txn).await?;
            state
                .audit
                .commit(txn, entry.outcome(AuditOutcome::Failure))
                .await?;
            return Err(e);
        }
    };
    let fetched = readings.len() as u64;
    let prefix = entry
        .detail
        .as_deref()
        .map(|d| format!("{d} "))
        .unwrap_or_default();
    let inputs: Vec<ObservationInput> = readings
        .into_iter()
        .map(|r| ObservationInput {
            metric: r.metric.to_owned(),
            value: r.value,
            effective_at: r.at,
            device: Some(DeviceInfo {
                vendor: VENDOR.to_owned(),
                device_id: r.device_id,
                model: r.model,
            }),
        })
        .collect();
    let recorded_by = c.connected_by.unwrap_or(c.patient_id);
    let checked = crate::health::check_readings(inputs, recorded_by, Utc::now());
    let record = crate::patients::get(&state.db, &state.crypto, PatientId(c.patient_id)).await?;
    let (_, ranges) = ranges_for(state, &record).await?;
    let notify = Notify {
        crypto: &state.crypto,
        public_url: &state.settings.public_url,
    };
    let txn = state.db.begin().await?;
    let stored =
        crate::health::store_readings(&txn, &notify, c.patient_id, recorded_by, checked, &ranges)
            .await?;
    let mut active: device_connection::ActiveModel = c.clone().into();
    active.status = Set(ConnectionState::Active);
    active.last_error = Set(None);
    active.last_sync_at = Set(Some(Utc::now()));
    active.synced_until = Set(Some(now));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let s = stored.summary;
    state
        .audit
        .commit(
            txn,
            entry.detail(format!(
                "{prefix}fetched={fetched} accepted={} critical={}",
                s.accepted, s.critical
            )),
        )
        .await?;
    Ok(SyncSummary {
        fetched,
        accepted: s.accepted,
        duplicates: s.duplicates,
        rejected: s.rejected.len() as u64,
        critical: s.critical,
    })
}

/// How long jobs wait while the practice has no Withings credentials.
pub(super) const NOT_SET_UP_WAIT: Duration = Duration::minutes(5);
/// Every connection is synced at least this often, whether or not Withings notifies us.
pub(super) const SYNC_EVERY: Duration = Duration::hours(6);

/// The job that syncs one connection, audited as the system's, naming what asked for it.
pub async fn run_sync_job(state: &AppState, connection_id: Uuid, reason: Option<&str>) -> Outcome {
    match crate::integrations::withings_client(state).await {
        Ok(Some(_)) => {}
        Ok(None) => return Outcome::Wait(NOT_SET_UP_WAIT, "Withings is not set up.".into()),
        Err(e) => return Outcome::Retry(e.to_string()),
    }
    let c = match device_connection::Entity::find_by_id(connection_id)
        .one(&state.db)
        .await
    {
        Ok(Some(c)) if c.status != ENDED => c,
        Ok(_) => return Outcome::Done,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let entry = AuditEntry::anonymous(
        &crate::platform::ClientInfo::default(),
        AuditAction::DeviceSync,
    )
    .detail(format!("trigger={}", reason.unwrap_or("queue")));
    match sync(state, c, entry).await {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// Queues a sync for every connection not synced for a while.
pub async fn schedule_syncs(state: &AppState, now: DateTime<Utc>) -> ApiResult<()> {
    let due: Vec<Uuid> = device_connection::Entity::find()
        .select_only()
        .column(device_connection::Column::Id)
        .filter(device_connection::Column::Vendor.eq(VENDOR))
        .filter(device_connection::Column::Status.ne(ENDED))
        .filter(
            sea_orm::Condition::any()
                .add(device_connection::Column::LastSyncAt.is_null())
                .add(device_connection::Column::LastSyncAt.lt(now - SYNC_EVERY)),
        )
        .into_tuple()
        .all(&state.db)
        .await?;
    jobs::ensure_queued(&state.db, JobKind::WithingsSync, &due, "periodic").await
}
