//! Keeping events in step with appointments: changed appointments queue a job each, and a job
//! makes the calendars match the appointment as it is now.

use api_types::audit::AuditAction;
use api_types::integrations::JobKind;
use chrono::{Duration, Utc};
use connectors::google::{event_id, EventBody, GoogleClient, GoogleError};
use entity::integrations::{calendar_connection, calendar_event_link};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::connection::{find_connection, with_token, ACTIVE, PAST_DAYS, RECONNECT};
use crate::audit::AuditEntry;
use crate::integrations::jobs::{self, Outcome};
use crate::platform::{ApiError, ApiResult, ClientInfo};
use crate::platform::{AppointmentId, UserId};
use crate::scheduling::Practice;
use crate::AppState;

/// An appointment that changed, as the calendar sync needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    pub appointment_id: AppointmentId,
    pub practitioner_id: UserId,
}

/// Queues appointments whose events may need to change, in the caller's transaction. Only
/// appointments of practitioners with a connection, or that have events already, are queued.
pub async fn appointments_changed(db: &impl ConnectionTrait, changed: &[Changed]) -> ApiResult<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let practitioners: Vec<Uuid> = changed.iter().map(|a| a.practitioner_id.0).collect();
    let ids: Vec<Uuid> = changed.iter().map(|a| a.appointment_id.0).collect();
    let connected = calendar_connection::Entity::find()
        .filter(calendar_connection::Column::UserId.is_in(practitioners))
        .count(db)
        .await?
        > 0;
    let linked = connected
        || calendar_event_link::Entity::find()
            .filter(calendar_event_link::Column::AppointmentId.is_in(ids.clone()))
            .count(db)
            .await?
            > 0;
    if !linked {
        return Ok(());
    }
    enqueue(db, &ids, "appointment_changed").await
}

pub(super) async fn enqueue(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    reason: &str,
) -> ApiResult<()> {
    jobs::enqueue(db, JobKind::GoogleCalendarEvent, ids, reason).await
}

/// Queues the practitioner's appointments from a week ago on, and every appointment that has an
/// event in their calendar (on connecting, and reconnecting).
pub(super) async fn queue_practitioner(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    let mut ids = crate::scheduling::practitioner_appointments_since(
        db,
        user_id,
        Utc::now() - Duration::days(PAST_DAYS),
    )
    .await?;
    if let Some(c) = find_connection(db, user_id).await? {
        let linked: Vec<Uuid> = calendar_event_link::Entity::find()
            .select_only()
            .column(calendar_event_link::Column::AppointmentId)
            .filter(calendar_event_link::Column::ConnectionId.eq(c.id))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(linked);
    }
    ids.sort_unstable();
    ids.dedup();
    enqueue(db, &ids, "connected").await
}

// ---------------------------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------------------------

/// Why an appointment's events could not be brought up to date.
pub(super) enum Failure {
    /// Try again later.
    Retry(String),
    /// Nothing more can be done until the practitioner reconnects.
    Stop,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Retry(e.to_string())
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Self {
        Failure::Retry(e.to_string())
    }
}

/// How long jobs wait while the practice has no Google OAuth client.
pub(super) const NOT_SET_UP_WAIT: Duration = Duration::minutes(5);

