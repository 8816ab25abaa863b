//! A local Twilio: it checks what Twilio's Messages and Calls APIs require (Basic auth with the
//! account SID and auth token, a form body with `To`, `Body` and a sender, or `To`, `From` and
//! `Url`) and answers as Twilio does, with the resource (201) or Twilio's error body. It also
//! serves and deletes call recordings.

use std::sync::{Arc, Mutex};

use serde_json::json;

use super::http::{self, Request, Response};

pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const AUTH_TOKEN: &str = "fake-twilio-auth-token";
pub const FROM: &str = "+61480000000";

/// One message the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    /// Where the sender asked for delivery reports.
    pub status_callback: Option<String>,
    /// When the fake accepted it.
    pub created: chrono::DateTime<chrono::Utc>,
}

/// One call the fake was asked to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedCall {
    pub sid: String,
    pub to: String,
    pub from: String,
    /// The TwiML address Twilio posts to when `to` answers.
    pub url: String,
    pub status_callback: Option<String>,
}

/// A recording's audio: an MP3 that starts with an ID3 tag.
pub fn recording_audio(sid: &str) -> Vec<u8> {
    let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    bytes.extend(sid.bytes().cycle().take(400));
    bytes
}

#[derive(Default)]
struct State {
    sent: Vec<Sms>,
    calls: Vec<PlacedCall>,
    /// Recordings deleted, by SID.
    deleted: Vec<String>,
    requests: Vec<Request>,
    /// The next sends answer with this (HTTP status, Twilio code).
    fail: Vec<(u16, i64)>,
}

#[derive(Clone)]
pub struct FakeTwilio {
    /// The client's `api_base`.
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    match state.lock() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn error(status: u16, code: i64, message: &str) -> Response {
    Response::json(
        status,
        json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        }),
    )
}

fn answer(state: &Mutex<State>, r: &Request) -> Response {
    let mut s = lock(state);
    s.requests.push(r.clone());
    if r.method == "GET" && r.path == format!("/2010-04-01/Accounts/{ACCOUNT_SID}.json") {
        if r.basic_auth() != Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned())) {
            return error(401, 20003, "Authenticate");
        }
        return Response::json(
            200,
            json!({"sid": ACCOUNT_SID, "friendly_name": "Practice", "status": "active", "type": "Full"}),
        );
    }
    let recordings = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/");
    if let Some(file) = r.path.strip_prefix(&recordings) {
        return recording(&mut s, r, file);
    }
    if r.path == format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json") && r.method == "POST" {
        return place_call(&mut s, r);
    }
    let path = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json");
    if r.method == "GET" && r.path == path {
        return list_messages(&s, r);
    }
    if r.method != "POST" || r.path != path {
        return error(404, 20404, "The requested resource was not found");
    }
    if r.basic_auth() != Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned())) {
        return error(401, 20003, "Authenticate");
    }
    if !r.is_form() {
        return error(400, 21201, "Body must be form-encoded");
    }
    let form = r.form();
    let to = form.get("To").cloned().unwrap_or_default();
    let body = form.get("Body").cloned().unwrap_or_default();
    let from = form
        .get("From")
        .cloned()
        .or_else(|| form.get("MessagingServiceSid").cloned());
    let Some(from) = from else {
        return error(
            400,
            21603,
            "A 'From' or 'MessagingServiceSid' parameter is required",
        );
    };
    if body.is_empty() || body.chars().count() > 1600 {
        return error(
            400,
            21617,
            "The concatenated message body exceeds the 1600 character limit",
        );
    }
    if !is_e164(&to) {
        return error(
            400,
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        );
    }
    if !s.fail.is_empty() {
        let (status, code) = s.fail.remove(0);
        return error(status, code, "Simulated failure");
    }
    let sid = format!("SM{:032x}", s.sent.len() + 1);
    let created = chrono::Utc::now();
    s.sent.push(Sms {
        sid: sid.clone(),
        to: to.clone(),
        from: from.clone(),
        body: body.clone(),
        status_callback: form.get("StatusCallback").cloned(),
        created,
    });
    Response::json(
        201,
        json!({
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "messaging_service_sid": null,
            "to": to,
            "from": from,
            "body": body,
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": null,
            "price_unit": "USD",
            "error_code": null,
            "error_message": null,
            "date_created": created.to_rfc2822(),
            "date_sent": null,
            "date_updated": created.to_rfc2822(),
            "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"),
        }),
    )
}

