//! Twilio's calls to the practice about a call a member of staff placed: what to do when they
//! answer (connect the patient, recording only with consent), the announcement the patient hears
//! before a recorded call connects, how the patient's leg ended, the whole call's end, and the
//! recording. Each is checked against `X-Twilio-Signature` like the SMS webhooks, logged, and
//! bound to its call: the entry in the address must be a call Twilio placed under the `CallSid`
//! it names.

use std::time::Instant;

use actix_web::{post, web, HttpRequest, HttpResponse};
use api_types::comms::{CorrespondenceStatus, RecordingState};
use api_types::sharing::ConsentKind;
use api_types::validation::e164;
use connectors::twilio::twiml::{Dial, Response};
use entity::comms::correspondence;
use uuid::Uuid;

use super::log::{logged, Logged};
use super::twilio::{param, refused, verify, Params, PROVIDER};
use crate::comms::calls::{self, queries, RING_SECONDS};
use crate::platform::{ApiResult, PatientId};
use crate::{integrations, patients, settings, AppState};

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(body)
}

/// What a call that cannot go on is told.
fn hang_up() -> String {
    Response::new()
        .say("This call can no longer be connected. Goodbye.")
        .hangup()
        .build()
}

/// Checks the signature, runs `act` with the parameters, logs the call and answers with the
/// TwiML `act` returns.
async fn take<F, Fut>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    body: &[u8],
    endpoint: &'static str,
    act: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(web::Data<AppState>, Params) -> Fut,
    Fut: std::future::Future<Output = ApiResult<(&'static str, String)>>,
{
    let started = Instant::now();
    let params = match verify(state, req, body).await {
        Ok(p) => p,
        Err(reason) => {
            let call = Logged {
                provider: PROVIDER,
                endpoint,
                refusal: Some(reason),
                outcome: "refused",
                reference: None,
                started,
            };
            logged(state, call).await;
            return Err(refused(reason));
        }
    };
    let reference = param(&params, "CallSid").map(str::to_owned);
    let outcome = act(state.clone(), params).await;
    let call = Logged {
        provider: PROVIDER,
        endpoint,
        refusal: None,
        outcome: outcome.as_ref().map_or("error", |(o, _)| o),
        reference: reference.as_deref(),
        started,
    };
    logged(state, call).await;
    outcome.map(|(_, twiml)| xml(twiml))
}

/// The call entry `id`, if Twilio placed it under `CallSid`.
async fn call_of(
    state: &AppState,
    id: Uuid,
    params: &Params,
) -> ApiResult<Option<correspondence::Model>> {
    let entry = queries::find(&state.db, id).await?;
    Ok(entry.filter(|e| {
        e.provider_ref.is_some() && e.provider_ref.as_deref() == param(params, "CallSid")
    }))
}

/// The member of staff answered: connect the patient, from the practice's number, recording
/// only if the call was placed to be recorded and the patient still agrees.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path, description = "The call's correspondence entry")),
    request_body(content = super::forms::TwilioCall, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, description = "Not signed by the practice's Twilio account", body = api_types::Problem),
    )
)]
#[post("/webhooks/twilio/calls/{id}/connect")]
pub async fn twilio_call_connect(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = *id;
    take(
        &state,
        &req,
        &body,
        "call_connect",
        |state, params| async move {
            let Some(entry) = call_of(&state, id, &params).await? else {
                return Ok(("unknown", hang_up()));
            };
            if entry.status != CorrespondenceStatus::Queued {
                return Ok(("ended", hang_up()));
            }
            let patient = match entry.patient_id {
                Some(p) => patients::find(&state.db, &state.crypto, PatientId(p)).await?,
                None => None,
            };
            let Some(patient) = patient.filter(|p| patients::ensure_not_erased(p).is_ok()) else {
                queries::failed(&state.db, id, "The patient's data was erased.").await?;
                calls::changed(&state).await;
                return Ok(("erased", hang_up()));
            };
            let (Some(number), Some(twilio)) = (
                patient.phone().and_then(e164),
                integrations::twilio_client(&state).await?,
            ) else {
                queries::failed(&state.db, id, "The patient has no phone number on file.").await?;
                calls::changed(&state).await;
                return Ok(("no_number", hang_up()));
            };
            let Some(caller_id) = twilio.number().map(str::to_owned) else {
                return Ok(("no_number", hang_up()));
            };
            let record = entry.recording_state == Some(RecordingState::Pending)
                && patients::consent_given(
                    &state.db,
                    PatientId(patient.model.id),
                    ConsentKind::CallRecording,
                )
                .await?;
            queries::connecting(&state.db, id, record).await?;
            calls::changed(&state).await;
            let urls = calls::urls(&state, id);
            let twiml = Response::new()
                .say(if record {
                    "Connecting you to the patient. This call is recorded."
                } else {
                    "Connecting you to the patient."
                })
                .dial(&Dial {
                    caller_id: &caller_id,
                    number: &number,
                    action: &urls.dialed,
                    ring_seconds: RING_SECONDS,
                    whisper_url: record.then_some(urls.announce.as_str()),
                    recording_callback: record.then_some(urls.recording.as_str()),
                })
                .build();
            Ok(("connecting", twiml))
        },
    )
    .await
}

