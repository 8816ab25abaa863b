//! Patients' emails, forwarded by the practice's Mailgun inbound route. Each call is checked
//! against Mailgun's signature (HMAC-SHA256 of `timestamp` and `token` with the webhook signing
//! key), its timestamp must be within five minutes, and each token is taken once, since the
//! signature does not cover the content. The email is matched to the patient by the sender's
//! address through its blind index; attachments are filed in the patient's documents, typed by
//! their content like any upload (an email whose patient is not known keeps them until staff
//! choose). A message Mailgun delivers twice is stored once.

use std::time::Instant;

use actix_web::{post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::comms::{
    CorrespondenceChannel, CorrespondenceKind, CorrespondenceStatus, Direction,
};
use api_types::ErrorCode;
use base64::Engine;
use chrono::Utc;
use futures_util::StreamExt;
use sea_orm::TransactionTrait;

use super::log::{logged, release_token, take_token, Logged};
use crate::audit::AuditEntry;
use crate::comms::correspondence::{self, HeldFile, NewEntry};
use crate::platform::client::ClientInfo;
use crate::platform::{ApiError, ApiResult, PatientId};
use crate::{clinical, integrations, patients, AppState};

const PROVIDER: &str = "mailgun";

/// Emails being read at once.
static READING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(2));

/// An email as Mailgun forwards it.
#[derive(Debug, Default)]
struct Inbound {
    fields: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
    /// Files beyond what the practice keeps of one email: their names and sizes.
    dropped: Vec<(String, usize)>,
}

impl Inbound {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A header of the email: its own field, or from `message-headers`.
    fn header(&self, name: &str) -> Option<String> {
        if let Some(v) = self.field(name) {
            return Some(v.to_owned());
        }
        let headers: Vec<(String, String)> =
            serde_json::from_str(self.field("message-headers")?).ok()?;
        headers
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The `Message-Id`.
    fn message_id(&self) -> Option<String> {
        self.header("Message-Id")
    }

    /// Whether Mailgun found the sender's domain vouching for the email (DKIM or SPF passed):
    /// anyone can write a patient's address in `From`, so only then is the email taken as theirs.
    fn sender_verified(&self) -> bool {
        let passed = |name: &str| {
            self.header(name)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("pass"))
        };
        passed("X-Mailgun-Dkim-Check-Result") || passed("X-Mailgun-Spf")
    }
}

/// An email's body is refused unread beyond this many times the files it may keep: a body that
/// large is not an email Mailgun forwards.
const REFUSE_BEYOND: usize = 4;
/// The most any field that is not a file may hold.
const MAX_FIELD: usize = 1024 * 1024;

/// Reads the body as Mailgun's form: multipart with its files (keeping files up to `max` bytes in
/// all and only naming, with their size, those beyond), or urlencoded (at most `max` bytes).
/// Nothing beyond `REFUSE_BEYOND` times `max` is read.
async fn read_form(
    req: &HttpRequest,
    mut payload: web::Payload,
    max: usize,
) -> Result<Inbound, &'static str> {
    let too_large = "the email is larger than the practice accepts";
    let hard = max.saturating_mul(REFUSE_BEYOND);
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > hard) {
        return Err(too_large);
    }
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| "the body was cut off")?;
            if body.len() + chunk.len() > max {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        let fields = serde_urlencoded::from_bytes(&body).map_err(|_| "the body is not a form")?;
        return Ok(Inbound {
            fields,
            ..Inbound::default()
        });
    }
    let boundary = multer::parse_boundary(&content_type).map_err(|_| "the body is not a form")?;
    // The request's body is read here and handed to the parser as it comes.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(4);
    let pump = async move {
        let mut total = 0usize;
        while let Some(chunk) = payload.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return Err("the body was cut off");
                }
            };
            total += chunk.len();
            if total > hard {
                let _ = tx.send(Err(std::io::Error::other("too large"))).await;
                return Err(too_large);
            }
            if tx.send(Ok(chunk)).await.is_err() {
                break;
            }
        }
        Ok(())
    };
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let parse = async move {
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut form = Inbound::default();
        let mut kept = 0usize;
        while let Some(mut field) = multipart
            .next_field()
            .await
            .map_err(|_| "the body is not a form")?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let filename = field.file_name().map(str::to_owned);
            let mut bytes = Vec::new();
            let mut size = 0usize;
            while let Some(chunk) = field.chunk().await.map_err(|_| "a part was cut off")? {
                size += chunk.len();
                match &filename {
                    Some(_) if kept + size <= max => bytes.extend_from_slice(&chunk),
                    Some(_) => bytes = Vec::new(),
                    None if size <= MAX_FIELD => bytes.extend_from_slice(&chunk),
                    None => return Err("a field is too long"),
                }
            }
            match filename {
                Some(filename) if kept + size <= max => {
                    kept += size;
                    form.files.push((filename, bytes));
                }
                Some(filename) => form.dropped.push((filename, size)),
                None => {
                    let text = String::from_utf8(bytes).map_err(|_| "a field is not text")?;
                    form.fields.push((name, text));
                }
            }
        }
        Ok::<_, &'static str>(form)
    };
    let (pumped, parsed) = futures_util::future::join(pump, parse).await;
    pumped?;
    parsed
}

