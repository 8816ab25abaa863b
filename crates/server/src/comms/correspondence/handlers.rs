//! A patient's correspondence and the practice's communications over HTTP: the history, writing
//! to a patient, retrying a failed message, marking an inbound one answered, and choosing the
//! patient of one that could not be matched.

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::comms::{
    AssignCorrespondence, Correspondence, CorrespondenceChannel, CorrespondenceKind,
    CorrespondenceQuery, CorrespondenceStatus, Direction, PatientCorrespondenceQuery, SendMessage,
};
use api_types::sharing::ConsentKind;
use api_types::validation::e164;
use api_types::{ErrorCode, Page, Permission};
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries::{self, Answered};
use super::wire::{one_to_wire, to_wire};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::comms::outbox::{self, About, Channel, Outbound};
use crate::platform::http::{page_bounds, Body, Query};
use crate::platform::{ApiError, ApiResult, PatientId};
use crate::{patients, settings, AppState};

/// A patient's correspondence on every channel, newest first: staff see any patient's, a patient
/// their own.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path), PatientCorrespondenceQuery),
    security(("bearer" = ["correspondence:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<Correspondence>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/correspondence")]
pub async fn patient_correspondence(
    auth: Authorized<require::CorrespondenceReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<PatientCorrespondenceQuery>,
) -> ApiResult<web::Json<Page<Correspondence>>> {
    let patient = PatientId(*id);
    patients::ensure_demographics(&auth, patient)?;
    patients::get(&state.db, &state.crypto, patient).await?;
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let (total, rows) = queries::of_patient(&state.db, patient, q.channel, limit, offset).await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::CorrespondenceRead)
                .patient(patient.0)
                .detail(format!("entries={}", items.len())),
        )
        .await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// Write to a patient by SMS or email. The patient's contact consent for the channel is asked at
/// this moment: a withdrawn consent refuses the message (`consent_withdrawn`). Earlier messages
/// from the patient on the same channel count as answered.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path)),
    request_body = SendMessage,
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 201, body = Correspondence),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Consent withdrawn, or the patient's data was erased", body = api_types::Problem),
        (status = 422, description = "No number or address on file, or the message is invalid", body = api_types::Problem),
    )
)]
#[post("/patients/{id}/correspondence")]
pub async fn send_message(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<SendMessage>,
) -> ApiResult<HttpResponse> {
    let patient = PatientId(*id);
    patients::ensure_demographics(&auth, patient)?;
    let message = body.into_inner();
    message.validate().map_err(ApiError::Validation)?;
    let record = patients::get_for_change(&state.db, &state.crypto, patient).await?;
    let name = record.display_name();
    let (channel, consent, to) = match message.channel {
        CorrespondenceChannel::Sms => (
            Channel::Sms,
            ConsentKind::SmsContact,
            record.mobile().and_then(e164).ok_or_else(|| {
                ApiError::field(
                    "channel",
                    "no_contact",
                    format!("{name} has no mobile number on file."),
                )
            })?,
        ),
        _ => (
            Channel::Email,
            ConsentKind::EmailContact,
            record.details.email.clone().ok_or_else(|| {
                ApiError::field(
                    "channel",
                    "no_contact",
                    format!("{name} has no email address on file."),
                )
            })?,
        ),
    };
    let txn = state.db.begin().await?;
    if !patients::consent_given(&txn, patient, consent).await? {
        return Err(ApiError::with_detail(
            ErrorCode::ConsentWithdrawn,
            format!(
                "{name} has withdrawn consent to {} contact, so the practice may not write to them that way.",
                if channel == Channel::Sms { "SMS" } else { "email" }
            ),
        ));
    }
    let outbox_id = outbox::enqueue(
        &txn,
        &state.crypto,
        Outbound {
            channel,
            to: &to,
            subject: message.subject.as_deref().unwrap_or("").trim(),
            body: message.body.trim(),
            attachments: Vec::new(),
            secret: false,
            about: Some(About {
                patient,
                kind: CorrespondenceKind::Written,
                staff: auth.user_id(),
            }),
        },
    )
    .await?;
    queries::mark_answered(
        &txn,
        Answered::From(patient, message.channel),
        auth.user_id(),
    )
    .await?;
    let entry = queries::by_outbox(&txn, outbox_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the entry of a queued message is missing"))?;
    let entry_id = entry.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::CorrespondenceSend)
                .patient(patient.0)
                .resource("correspondence", entry_id)
                .detail(format!("channel={}", channel.as_str())),
        )
        .await?;
    let _ = state
        .events
        .publish(
            &state.db,
            crate::comms::live::CORRESPONDENCE,
            serde_json::json!({"patient_id": patient.0}),
        )
        .await;
    let wire = one_to_wire(&state.db, &state.crypto, entry).await?;
    Ok(HttpResponse::Created().json(wire))
}

