//! Twilio's calls to the practice: inbound SMS and message delivery reports. Each is checked
//! against `X-Twilio-Signature` over the public URL Twilio called (the configured `public_url`
//! and the path, not the address the socket saw behind a proxy) and every parameter it posted;
//! a refused call is logged and answered 403, never acted on. A message Twilio delivers twice is
//! stored once: the second is answered 200 and ignored.

use std::time::Instant;

use actix_web::{post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::comms::{
    CorrespondenceChannel, CorrespondenceKind, CorrespondenceStatus, Direction,
};
use api_types::sharing::ConsentKind;
use api_types::ErrorCode;
use sea_orm::TransactionTrait;

use super::log::{logged, Logged};
use crate::audit::AuditEntry;
use crate::comms::correspondence::{self, NewEntry};
use crate::platform::client::ClientInfo;
use crate::platform::{ApiError, ApiResult, PatientId};
use crate::{integrations, patients, scheduling, AppState};

pub(super) const PROVIDER: &str = "twilio";

/// What Twilio is answered when it needs no reply: TwiML with nothing to do.
const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;

pub(super) type Params = Vec<(String, String)>;

pub(super) fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The parameters, if the call is Twilio's: signed with the practice's auth token over the URL
/// Twilio was given.
pub(super) async fn verify(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Params, &'static str> {
    let Ok(Some(twilio)) = integrations::twilio_client(state).await else {
        return Err("Twilio is not set up");
    };
    let Some(given) = req
        .headers()
        .get("X-Twilio-Signature")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
    else {
        return Err("no X-Twilio-Signature");
    };
    let params: Params =
        serde_urlencoded::from_bytes(body).map_err(|_| "the body is not a form")?;
    let url = format!(
        "{}{}",
        state.settings.public_url.trim_end_matches('/'),
        req.uri()
            .path_and_query()
            .map_or(req.path(), |pq| pq.as_str())
    );
    if connectors::twilio::verify_signature(twilio.auth_token(), &url, &params, given) {
        Ok(params)
    } else {
        Err("the signature does not match")
    }
}

pub(super) fn refused(reason: &str) -> ApiError {
    ApiError::with_detail(
        ErrorCode::Forbidden,
        format!("This call is not signed by the practice's Twilio account: {reason}."),
    )
}

fn twiml() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(EMPTY_TWIML)
}

/// Twilio's keywords for stopping and restarting messages from a number.
fn keyword(body: &str) -> Option<bool> {
    let word = body
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "OPTOUT" | "REVOKE" => {
            Some(false)
        }
        "START" | "UNSTOP" | "YES" | "OPTIN" => Some(true),
        _ => None,
    }
}

/// Whether a text answers a reminder with "C" (or "CONFIRM"): the patient is coming. ("YES" is
/// one of Twilio's own words for restarting messages, so it cannot mean this too.)
fn confirms(body: &str) -> bool {
    let word = body
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_uppercase();
    matches!(word.as_str(), "C" | "CONFIRM" | "CONFIRMED")
}

/// An SMS from a patient (Twilio's incoming-message webhook). It is matched to the patient by
/// the sending number through its blind index; a number that matches no patient or several
/// waits in triage. STOP and START withdraw and restore the SMS consent of every patient with
/// that number.
#[utoipa::path(
    tag = "correspondence",
    request_body(content = super::forms::TwilioIncomingMessage, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Received (or already received)", content_type = "text/xml", body = String),
        (status = 403, description = "Not signed by the practice's Twilio account", body = api_types::Problem),
    )
)]
#[post("/webhooks/twilio/messages")]
pub async fn twilio_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    take(&state, &req, &body, Call::Message).await
}

/// What a call from Twilio is about.
#[derive(Clone, Copy)]
enum Call {
    /// An incoming SMS.
    Message,
    /// A report on a message the practice sent.
    Status,
}