/// An email from a patient (Mailgun's inbound route).
#[utoipa::path(
    tag = "correspondence",
    request_body(content = super::forms::MailgunInboundEmail, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Received (or already received)"),
        (status = 403, description = "Not signed with the practice's Mailgun key, too old, or a token already used", body = api_types::Problem),
        (status = 406, description = "Not a form Mailgun sends: Mailgun does not retry", body = api_types::Problem),
    )
)]
#[post("/webhooks/mailgun/messages")]
pub async fn mailgun_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let started = Instant::now();
    let endpoint = "email";
    let refuse = |reason: &'static str, outcome: &'static str| Logged {
        provider: PROVIDER,
        endpoint,
        refusal: Some(reason),
        outcome,
        reference: None,
        started,
    };
    // Nothing is read for a practice that has no Mailgun route.
    let Some(key) = integrations::mailgun_inbound(&state).await? else {
        logged(&state, refuse("Mailgun is not set up", "refused")).await;
        return Err(refused("Mailgun is not set up"));
    };
    let max = usize::try_from(state.settings.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(2);
    // The signature is inside the body, so the body is read before it can be checked: at most
    // two at once, each within its limit, whoever sends them.
    let _reading = READING.acquire().await.map_err(anyhow::Error::from)?;
    let form = match read_form(&req, payload, max).await {
        Ok(f) => f,
        Err(reason) => {
            logged(&state, refuse(reason, "refused")).await;
            // 406 tells Mailgun not to send it again.
            let mut problem = api_types::Problem::new(ErrorCode::BadRequest, Some(reason.into()));
            problem.status = 406;
            return Ok(HttpResponse::NotAcceptable()
                .content_type("application/problem+json")
                .json(problem));
        }
    };
    drop(_reading);
    let (timestamp, token, signature) = (
        form.field("timestamp").unwrap_or(""),
        form.field("token").unwrap_or(""),
        form.field("signature").unwrap_or(""),
    );
    if let Err(why) = key.verify(timestamp, token, signature, Utc::now().timestamp()) {
        logged(&state, refuse(why.as_str(), "refused")).await;
        return Err(refused(why.as_str()));
    }
    if !take_token(&state.db, PROVIDER, token).await? {
        let call = Logged {
            refusal: None,
            ..refuse("", "duplicate")
        };
        logged(&state, call).await;
        return Ok(HttpResponse::Ok().finish());
    }
    let reference = form.message_id();
    let outcome = receive_email(&state, &form, reference.as_deref()).await;
    if outcome.is_err() {
        // Not stored: Mailgun's retry, with the same token, must be taken.
        release_token(&state.db, PROVIDER, token).await;
    }
    let call = Logged {
        provider: PROVIDER,
        endpoint,
        refusal: None,
        outcome: outcome.as_ref().map_or("error", |o| o),
        reference: reference.as_deref(),
        started,
    };
    logged(&state, call).await;
    outcome.map(|_| HttpResponse::Ok().finish())
}

fn refused(reason: &str) -> ApiError {
    ApiError::with_detail(
        ErrorCode::Forbidden,
        format!("This call is not signed by the practice's Mailgun route: {reason}."),
    )
}