/// Everything sent and received across the practice: inbound messages nobody has answered
/// first, then newest first. Failed deliveries carry their error and can be retried.
#[utoipa::path(
    tag = "correspondence",
    params(CorrespondenceQuery),
    security(("bearer" = ["correspondence:read"])),
    responses((status = 200, body = Page<Correspondence>))
)]
#[get("/correspondence")]
pub async fn list_correspondence(
    auth: Authorized<require::CorrespondenceRead>,
    state: web::Data<AppState>,
    query: Query<CorrespondenceQuery>,
) -> ApiResult<web::Json<Page<Correspondence>>> {
    // It shows patients' names and numbers, as the patient list does.
    if !auth.has(Permission::PatientsRead) {
        return Err(ApiError::forbidden());
    }
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let clock = settings::clock(&state.db).await?;
    let from = q.from.map(|d| clock.day_start(d));
    let to = q.to.and_then(|d| d.succ_opt()).map(|d| clock.day_start(d));
    let (total, rows) = queries::practice_page(&state.db, &q, (from, to), limit, offset).await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    let shown: Vec<Uuid> = items
        .iter()
        .flat_map(|c| {
            c.patient_id
                .into_iter()
                .chain(c.candidates.iter().map(|k| k.patient_id))
        })
        .collect();
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::CorrespondenceList)
                .patients(&shown)
                .also(format!("entries={}", items.len())),
        )
        .await?;
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// The write endpoints answer with the message: only for those who may read it.
fn may_read_content(auth: &crate::auth::Principal) -> ApiResult<()> {
    if auth.has(Permission::CorrespondenceRead) && auth.has(Permission::PatientsRead) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Send a failed message again, if the patient still agrees to the channel.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 200, body = Correspondence),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Not a failed message", body = api_types::Problem),
    )
)]
#[post("/correspondence/{id}/retry")]
pub async fn retry_message(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Correspondence>> {
    may_read_content(&auth)?;
    let entry = queries::get(&state.db, *id).await?;
    let (Some(outbox_id), Direction::Outbound, CorrespondenceStatus::Failed) =
        (entry.outbox_id, entry.direction, entry.status)
    else {
        return Err(ApiError::conflict(
            "Only a message that failed can be sent again.",
        ));
    };
    if let Some(p) = entry.patient_id {
        let record = patients::get_for_change(&state.db, &state.crypto, PatientId(p)).await?;
        if let Some(consent) = consent_for(entry.channel, entry.kind) {
            if !patients::consent_given(&state.db, PatientId(p), consent).await? {
                return Err(ApiError::with_detail(
                    ErrorCode::ConsentWithdrawn,
                    format!(
                        "{} has withdrawn consent to {} contact since this message was written.",
                        record.display_name(),
                        entry.channel.label()
                    ),
                ));
            }
        }
    }
    let patient = entry.patient_id;
    let txn = state.db.begin().await?;
    outbox::requeue(&txn, outbox_id).await?;
    let entry = queries::requeue(&txn, entry).await?;
    let mut event =
        AuditEntry::by(&auth, AuditAction::CorrespondenceRetry).resource("correspondence", *id);
    if let Some(p) = patient {
        event = event.patient(p);
    }
    state.audit.commit(txn, event).await?;
    Ok(web::Json(
        one_to_wire(&state.db, &state.crypto, entry).await?,
    ))
}

/// Mark a message from a patient as dealt with.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 200, body = Correspondence),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Not an inbound message", body = api_types::Problem),
    )
)]
#[post("/correspondence/{id}/answered")]
pub async fn mark_answered(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Correspondence>> {
    may_read_content(&auth)?;
    let entry = queries::get(&state.db, *id).await?;
    if entry.direction != Direction::Inbound {
        return Err(ApiError::conflict(
            "Only a message from a patient can be answered.",
        ));
    }
    let txn = state.db.begin().await?;
    queries::mark_answered(&txn, Answered::One(entry.id), auth.user_id()).await?;
    let mut event =
        AuditEntry::by(&auth, AuditAction::CorrespondenceAnswer).resource("correspondence", *id);
    if let Some(p) = entry.patient_id {
        event = event.patient(p);
    }
    state.audit.commit(txn, event).await?;
    let entry = queries::get(&state.db, *id).await?;
    Ok(web::Json(
        one_to_wire(&state.db, &state.crypto, entry).await?,
    ))
}

/// Choose the patient a message is from, when its number matched no patient or several.
#[utoipa::path(
    tag = "correspondence",
    params(("id" = Uuid, Path)),
    request_body = AssignCorrespondence,
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 200, body = Correspondence),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Already matched, or the patient's data was erased", body = api_types::Problem),
    )
)]
#[post("/correspondence/{id}/assign")]
pub async fn assign_message(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<AssignCorrespondence>,
) -> ApiResult<web::Json<Correspondence>> {
    may_read_content(&auth)?;
    let patient = PatientId(body.patient_id);
    patients::ensure_demographics(&auth, patient)?;
    let entry = queries::get(&state.db, *id).await?;
    if entry.patient_id.is_some() || entry.direction != Direction::Inbound {
        return Err(ApiError::conflict("This message already has its patient."));
    }
    patients::get_for_change(&state.db, &state.crypto, patient).await?;
    let held = queries::held_files(&state.crypto, &entry)?;
    let subject = queries::subject(&state.crypto, &entry)?.unwrap_or_default();
    let txn = state.db.begin().await?;
    let entry = queries::assign(&txn, entry, patient).await?;
    let mut events = vec![AuditEntry::by(&auth, AuditAction::CorrespondenceAssign)
        .patient(patient.0)
        .resource("correspondence", *id)];
    if !held.is_empty() {
        events.extend(
            crate::comms::webhooks::file_held(&txn, &state, patient, &subject, held).await?,
        );
    }
    state.audit.commit_all(txn, events).await?;
    Ok(web::Json(
        one_to_wire(&state.db, &state.crypto, entry).await?,
    ))
}

/// The contact consent a message of `kind` on `channel` needs: appointment messages, reminders
/// and what staff write; invitations and answers to the patient's own requests go regardless.
pub fn consent_for(
    channel: CorrespondenceChannel,
    kind: CorrespondenceKind,
) -> Option<ConsentKind> {
    let needs = matches!(
        kind,
        CorrespondenceKind::Appointment
            | CorrespondenceKind::Reminder
            | CorrespondenceKind::Written
    );
    match channel {
        CorrespondenceChannel::Sms if needs => Some(ConsentKind::SmsContact),
        CorrespondenceChannel::Email if needs => Some(ConsentKind::EmailContact),
        _ => None,
    }
}
