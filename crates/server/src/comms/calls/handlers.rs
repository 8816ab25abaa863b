//! Calling a patient from their record: what the call can be, and starting it.

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::comms::{
    CallSetup, CorrespondenceChannel, CorrespondenceKind, CorrespondenceStatus, Direction,
    StartCall,
};
use api_types::sharing::ConsentKind;
use api_types::validation::e164;
use api_types::ErrorCode;
use connectors::twilio::PlaceCall;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::{queries, urls, RING_SECONDS};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::comms::correspondence::{self as entries, NewEntry};
use crate::platform::http::Body;
use crate::platform::{ApiError, ApiResult, PatientId};
use crate::{integrations, patients, users, AppState};

/// Why calls cannot be made at all, if they cannot.
async fn not_ready(state: &AppState) -> ApiResult<Option<&'static str>> {
    Ok(match integrations::twilio_client(state).await? {
        None => Some("Calls need Twilio, which is not set up: an administrator connects it under Settings → Integrations."),
        Some(t) if t.number().is_none() => Some("Calls need the practice's Twilio number: an administrator adds it under Settings → Integrations."),
        Some(_) => None,
    })
}

/// What a call to the patient can be: the number it goes to, the phone it rings first (as the
/// member of staff last gave it), and whether it may be recorded and transcribed.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["correspondence:write"])),
    responses((status = 200, body = CallSetup), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/calls/setup")]
pub async fn call_setup(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<CallSetup>> {
    let patient = PatientId(*id);
    patients::ensure_demographics(&auth, patient)?;
    let record = patients::get(&state.db, &state.crypto, patient).await?;
    let phone = record.phone().and_then(e164);
    let staff_phone = match auth.user_id() {
        Some(user) => users::phone_of(&state.db, &state.crypto, user).await?,
        None => None,
    };
    let not_ready = match (not_ready(&state).await?, &phone) {
        (Some(why), _) => Some(why.to_owned()),
        (None, None) => Some(format!(
            "{} has no phone number on file.",
            record.display_name()
        )),
        (None, Some(_)) if patients::ensure_not_erased(&record).is_err() => {
            Some("This patient's personal data was erased.".to_owned())
        }
        (None, Some(_)) => None,
    };
    let may_record =
        patients::consent_given(&state.db, patient, ConsentKind::CallRecording).await?;
    let transcripts = integrations::transcription_client(&state).await?.is_some();
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::CallSetup).patient(patient.0))
        .await?;
    Ok(web::Json(CallSetup {
        ready: not_ready.is_none(),
        not_ready,
        patient_phone: phone,
        staff_phone,
        may_record,
        transcripts,
    }))
}

/// Call the patient: Twilio rings the member of staff's phone, and once they answer, connects
/// the patient, who sees the practice's number. A recorded call needs the patient's consent to
/// call recording, asked now and again as the patient is connected; the patient hears that the
/// call is recorded before it connects. The call is an entry in the patient's correspondence that
/// follows it: ringing your phone (queued), connecting (sent), answered (delivered) or failed.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path)),
    request_body = StartCall,
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 201, description = "Placed, or refused by Twilio (the entry says why)", body = api_types::comms::Correspondence),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "No consent to recording, Twilio not set up, or the patient's data was erased", body = api_types::Problem),
        (status = 422, description = "No number on file for the patient, or none given for the member of staff", body = api_types::Problem),
    )
)]
#[post("/patients/{id}/calls")]
pub async fn start_call(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<StartCall>,
) -> ApiResult<HttpResponse> {
    let patient = PatientId(*id);
    patients::ensure_demographics(&auth, patient)?;
    let call = body.into_inner();
    call.validate().map_err(ApiError::Validation)?;
    let Some(user) = auth.user_id() else {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Calls are made by a member of staff, from their own phone.",
        ));
    };
    let record = patients::get_for_change(&state.db, &state.crypto, patient).await?;
    let name = record.display_name();
    let to = record.phone().and_then(e164).ok_or_else(|| {
        ApiError::field(
            "patient",
            "no_contact",
            format!("{name} has no phone number on file."),
        )
    })?;
    let given = call.staff_phone.as_deref().and_then(e164);
    let staff_phone = match &given {
        Some(p) => p.clone(),
        None => users::phone_of(&state.db, &state.crypto, user)
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    "staff_phone",
                    "required",
                    "Give the phone to ring you on first.",
                )
            })?,
    };
    if let Some(why) = not_ready(&state).await? {
        return Err(ApiError::conflict(why));
    }
    let Some(twilio) = integrations::twilio_client(&state).await? else {
        return Err(ApiError::conflict("Twilio is not set up."));
    };
    let txn = state.db.begin().await?;
    if call.record && !patients::consent_given(&txn, patient, ConsentKind::CallRecording).await? {
        return Err(ApiError::with_detail(
            ErrorCode::ConsentWithdrawn,
            format!("{name} has not agreed to their calls being recorded, so this call cannot be."),
        ));
    }
    let entry = entries::insert(
        &txn,
        &state.crypto,
        NewEntry {
            patient: Some(patient),
            channel: CorrespondenceChannel::Call,
            direction: Direction::Outbound,
            kind: CorrespondenceKind::Written,
            status: CorrespondenceStatus::Queued,
            counterpart: &to,
            subject: None,
            body: "",
            staff: Some(user),
            outbox_id: None,
            provider_ref: None,
            candidates: &[],
            attachments: &[],
            held_files: &[],
            thread: None,
        },
    )
    .await?;
    if call.record {
        queries::will_record(&txn, entry.id).await?;
    }
    if let Some(phone) = &given {
        users::remember_phone(&txn, &state.crypto, user, phone).await?;
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CallStart)
                .patient(patient.0)
                .resource("correspondence", entry.id)
                .detail(format!("recorded={}", call.record)),
        )
        .await?;
    let urls = urls(&state, entry.id);
    let placed = twilio
        .place_call(PlaceCall {
            to: &staff_phone,
            answer_url: &urls.connect,
            status_callback: &urls.status,
            ring_seconds: RING_SECONDS,
        })
        .await;
    match placed {
        Ok(placed) => queries::placed(&state.db, entry.id, &placed.sid).await?,
        Err(e) => {
            tracing::warn!(error = %e, "Twilio refused a call");
            queries::failed(
                &state.db,
                entry.id,
                &format!("Twilio did not place the call: {e}"),
            )
            .await?;
        }
    }
    super::changed(&state).await;
    let entry = entries::get(&state.db, entry.id).await?;
    let wire = entries::one_to_wire(&state.db, &state.crypto, entry).await?;
    Ok(HttpResponse::Created().json(wire))
}
