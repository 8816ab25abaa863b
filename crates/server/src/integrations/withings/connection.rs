//! A patient's Withings connection: completing consent, encrypted tokens refreshed before they
//! expire, and ending a connection (notifications revoked, the tokens deleted).

use api_types::audit::AuditAction;
use std::sync::Arc;

use actix_web::HttpRequest;
use api_types::health::{ConnectionStatus, DeviceConnection, OAuthCallback};
use api_types::integrations::ConnectionState;
use api_types::integrations::JobKind;
use api_types::ErrorCode;
use chrono::{Duration, Utc};
use connectors::withings::{Tokens, WithingsClient, APPLIS};
use entity::integrations::device_connection;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use super::sync::sync_error;
use crate::audit::AuditEntry;
use crate::integrations::jobs::{self, Outcome};
use crate::integrations::oauth;
use crate::platform::{ApiError, ApiResult};
use crate::platform::{PatientId, UserId};
use crate::AppState;

pub(super) const VENDOR: &str = "withings";
/// How far back the first sync reaches.
pub(super) const BACKFILL_DAYS: i64 = 90;
/// Minute-level heart rate is fetched for at most this long back.
pub(super) const INTRADAY_DAYS: i64 = 7;
/// Consent links work this long.
pub(super) const STATE_MINUTES: i64 = 15;

pub(super) async fn client(state: &AppState) -> ApiResult<Arc<WithingsClient>> {
    crate::integrations::withings_client(state).await?.ok_or_else(|| {
        ApiError::with_detail(
            ErrorCode::Conflict,
            "Withings is not set up for this practice. An administrator enters its credentials under Settings → Integrations.",
        )
    })
}

pub(super) fn aad(id: Uuid, column: &str) -> String {
    format!("device_connections.{column}:{id}")
}

/// The connection was ended (the patient's record was erased): nothing more is collected, and
/// a job revokes Withings' notifications and deletes the tokens.
pub(super) const ENDED: ConnectionState = ConnectionState::Ended;

/// Integrations' part of an erasure, in the erasing transaction: the patient's device
/// connections stop at once, and a job then revokes them at Withings and deletes their tokens.
/// Readings already recorded are part of the kept record.
pub async fn erase_patient(
    db: &impl sea_orm::ConnectionTrait,
    patient_id: PatientId,
) -> ApiResult<()> {
    let ids: Vec<Uuid> = device_connection::Entity::find()
        .select_only()
        .column(device_connection::Column::Id)
        .filter(device_connection::Column::PatientId.eq(patient_id))
        .into_tuple()
        .all(db)
        .await?;
    device_connection::Entity::update_many()
        .col_expr(
            device_connection::Column::Status,
            sea_orm::sea_query::Expr::value(ENDED),
        )
        .filter(device_connection::Column::Id.is_in(ids.clone()))
        .exec(db)
        .await?;
    jobs::enqueue(db, JobKind::WithingsRemove, &ids, "record_erased").await
}

/// Retention: at the end of an erased patient's retention their device connections go (ended,
/// and revoked at Withings, at erasure). Returns how many.
pub async fn destroy_patient(
    db: &impl sea_orm::ConnectionTrait,
    patient_id: PatientId,
) -> ApiResult<u64> {
    Ok(crate::delete_patient_rows!(
        db,
        patient_id,
        [device_connection]
    ))
}

/// The patient's connected devices, for their copy of the record: which service, since when,
/// and the last sync (never the tokens).
pub async fn export_patient(
    state: &AppState,
    patient_id: PatientId,
    archive: &mut crate::platform::export::Archive,
) -> ApiResult<()> {
    let connections: Vec<DeviceConnection> = device_connection::Entity::find()
        .filter(device_connection::Column::PatientId.eq(patient_id))
        .filter(device_connection::Column::Status.ne(ENDED))
        .all(&state.db)
        .await?
        .iter()
        .map(to_wire)
        .collect();
    archive.section("device_connections", connections)
}