/// The job that brings one appointment's events up to date.
pub async fn run_event_job(state: &AppState, appointment_id: Uuid) -> Outcome {
    let client = match crate::integrations::google_client(state).await {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::Wait(NOT_SET_UP_WAIT, "Google Calendar is not set up.".into()),
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let practice = match Practice::load(&state.db).await {
        Ok(p) => p,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    match reconcile(state, &client, &practice, appointment_id).await {
        Ok(()) => Outcome::Done,
        Err(Failure::Retry(e)) => Outcome::Retry(e),
        Err(Failure::Stop) => Outcome::GiveUp(
            "Google no longer accepts Carebase's access to the practitioner's calendar; it syncs again once they connect it again."
                .into(),
        ),
    }
}

/// Notes the outcome on the connection, and what a failure means for the job: a revoked grant
/// asks the practitioner to reconnect.
pub(super) async fn note_outcome(
    state: &AppState,
    c: &calendar_connection::Model,
    error: Option<&GoogleError>,
) -> Result<Option<Failure>, sea_orm::DbErr> {
    let mut active: calendar_connection::ActiveModel = c.clone().into();
    active.updated_at = Set(Utc::now());
    let failure = match error {
        None => {
            active.last_sync_at = Set(Some(Utc::now()));
            active.last_error = Set(None);
            None
        }
        Some(GoogleError::Revoked(_)) => {
            active.status = Set(RECONNECT);
            active.last_error = Set(Some(
                "Google no longer accepts Carebase's access to this calendar. Connect it again."
                    .into(),
            ));
            Some(Failure::Stop)
        }
        Some(e) => {
            active.last_error = Set(Some(e.to_string()));
            Some(Failure::Retry(e.to_string()))
        }
    };
    active.update(&state.db).await?;
    Ok(failure)
}

/// Makes the calendars match one appointment: an event in its practitioner's connected
/// calendar while it holds time, none anywhere else.
pub(super) async fn reconcile(
    state: &AppState,
    client: &GoogleClient,
    practice: &Practice,
    appointment_id: Uuid,
) -> Result<(), Failure> {
    let Some(wire) =
        crate::scheduling::for_outside_calendar(&state.db, &state.crypto, practice, appointment_id)
            .await?
    else {
        return Ok(());
    };
    let links = calendar_event_link::Entity::find()
        .filter(calendar_event_link::Column::AppointmentId.eq(appointment_id))
        .all(&state.db)
        .await?;
    let wanted = match find_connection(&state.db, wire.practitioner_id).await? {
        Some(c) if c.status == ACTIVE && wire.status.holds_time() => Some(c),
        _ => None,
    };
    let mut stopped = false;
    // Events elsewhere (a cancelled appointment, or one moved to another practitioner).
    for link in links
        .iter()
        .filter(|l| Some(l.connection_id) != wanted.as_ref().map(|c| c.id))
    {
        let Some(mut c) = calendar_connection::Entity::find_by_id(link.connection_id)
            .one(&state.db)
            .await?
        else {
            continue;
        };
        if c.status != ACTIVE {
            stopped = true;
            continue;
        }
        let calendar = c.calendar_id.clone();
        let event = link.event_id.clone();
        let outcome = with_token(state, client, &mut c, |t| {
            let (calendar, event) = (calendar.clone(), event.clone());
            async move { client.delete_event(&t, &calendar, &event).await }
        })
        .await;
        if let Some(failure) = note_outcome(state, &c, outcome.as_ref().err()).await? {
            return Err(failure);
        }
        calendar_event_link::Entity::delete_by_id(link.id)
            .exec(&state.db)
            .await?;
    }
    let Some(mut c) = wanted else {
        return if stopped { Err(Failure::Stop) } else { Ok(()) };
    };
    let link = links.iter().find(|l| l.connection_id == c.id);
    let named = c.include_patient_names && !wire.patient_name.is_empty();
    let summary = if named {
        format!("{} – {}", wire.appointment_type_name, wire.patient_name)
    } else {
        wire.appointment_type_name.clone()
    };
    let body = EventBody {
        summary,
        description: format!(
            "{} appointment at {}. Details in Carebase: {}/calendar?appointment={}",
            wire.appointment_type_name,
            practice.name,
            state.settings.public_url.trim_end_matches('/'),
            wire.id
        ),
        location: Some(match wire.mode {
            api_types::scheduling::AppointmentMode::Telehealth => "Telehealth".to_owned(),
            _ => practice.name.clone(),
        }),
        start: wire.starts_at,
        end: wire.ends_at,
        time_zone: practice.clock.name().to_owned(),
        appointment_id: wire.id.to_string(),
    };
    let id = link.map_or_else(|| event_id(&wire.id.to_string()), |l| l.event_id.clone());
    let calendar = c.calendar_id.clone();
    let known = link.is_some();
    let outcome = with_token(state, client, &mut c, |t| {
        let (calendar, id, body) = (calendar.clone(), id.clone(), body.clone());
        async move { client.put_event(&t, &calendar, &id, &body, known).await }
    })
    .await;
    if let Some(failure) = note_outcome(state, &c, outcome.as_ref().err()).await? {
        return Err(failure);
    }
    let Ok(event) = outcome else {
        return Err(Failure::Retry("no event".into()));
    };
    let now = Utc::now();
    calendar_event_link::Entity::insert(calendar_event_link::ActiveModel {
        id: Set(link.map_or_else(Uuid::now_v7, |l| l.id)),
        appointment_id: Set(appointment_id),
        connection_id: Set(c.id),
        event_id: Set(event.id),
        etag: Set(Some(event.etag)),
        synced_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            calendar_event_link::Column::AppointmentId,
            calendar_event_link::Column::ConnectionId,
        ])
        .update_columns([
            calendar_event_link::Column::EventId,
            calendar_event_link::Column::Etag,
            calendar_event_link::Column::SyncedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    if named {
        // A patient's name left the practice for the practitioner's Google account.
        state
            .audit
            .record(
                AuditEntry::anonymous(
                    &ClientInfo::default(),
                    AuditAction::GoogleCalendarEventWrite,
                )
                .patient(wire.patient_id)
                .resource("appointment", appointment_id),
            )
            .await?;
    }
    if stopped {
        return Err(Failure::Stop);
    }
    Ok(())
}