/// What the patient hears when they answer a recorded call, before they are connected.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path, description = "The call's correspondence entry")),
    request_body(content = super::forms::TwilioCall, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, description = "Not signed by the practice's Twilio account", body = api_types::Problem),
    )
)]
#[post("/webhooks/twilio/calls/{id}/announce")]
pub async fn twilio_call_announce(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = *id;
    take(&state, &req, &body, "call_announce", |state, _params| async move {
        // The patient's leg has its own CallSid: the entry is found by its address alone.
        if queries::find(&state.db, id).await?.is_none() {
            return Ok(("unknown", Response::new().hangup().build()));
        }
        let practice = settings::load(&state.db).await?.practice_name;
        let words = format!(
            "This is a call from {practice}. So that we keep an accurate record, this call is recorded, as you agreed. You can ask us to stop recording at any time."
        );
        Ok(("announced", Response::new().say(&words).build()))
    })
    .await
}

/// How the patient's leg ended: answered (with how long it lasted), or why not.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path, description = "The call's correspondence entry")),
    request_body(content = super::forms::TwilioDialStatus, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, description = "Not signed by the practice's Twilio account", body = api_types::Problem),
    )
)]
#[post("/webhooks/twilio/calls/{id}/dialed")]
pub async fn twilio_call_dialed(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = *id;
    take(
        &state,
        &req,
        &body,
        "call_dialed",
        |state, params| async move {
            let done = Response::new().hangup().build();
            if call_of(&state, id, &params).await?.is_none() {
                return Ok(("unknown", done));
            }
            let outcome = match param(&params, "DialCallStatus").unwrap_or("") {
                "completed" | "answered" => {
                    let seconds = param(&params, "DialCallDuration").and_then(|d| d.parse().ok());
                    queries::answered(&state.db, id, seconds).await?;
                    "answered"
                }
                status => {
                    queries::failed(&state.db, id, dial_failure(status)).await?;
                    "not_answered"
                }
            };
            calls::changed(&state).await;
            Ok((outcome, done))
        },
    )
    .await
}

/// Why the patient was not reached, from Twilio's `DialCallStatus`.
fn dial_failure(status: &str) -> &'static str {
    match status {
        "busy" => "The patient's line was busy.",
        "no-answer" => "The patient did not answer.",
        "canceled" => "The call ended before the patient answered.",
        _ => "The call to the patient could not be connected.",
    }
}

/// The whole call has ended: if the member of staff never answered, the patient was not called.
#[utoipa::path(
    tag = "correspondence",
    request_body(content = super::forms::TwilioCallStatus, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Recorded (or not a call of this practice)", content_type = "text/xml", body = String),
        (status = 403, description = "Not signed by the practice's Twilio account", body = api_types::Problem),
    )
)]
#[post("/webhooks/twilio/call-status")]
pub async fn twilio_call_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    take(
        &state,
        &req,
        &body,
        "call_status",
        |state, params| async move {
            let empty = Response::new().build();
            let Some(sid) = param(&params, "CallSid") else {
                return Ok(("ignored", empty));
            };
            let Some(entry) = crate::comms::correspondence::by_provider_ref(&state.db, sid).await?
            else {
                return Ok(("unknown", empty));
            };
            let status = param(&params, "CallStatus").unwrap_or("");
            let error = match (entry.status, status) {
                (CorrespondenceStatus::Queued, "busy") => {
                    "Your phone was busy, so the patient was not called."
                }
                (CorrespondenceStatus::Queued, "completed" | "no-answer" | "canceled") => {
                    "Your phone was not answered, so the patient was not called."
                }
                (CorrespondenceStatus::Queued | CorrespondenceStatus::Sent, "failed") => {
                    "Twilio could not place the call."
                }
                (CorrespondenceStatus::Sent, "completed" | "busy" | "no-answer" | "canceled") => {
                    "The call ended before the patient was connected."
                }
                _ => return Ok(("unchanged", empty)),
            };
            queries::failed(&state.db, entry.id, error).await?;
            calls::changed(&state).await;
            Ok(("status", empty))
        },
    )
    .await
}

/// The recording of a call is ready (or Twilio made none): a job fetches and keeps it.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path, description = "The call's correspondence entry")),
    request_body(content = super::forms::TwilioRecordingStatus, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Taken", content_type = "text/xml", body = String),
        (status = 403, description = "Not signed by the practice's Twilio account", body = api_types::Problem),
    )
)]
#[post("/webhooks/twilio/calls/{id}/recording")]
pub async fn twilio_call_recording(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let id = *id;
    take(
        &state,
        &req,
        &body,
        "call_recording",
        |state, params| async move {
            let empty = Response::new().build();
            // A recording of a `<Dial>` belongs to the call Twilio placed (its parent call).
            let Some(entry) = call_of(&state, id, &params).await? else {
                return Ok(("unknown", empty));
            };
            if entry.recording_state != Some(RecordingState::Pending) {
                return Ok(("duplicate", empty));
            }
            let sid = param(&params, "RecordingSid").unwrap_or("");
            match param(&params, "RecordingStatus") {
                Some("completed") if connectors::twilio::is_recording_sid(sid) => {
                    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
                    queries::recording_ready(&txn, id, sid).await?;
                    integrations::call_recorded(&txn, id).await?;
                    txn.commit().await?;
                    Ok(("recording", empty))
                }
                Some("in-progress") => Ok(("ignored", empty)),
                _ => {
                    queries::recording_lost(&state.db, id).await?;
                    calls::changed(&state).await;
                    Ok(("no_recording", empty))
                }
            }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patient_not_reached_is_told_in_words() {
        assert_eq!(dial_failure("no-answer"), "The patient did not answer.");
        assert_eq!(dial_failure("busy"), "The patient's line was busy.");
        assert_eq!(
            dial_failure("failed"),
            "The call to the patient could not be connected."
        );
    }
}