pub(super) fn to_wire(c: &device_connection::Model) -> DeviceConnection {
    DeviceConnection {
        vendor: c.vendor.clone(),
        status: if c.status == ConnectionState::Active {
            ConnectionStatus::Active
        } else {
            ConnectionStatus::Error
        },
        connected_at: c.created_at,
        last_sync_at: c.last_sync_at,
        last_error: c.last_error.clone(),
    }
}

/// Ends a connection at Withings, best effort: its notifications are revoked while the token
/// still works. The caller then deletes the connection with its tokens, whatever Withings says.
pub(super) async fn revoke(state: &AppState, mut c: device_connection::Model) {
    if let Some(client) = crate::integrations::withings_client(state)
        .await
        .ok()
        .flatten()
    {
        if let Ok(token) = access_token(state, &client, &mut c, false).await {
            let url = notify_url(state, &c.notify_token);
            for appli in APPLIS {
                let _ = client.revoke_subscription(&token, &url, appli).await;
            }
        }
    }
}

pub(super) async fn delete(db: &impl sea_orm::ConnectionTrait, id: Uuid) -> ApiResult<()> {
    device_connection::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The job that removes an ended connection.
pub async fn run_remove_job(state: &AppState, connection_id: Uuid) -> Outcome {
    let found = device_connection::Entity::find_by_id(connection_id)
        .one(&state.db)
        .await;
    match found {
        Ok(Some(c)) if c.status == ENDED => {
            let id = c.id;
            revoke(state, c).await;
            match delete(&state.db, id).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

pub(super) async fn find_connection(
    state: &AppState,
    patient_id: Uuid,
) -> ApiResult<Option<device_connection::Model>> {
    Ok(device_connection::Entity::find()
        .filter(device_connection::Column::PatientId.eq(patient_id))
        .filter(device_connection::Column::Vendor.eq(VENDOR))
        .filter(device_connection::Column::Status.ne(ENDED))
        .one(&state.db)
        .await?)
}

/// The Withings connection a notification is for: its secret address token and Withings' user
/// id both match.
pub(super) async fn by_notify_token(
    db: &impl sea_orm::ConnectionTrait,
    token: &str,
    external_user_id: String,
) -> ApiResult<Option<device_connection::Model>> {
    Ok(device_connection::Entity::find()
        .filter(device_connection::Column::Vendor.eq(VENDOR))
        .filter(device_connection::Column::NotifyToken.eq(token))
        .filter(device_connection::Column::ExternalUserId.eq(external_user_id))
        .one(db)
        .await?)
}

pub(super) fn notify_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/api/v1/integrations/withings/notify/{token}",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// Stores tokens (new or refreshed), encrypted.
pub(super) async fn save_tokens(
    state: &AppState,
    c: &device_connection::Model,
    t: &Tokens,
) -> ApiResult<device_connection::Model> {
    let mut active: device_connection::ActiveModel = c.clone().into();
    active.access_token_enc = Set(state
        .crypto
        .encrypt_str(&t.access_token, &aad(c.id, "access_token"))?);
    active.refresh_token_enc = Set(state
        .crypto
        .encrypt_str(&t.refresh_token, &aad(c.id, "refresh_token"))?);
    active.expires_at = Set(t.expires_at);
    active.scope = Set(t.scope.clone());
    active.updated_at = Set(Utc::now());
    Ok(active.update(&state.db).await?)
}

/// A valid access token, refreshed first when it expires within five minutes (or `force`).
pub(super) async fn access_token(
    state: &AppState,
    client: &WithingsClient,
    c: &mut device_connection::Model,
    force: bool,
) -> ApiResult<String> {
    if !force && c.expires_at > Utc::now() + Duration::minutes(5) {
        return Ok(state
            .crypto
            .decrypt_str(&c.access_token_enc, &aad(c.id, "access_token"))?);
    }
    let refresh = state
        .crypto
        .decrypt_str(&c.refresh_token_enc, &aad(c.id, "refresh_token"))?;
    let tokens = client.refresh(&refresh).await.map_err(sync_error)?;
    *c = save_tokens(state, c, &tokens).await?;
    Ok(tokens.access_token)
}

pub(super) async fn complete_connection(
    state: &AppState,
    req: &HttpRequest,
    client_info: &crate::platform::ClientInfo,
    q: &OAuthCallback,
) -> ApiResult<(Uuid, bool)> {
    let invalid = || {
        ApiError::with_detail(
            ErrorCode::InvalidToken,
            "The connection link is invalid or has expired.",
        )
    };
    let value = q.state.as_deref().ok_or_else(invalid)?;
    let (patient_id, user_id) = verify_state(state, req, value).await?.ok_or_else(invalid)?;
    // Nothing connects to an erased patient's record, nor for an account deactivated since.
    crate::patients::get_for_change(&state.db, &state.crypto, PatientId(patient_id)).await?;
    let requester = crate::users::find(&state.db, &state.crypto, UserId(user_id))
        .await?
        .filter(|u| u.is_active())
        .ok_or_else(invalid)?;
    let code = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid)?;
    let client = client(state).await?;
    let tokens = client.exchange_code(code).await.map_err(sync_error)?;
    let now = Utc::now();
    let existing = find_connection(state, patient_id).await?;
    let id = existing.as_ref().map_or_else(Uuid::now_v7, |c| c.id);
    let notify_token = existing.as_ref().map_or_else(
        || crate::platform::crypto::random_token(24),
        |c| c.notify_token.clone(),
    );
    let txn = state.db.begin().await?;
    // Again as it is written: the record may have been erased, or the account deactivated,
    // while Withings was answering.
    crate::patients::get_for_change(&txn, &state.crypto, PatientId(patient_id)).await?;
    crate::users::find(&txn, &state.crypto, UserId(user_id))
        .await?
        .filter(|u| u.is_active())
        .ok_or_else(invalid)?;
    if let Some(c) = &existing {
        device_connection::Entity::delete_by_id(c.id)
            .exec(&txn)
            .await?;
    }
    let model = device_connection::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        vendor: Set(VENDOR.into()),
        external_user_id: Set(tokens.user_id.clone()),
        access_token_enc: Set(state
            .crypto
            .encrypt_str(&tokens.access_token, &aad(id, "access_token"))?),
        refresh_token_enc: Set(state
            .crypto
            .encrypt_str(&tokens.refresh_token, &aad(id, "refresh_token"))?),
        expires_at: Set(tokens.expires_at),
        scope: Set(tokens.scope.clone()),
        notify_token: Set(notify_token.clone()),
        status: Set(ConnectionState::Active),
        last_sync_at: Set(None),
        last_error: Set(None),
        synced_until: Set(None),
        connected_by: Set(Some(user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::anonymous(client_info, AuditAction::DeviceConnect)
                .actor(user_id, requester.role)
                .patient(patient_id)
                .resource("device", VENDOR),
        )
        .await?;
    let url = notify_url(state, &notify_token);
    for appli in APPLIS {
        if let Err(e) = client.subscribe(&tokens.access_token, &url, appli).await {
            // Withings refuses callbacks it cannot reach (plain HTTP, localhost); syncing on
            // request and on each visit still works.
            tracing::info!(error = %e, appli, "withings notifications not subscribed");
        }
    }
    let by_patient = requester.role == api_types::Role::Patient;
    jobs::enqueue(&state.db, JobKind::WithingsSync, &[model.id], "connected").await?;
    Ok((patient_id, by_patient))
}

/// The OAuth `state`: who asked, for which patient, until when, signed so that nobody can forge
/// a callback for another patient, and bound to the browser by a cookie.
pub(super) fn sign_state(
    state: &AppState,
    patient_id: Uuid,
    user_id: Uuid,
) -> (String, actix_web::cookie::Cookie<'static>) {
    oauth::start(
        state,
        VENDOR,
        &[&patient_id.to_string(), &user_id.to_string()],
        STATE_MINUTES,
    )
}

pub(super) async fn verify_state(
    state: &AppState,
    req: &HttpRequest,
    value: &str,
) -> ApiResult<Option<(Uuid, Uuid)>> {
    let Some(fields) = oauth::finish(state, req, VENDOR, value, 2).await? else {
        return Ok(None);
    };
    Ok(Uuid::parse_str(&fields[0])
        .ok()
        .zip(Uuid::parse_str(&fields[1]).ok()))
}