async fn receive_email(
    state: &AppState,
    form: &Inbound,
    message_id: Option<&str>,
) -> ApiResult<&'static str> {
    if let Some(id) = message_id {
        if correspondence::by_provider_ref(&state.db, id)
            .await?
            .is_some()
        {
            return Ok("duplicate");
        }
    }
    let from = form
        .field("sender")
        .or_else(|| form.field("from"))
        .map(connectors::mailgun::address_of)
        .unwrap_or_default();
    let subject = form.field("subject").unwrap_or("(no subject)");
    let mut body = form
        .field("stripped-text")
        .or_else(|| form.field("body-plain"))
        .unwrap_or("")
        .to_owned();
    // What could not be kept is said where staff read the email.
    for (name, size) in &form.dropped {
        body.push_str(&format!(
            "\n\n[Attachment not kept: {name} ({:.1} MB) is larger than the practice accepts. Ask for it another way.]",
            *size as f64 / (1024.0 * 1024.0)
        ));
    }
    let body = body.as_str();
    let matches = patients::with_email(&state.db, &state.crypto, from).await?;
    // An email whose sender is not vouched for waits in triage, its files unfiled, even when its
    // address is a patient's.
    let patient = match matches.as_slice() {
        [one] if form.sender_verified() => Some(*one),
        _ => None,
    };
    let names: Vec<String> = form.files.iter().map(|(n, _)| n.clone()).collect();
    let held: Vec<HeldFile> = if patient.is_none() {
        form.files
            .iter()
            .map(|(filename, bytes)| HeldFile {
                filename: filename.clone(),
                content: base64::engine::general_purpose::STANDARD.encode(bytes),
            })
            .collect()
    } else {
        Vec::new()
    };
    let txn = state.db.begin().await?;
    let entry = correspondence::insert(
        &txn,
        &state.crypto,
        NewEntry {
            patient,
            channel: CorrespondenceChannel::Email,
            direction: Direction::Inbound,
            kind: CorrespondenceKind::Reply,
            status: CorrespondenceStatus::Received,
            counterpart: from,
            subject: Some(subject),
            body,
            staff: None,
            outbox_id: None,
            provider_ref: message_id,
            candidates: if patient.is_some() { &[] } else { &matches },
            attachments: &names,
            held_files: &held,
            thread: None,
        },
    )
    .await?;
    let client = ClientInfo::default();
    let mut events = vec![{
        let e = AuditEntry::anonymous(&client, AuditAction::CorrespondenceReceive)
            .resource("correspondence", entry.id);
        match patient {
            Some(p) => e.patient(p.0),
            None => e.patients(matches.iter().map(|p| &p.0)),
        }
    }];
    if let Some(p) = patient {
        events.extend(file_attachments(&txn, state, p, subject, &form.files).await?);
    }
    state.audit.commit_all(txn, events).await?;
    Ok(if patient.is_some() {
        "stored"
    } else {
        "triage"
    })
}

/// Files an email's attachments in the patient's documents, each with its audit event; a file
/// of a kind the record does not take is left out (its name stays on the entry).
pub(super) async fn file_attachments(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    patient: PatientId,
    subject: &str,
    files: &[(String, Vec<u8>)],
) -> ApiResult<Vec<AuditEntry>> {
    let mut events = Vec::new();
    let description = format!("Emailed by the patient: {subject}");
    for (filename, bytes) in files {
        match clinical::file_from_patient(
            txn,
            &state.crypto,
            patient,
            filename,
            &description,
            bytes,
        )
        .await
        {
            Ok(id) => events.push(
                AuditEntry::anonymous(&ClientInfo::default(), AuditAction::DocumentUpload)
                    .patient(patient.0)
                    .resource("document", id)
                    .detail(format!("bytes={} source=email", bytes.len())),
            ),
            Err(ApiError::Coded {
                code: ErrorCode::UnsupportedMediaType,
                ..
            }) => tracing::info!(
                "an emailed attachment of a kind the record does not take was left out"
            ),
            Err(e) => return Err(e),
        }
    }
    Ok(events)
}

/// The files an email held while in triage, filed now that its patient is chosen.
pub(in crate::comms) async fn file_held(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    patient: PatientId,
    subject: &str,
    held: Vec<HeldFile>,
) -> ApiResult<Vec<AuditEntry>> {
    let files: Vec<(String, Vec<u8>)> = held
        .into_iter()
        .filter_map(|f| {
            base64::engine::general_purpose::STANDARD
                .decode(f.content)
                .ok()
                .map(|bytes| (f.filename, bytes))
        })
        .collect();
    file_attachments(txn, state, patient, subject, &files).await
}
