//! Keeping a recorded call: the job fetches the recording from Twilio, transcribes it when a
//! speech-to-text service is set up, files it encrypted in the patient's documents with the
//! transcript on the call's entry, and then deletes Twilio's copy. Each step is done once: a
//! job run again after a failure goes on from where it stopped.

use api_types::audit::AuditAction;
use api_types::comms::{RecordingState, TranscriptState};
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries;
use crate::audit::AuditEntry;
use crate::integrations::JobOutcome;
use crate::platform::client::ClientInfo;
use crate::platform::{ApiResult, PatientId};
use crate::{clinical, integrations, patients, settings, AppState};

/// Runs the job for the call `entry`.
pub async fn keep_call(state: &AppState, entry: Uuid) -> JobOutcome {
    match keep(state, entry).await {
        Ok(outcome) => outcome,
        Err(e) => JobOutcome::Retry(e.to_string()),
    }
}

async fn keep(state: &AppState, id: Uuid) -> ApiResult<JobOutcome> {
    let Some(entry) = queries::find(&state.db, id).await? else {
        return Ok(JobOutcome::Done);
    };
    let Some(sid) = entry.recording_sid.clone() else {
        return Ok(JobOutcome::Done);
    };
    let Some(twilio) = integrations::twilio_client(state).await? else {
        return Ok(JobOutcome::Wait(
            chrono::Duration::minutes(10),
            "Twilio is not set up".into(),
        ));
    };
    if entry.recording_state == Some(RecordingState::Pending) {
        let patient = match entry.patient_id {
            Some(p) => patients::find(&state.db, &state.crypto, PatientId(p)).await?,
            None => None,
        };
        // Nobody to file it for (the patient's data was erased): Twilio's copy only goes.
        let Some(patient) = patient.filter(|p| patients::ensure_not_erased(p).is_ok()) else {
            queries::recording_lost(&state.db, id).await?;
            return delete_at_twilio(state, &twilio, id, &sid).await;
        };
        let audio = match twilio.recording_audio(&sid).await {
            Ok(audio) => audio,
            Err(e) if e.is_transient() => return Ok(JobOutcome::Retry(e.to_string())),
            Err(e) => {
                queries::recording_lost(&state.db, id).await?;
                super::changed(state).await;
                return Ok(JobOutcome::GiveUp(e.to_string()));
            }
        };
        let transcript = match integrations::transcription_client(state).await? {
            None => Err(TranscriptState::Unavailable),
            Some(client) => match client
                .transcribe(audio.clone(), "call.mp3", "audio/mpeg")
                .await
            {
                Ok(text) => Ok(text),
                Err(e) if e.is_transient() => return Ok(JobOutcome::Retry(e.to_string())),
                Err(e) => {
                    tracing::warn!(error = %e, "a call could not be transcribed");
                    Err(TranscriptState::Failed)
                }
            },
        };
        let clock = settings::clock(&state.db).await?;
        let day = entry
            .created_at
            .with_timezone(&clock.zone())
            .format("%-d %B %Y, %H:%M");
        let txn = state.db.begin().await?;
        let document = clinical::file_call_recording(
            &txn,
            &state.crypto,
            PatientId(patient.model.id),
            entry.staff_id,
            &format!("Recording of a call with the practice on {day}"),
            &audio,
        )
        .await?;
        queries::recording_kept(
            &txn,
            &state.crypto,
            id,
            document,
            transcript.as_deref().map_err(|s| *s),
        )
        .await?;
        state
            .audit
            .commit(
                txn,
                AuditEntry::anonymous(&ClientInfo::default(), AuditAction::CallRecordingStore)
                    .patient(patient.model.id)
                    .resource("correspondence", id)
                    .detail(format!(
                        "document={document} transcript={}",
                        transcript.is_ok()
                    )),
            )
            .await?;
        super::changed(state).await;
    }
    delete_at_twilio(state, &twilio, id, &sid).await
}

/// Deletes Twilio's copy; a failure is tried again (the practice's copy is already kept).
async fn delete_at_twilio(
    state: &AppState,
    twilio: &connectors::twilio::TwilioClient,
    id: Uuid,
    sid: &str,
) -> ApiResult<JobOutcome> {
    match twilio.delete_recording(sid).await {
        Ok(()) => {
            queries::twilio_copy_deleted(&state.db, id).await?;
            Ok(JobOutcome::Done)
        }
        Err(e) if e.is_transient() => Ok(JobOutcome::Retry(e.to_string())),
        Err(e) => Ok(JobOutcome::GiveUp(e.to_string())),
    }
}