/// `GET …/Messages.json`: the account's messages, newest first, filtered by `To` and `From`,
/// `PageSize` a page (one page: the fake keeps few).
fn list_messages(s: &State, r: &Request) -> Response {
    if r.basic_auth() != Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned())) {
        return error(401, 20003, "Authenticate");
    }
    let size: usize = r
        .query_value("PageSize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let messages: Vec<serde_json::Value> = s
        .sent
        .iter()
        .rev()
        .filter(|m| r.query_value("To").is_none_or(|to| m.to == to))
        .filter(|m| r.query_value("From").is_none_or(|from| m.from == from))
        .take(size)
        .map(|m| {
            json!({
                "sid": m.sid, "account_sid": ACCOUNT_SID, "to": m.to, "from": m.from,
                "body": m.body, "status": "sent", "direction": "outbound-api",
                "date_created": m.created.to_rfc2822(), "date_sent": m.created.to_rfc2822(),
            })
        })
        .collect();
    Response::json(
        200,
        json!({"messages": messages, "next_page_uri": null, "page": 0, "page_size": size}),
    )
}

fn is_e164(number: &str) -> bool {
    number.starts_with('+')
        && (8..=16).contains(&number.len())
        && number[1..].bytes().all(|b| b.is_ascii_digit())
}

fn place_call(s: &mut State, r: &Request) -> Response {
    if r.basic_auth() != Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned())) {
        return error(401, 20003, "Authenticate");
    }
    if !r.is_form() {
        return error(400, 21201, "Body must be form-encoded");
    }
    let form = r.form();
    let to = form.get("To").cloned().unwrap_or_default();
    let from = form.get("From").cloned().unwrap_or_default();
    let Some(url) = form.get("Url").cloned() else {
        return error(400, 21205, "Url parameter is required.");
    };
    if !is_e164(&to) {
        return error(400, 21211, &format!("Invalid 'To' Phone Number: {to}"));
    }
    if !is_e164(&from) {
        return error(400, 21212, &format!("Invalid 'From' Phone Number: {from}"));
    }
    if !s.fail.is_empty() {
        let (status, code) = s.fail.remove(0);
        return error(status, code, "Simulated failure");
    }
    let sid = format!("CA{:032x}", s.calls.len() + 1);
    s.calls.push(PlacedCall {
        sid: sid.clone(),
        to: to.clone(),
        from: from.clone(),
        url,
        status_callback: form.get("StatusCallback").cloned(),
    });
    Response::json(
        201,
        json!({
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": to,
            "from": from,
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "start_time": null,
            "end_time": null,
            "duration": null,
            "price": null,
            "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json"),
        }),
    )
}

fn recording(s: &mut State, r: &Request, file: &str) -> Response {
    if r.basic_auth() != Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned())) {
        return error(401, 20003, "Authenticate");
    }
    let (sid, gone) = match (r.method.as_str(), file.rsplit_once('.')) {
        ("GET", Some((sid, "mp3"))) | ("DELETE", Some((sid, "json"))) => {
            (sid, s.deleted.iter().any(|d| d == sid))
        }
        _ => return error(404, 20404, "The requested resource was not found"),
    };
    if gone || !sid.starts_with("RE") {
        return error(404, 20404, "The requested resource was not found");
    }
    if r.method == "DELETE" {
        s.deleted.push(sid.to_owned());
        return Response::empty(204);
    }
    Response::bytes(200, "audio/mpeg", recording_audio(sid))
}

impl FakeTwilio {
    /// The calls placed so far.
    pub fn calls(&self) -> Vec<PlacedCall> {
        lock(&self.state).calls.clone()
    }

    /// The recordings deleted so far.
    pub fn deleted_recordings(&self) -> Vec<String> {
        lock(&self.state).deleted.clone()
    }

    pub async fn start() -> std::io::Result<FakeTwilio> {
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = state.clone();
        let base_url = http::serve(move |r| answer(&handler_state, r)).await?;
        Ok(FakeTwilio { base_url, state })
    }

    /// The messages accepted so far.
    pub fn sent(&self) -> Vec<Sms> {
        lock(&self.state).sent.clone()
    }

    /// Every request received, accepted or not.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.state).requests.clone()
    }

    /// The next send is refused with this HTTP status and Twilio error code.
    pub fn fail_next(&self, status: u16, code: i64) {
        lock(&self.state).fail.push((status, code));
    }

    /// A client configuration for this fake.
    pub fn config(&self) -> crate::twilio::TwilioConfig {
        crate::twilio::TwilioConfig {
            account_sid: ACCOUNT_SID.into(),
            auth_token: AUTH_TOKEN.into(),
            from: Some(FROM.into()),
            messaging_service_sid: None,
            api_base: self.base_url.clone(),
            status_callback: None,
        }
    }
}