/// Checks a call's signature, acts on it, and logs it: a refused call is logged and answered
/// 403; one without a message id is answered and ignored.
async fn take(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    call: Call,
) -> ApiResult<HttpResponse> {
    let started = Instant::now();
    let endpoint = match call {
        Call::Message => "sms",
        Call::Status => "message_status",
    };
    let params = match verify(state, req, body).await {
        Ok(p) => p,
        Err(reason) => {
            let refused_call = Logged {
                provider: PROVIDER,
                endpoint,
                refusal: Some(reason),
                outcome: "refused",
                reference: None,
                started,
            };
            logged(state, refused_call).await;
            return Err(refused(reason));
        }
    };
    let sid = param(&params, "MessageSid").or_else(|| param(&params, "SmsSid"));
    let outcome = match (sid, call) {
        (Some(sid), Call::Message) => receive_sms(state, &params, sid).await,
        (Some(sid), Call::Status) => message_status(state, &params, sid).await,
        (None, _) => Ok("ignored"),
    };
    let taken = Logged {
        provider: PROVIDER,
        endpoint,
        refusal: None,
        outcome: outcome.as_ref().map_or("error", |o| o),
        reference: sid,
        started,
    };
    logged(state, taken).await;
    outcome.map(|_| twiml())
}

async fn receive_sms(state: &AppState, params: &Params, sid: &str) -> ApiResult<&'static str> {
    if correspondence::by_provider_ref(&state.db, sid)
        .await?
        .is_some()
    {
        return Ok("duplicate");
    }
    let from = param(params, "From").unwrap_or_default();
    let text = param(params, "Body").unwrap_or_default();
    let matches = patients::with_phone(&state.db, &state.crypto, from).await?;
    let (patient, candidates): (Option<PatientId>, &[PatientId]) = match matches.as_slice() {
        [one] => (Some(*one), &[]),
        several => (None, several),
    };
    let opt = keyword(text);
    let txn = state.db.begin().await?;
    let entry = correspondence::insert(
        &txn,
        &state.crypto,
        NewEntry {
            patient,
            channel: CorrespondenceChannel::Sms,
            direction: Direction::Inbound,
            kind: CorrespondenceKind::Reply,
            status: CorrespondenceStatus::Received,
            counterpart: from,
            subject: None,
            body: text,
            staff: None,
            outbox_id: None,
            provider_ref: Some(sid),
            candidates,
            attachments: &[],
            held_files: &[],
            thread: None,
        },
    )
    .await;
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            // Twilio delivered it twice at once and the other request stored it. The failed
            // insert leaves the transaction unusable (PostgreSQL) and holding the connection
            // (SQLite's only one, which a look through the pool would wait for until it gave
            // up): it ends before the look.
            txn.rollback().await?;
            return match correspondence::by_provider_ref(&state.db, sid).await? {
                Some(_) => Ok("duplicate"),
                None => Err(e),
            };
        }
    };
    let client = ClientInfo::default();
    let mut events = vec![{
        let e = AuditEntry::anonymous(&client, AuditAction::CorrespondenceReceive)
            .resource("correspondence", entry.id);
        match patient {
            Some(p) => e.patient(p.0),
            None => e.patients(candidates.iter().map(|p| &p.0)),
        }
    }];
    if let Some(given) = opt {
        // STOP stops messages to the number, for everyone who has it. START restarts them only
        // for the one patient with the number, and only where a STOP had stopped them.
        let whom: &[PatientId] = match (given, matches.as_slice()) {
            (false, all) => all,
            (true, [one]) => std::slice::from_ref(one),
            (true, _) => &[],
        };
        for p in whom {
            if !patients::record_sms_keyword(&txn, *p, given).await? {
                continue;
            }
            let action = if given {
                AuditAction::CorrespondenceOptIn
            } else {
                AuditAction::CorrespondenceOptOut
            };
            events.push(
                AuditEntry::anonymous(&client, action)
                    .patient(p.0)
                    .resource("consent", ConsentKind::SmsContact.as_str()),
            );
        }
        correspondence::answered_by_itself(&txn, entry.id).await?;
    }
    // "C" from the one patient with the number confirms the appointment they were reminded of.
    let mut confirmed = false;
    if let (Some(p), true) = (patient, confirms(text)) {
        if let Some(appointment) = scheduling::confirm_by_text(&txn, p).await? {
            events.push(
                AuditEntry::anonymous(&client, AuditAction::AppointmentConfirm)
                    .patient(p.0)
                    .resource("appointment", appointment)
                    .detail("sms"),
            );
            correspondence::answered_by_itself(&txn, entry.id).await?;
            confirmed = true;
        }
    }
    state.audit.commit_all(txn, events).await?;
    Ok(match (opt, patient) {
        (Some(false), _) => "opted_out",
        (Some(true), _) => "opted_in",
        (None, Some(_)) if confirmed => "confirmed",
        (None, Some(_)) => "stored",
        (None, None) => "triage",
    })
}

/// Twilio's report of where a message the practice sent has got to (the message's
/// `StatusCallback`). A report never moves a message back: `delivered` after `failed` stands,
/// `sent` after `delivered` does not.
#[utoipa::path(
    tag = "correspondence",
    request_body(content = super::forms::TwilioMessageStatus, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Recorded (or not a message of this practice)", content_type = "text/xml", body = String),
        (status = 403, description = "Not signed by the practice's Twilio account", body = api_types::Problem),
    )
)]
#[post("/webhooks/twilio/message-status")]
pub async fn twilio_message_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    take(&state, &req, &body, Call::Status).await
}

/// Twilio's message status as a correspondence status.
fn status_of(twilio: &str) -> Option<CorrespondenceStatus> {
    Some(match twilio {
        "accepted" | "scheduled" | "queued" | "sending" => CorrespondenceStatus::Queued,
        "sent" => CorrespondenceStatus::Sent,
        "delivered" => CorrespondenceStatus::Delivered,
        "read" => CorrespondenceStatus::Read,
        "undelivered" | "failed" | "canceled" => CorrespondenceStatus::Failed,
        _ => return None,
    })
}

async fn message_status(state: &AppState, params: &Params, sid: &str) -> ApiResult<&'static str> {
    let reported = param(params, "MessageStatus").or_else(|| param(params, "SmsStatus"));
    let Some(status) = reported.and_then(status_of) else {
        return Ok("ignored");
    };
    let Some(entry) = correspondence::by_provider_ref(&state.db, sid).await? else {
        return Ok("unknown");
    };
    let error = (status == CorrespondenceStatus::Failed).then(|| {
        let code = param(params, "ErrorCode").unwrap_or("");
        let message = param(params, "ErrorMessage").unwrap_or(match reported {
            Some("canceled") => "The message was cancelled before it was sent.",
            _ => "The carrier could not deliver the message.",
        });
        if code.is_empty() {
            message.to_owned()
        } else {
            format!("{message} (Twilio error {code})")
        }
    });
    let before = entry.status;
    let after = correspondence::advance(&state.db, entry, status, error).await?;
    Ok(if after.status == before {
        "unchanged"
    } else {
        "status"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_and_start_are_read_in_any_case_and_with_a_full_stop() {
        assert_eq!(keyword("STOP"), Some(false));
        assert_eq!(keyword(" stop. "), Some(false));
        assert_eq!(keyword("Unsubscribe"), Some(false));
        assert_eq!(keyword("start"), Some(true));
        assert_eq!(keyword("Please stop the reminders"), None);
        assert_eq!(keyword("Thanks, see you then"), None);
    }

    #[test]
    fn twilio_statuses_become_correspondence_statuses() {
        assert_eq!(
            status_of("delivered"),
            Some(CorrespondenceStatus::Delivered)
        );
        assert_eq!(status_of("undelivered"), Some(CorrespondenceStatus::Failed));
        assert_eq!(status_of("sending"), Some(CorrespondenceStatus::Queued));
        assert_eq!(status_of("receiving"), None);
    }
}
