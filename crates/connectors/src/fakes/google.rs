//! A local Google for Calendar sync: the OAuth2 consent page (which consents at once and sends
//! the browser back with a code), the token endpoint (authorization code and refresh, with
//! `invalid_grant` once the grant is revoked), revocation, and Calendar API v3 events (insert
//! with a client-chosen id, patch, delete, get, list) with Google's status codes and error
//! bodies. It checks each request as Google's documentation requires and records it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::http::{self, Request, Response};

pub const CLIENT_ID: &str = "fake-google-client.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "fake-google-secret";
/// The code the consent page issues.
pub const CODE: &str = "4/fake-google-code";
/// The account that consents; its primary calendar has this id.
pub const ACCOUNT: &str = "dr.practitioner@gmail.example";
const REFRESH_TOKEN: &str = "1//fake-google-refresh";

#[derive(Default)]
struct State {
    redirect_uri: String,
    access_tokens: Vec<String>,
    issued: u32,
    revoked: bool,
    /// Events by calendar id, then event id.
    calendars: BTreeMap<String, BTreeMap<String, Value>>,
    etag: u64,
    fail: Vec<u16>,
    requests: Vec<Request>,
}

#[derive(Clone)]
pub struct FakeGoogle {
    /// Where it listens, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    match state.lock() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn api_error(code: u16, status: &str, reason: &str, message: &str) -> Response {
    Response::json(
        code,
        json!({"error": {
            "code": code,
            "message": message,
            "status": status,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
        }}),
    )
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        json!({"error": error, "error_description": description}),
    )
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c))
}

fn valid_time(v: &Value) -> bool {
    v.get("dateTime")
        .and_then(Value::as_str)
        .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
        || v.get("date").and_then(Value::as_str).is_some()
}

fn authorize(s: &State, r: &Request) -> Response {
    let q = |k: &str| r.query_value(k).unwrap_or_default().to_owned();
    if q("client_id") != CLIENT_ID {
        return oauth_error(401, "invalid_client", "The OAuth client was not found.");
    }
    if q("redirect_uri") != s.redirect_uri {
        return oauth_error(400, "redirect_uri_mismatch", "Bad redirect_uri.");
    }
    if q("response_type") != "code" || !q("scope").contains("calendar") {
        return oauth_error(400, "invalid_request", "Bad response_type or scope.");
    }
    let back = format!(
        "{}?{}",
        s.redirect_uri,
        serde_urlencoded::to_string([
            ("state", q("state")),
            ("code", CODE.to_owned()),
            ("scope", q("scope")),
        ])
        .unwrap_or_default()
    );
    Response::redirect(&back)
}

fn token(s: &mut State, r: &Request) -> Response {
    if r.method != "POST" || !r.is_form() {
        return oauth_error(400, "invalid_request", "POST a form.");
    }
    let f = r.form();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID || get("client_secret") != CLIENT_SECRET {
        return oauth_error(401, "invalid_client", "Unauthorized");
    }
    let first = match get("grant_type").as_str() {
        "authorization_code" => {
            if get("code") != CODE || get("redirect_uri") != s.redirect_uri {
                return oauth_error(400, "invalid_grant", "Malformed auth code.");
            }
            s.revoked = false;
            true
        }
        "refresh_token" => {
            if s.revoked || get("refresh_token") != REFRESH_TOKEN {
                return oauth_error(400, "invalid_grant", "Token has been expired or revoked.");
            }
            false
        }
        _ => return oauth_error(400, "unsupported_grant_type", "Invalid grant_type."),
    };
    s.issued += 1;
    let access = format!("ya29.fake-{}", s.issued);
    s.access_tokens.push(access.clone());
    let mut body = json!({
        "access_token": access,
        "expires_in": 3599,
        "scope": crate::google::SCOPE,
        "token_type": "Bearer",
    });
    if first {
        body["refresh_token"] = json!(REFRESH_TOKEN);
    }
    Response::json(200, body)
}

fn calendar(s: &mut State, r: &Request) -> Response {
    let authorized = r
        .bearer()
        .is_some_and(|t| !s.revoked && s.access_tokens.iter().any(|a| a == t));
    if !authorized {
        return api_error(
            401,
            "UNAUTHENTICATED",
            "authError",
            "Request had invalid authentication credentials.",
        );
    }
    if let Some(status) = (!s.fail.is_empty()).then(|| s.fail.remove(0)) {
        return match status {
            403 => api_error(
                403,
                "PERMISSION_DENIED",
                "rateLimitExceeded",
                "Rate Limit Exceeded",
            ),
            _ => api_error(status, "UNAVAILABLE", "backendError", "Backend Error"),
        };
    }
    let rest = r.path.trim_start_matches("/calendar/v3/calendars/");
    let parts: Vec<String> = rest.split('/').map(decode).collect();
    let cal = match parts[0].as_str() {
        "primary" => ACCOUNT.to_owned(),
        other => other.to_owned(),
    };
    if cal != ACCOUNT {
        return api_error(404, "NOT_FOUND", "notFound", "Not Found");
    }
    match (r.method.as_str(), parts.len()) {
        ("GET", 1) => Response::json(
            200,
            json!({"kind": "calendar#calendar", "id": ACCOUNT, "summary": ACCOUNT, "timeZone": "Australia/Sydney"}),
        ),
        ("GET", 2) if parts[1] == "events" => {
            let deleted = r.query_value("showDeleted") == Some("true");
            let items: Vec<Value> = s
                .calendars
                .get(&cal)
                .into_iter()
                .flat_map(|events| events.values())
                .filter(|e| deleted || e["status"] != "cancelled")
                .cloned()
                .collect();
            Response::json(
                200,
                json!({"kind": "calendar#events", "items": items, "nextSyncToken": "fake-sync"}),
            )
        }
        ("POST", 2) if parts[1] == "events" => {
            let Some(mut body) = r.json().filter(|b| b.is_object()) else {
                return api_error(400, "INVALID_ARGUMENT", "parseError", "Parse Error");
            };
            if !valid_time(&body["start"]) || !valid_time(&body["end"]) {
                return api_error(400, "INVALID_ARGUMENT", "required", "Missing time.");
            }
            let id = body["id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{:026}", s.etag + 1));
            if !valid_event_id(&id) {
                return api_error(
                    400,
                    "INVALID_ARGUMENT",
                    "invalid",
                    "Invalid resource id value.",
                );
            }
            if s.calendars.get(&cal).is_some_and(|c| c.contains_key(&id)) {
                return api_error(
                    409,
                    "ALREADY_EXISTS",
                    "duplicate",
                    "The requested identifier already exists.",
                );
            }
            s.etag += 1;
            body["id"] = json!(id);
            body["kind"] = json!("calendar#event");
            body["etag"] = json!(format!("\"{}\"", 3_181_161_784_712_000 + s.etag));
            body["status"] = json!("confirmed");
            body["sequence"] = json!(0);
            body["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={id}"));
            s.calendars.entry(cal).or_default().insert(id, body.clone());
            Response::json(200, body)
        }
        (method, 3) if parts[1] == "events" => {
            let id = parts[2].clone();
            s.etag += 1;
            let etag = format!("\"{}\"", 3_181_161_784_712_000 + s.etag);
            let Some(event) = s.calendars.get_mut(&cal).and_then(|c| c.get_mut(&id)) else {
                return api_error(404, "NOT_FOUND", "notFound", "Not Found");
            };
            match method {
                "GET" => Response::json(200, event.clone()),
                "DELETE" if event["status"] == "cancelled" => {
                    api_error(410, "GONE", "deleted", "Resource has been deleted")
                }
                "DELETE" => {
                    event["status"] = json!("cancelled");
                    event["etag"] = json!(etag);
                    Response::empty(204)
                }
                "PATCH" => {
                    let Some(patch) = r.json().and_then(|b| b.as_object().cloned()) else {
                        return api_error(400, "INVALID_ARGUMENT", "parseError", "Parse Error");
                    };
                    if event["status"] == "cancelled"
                        && patch.get("status") != Some(&json!("confirmed"))
                    {
                        return api_error(410, "GONE", "deleted", "Resource has been deleted");
                    }
                    for (k, v) in patch {
                        event[k] = v;
                    }
                    event["sequence"] = json!(event["sequence"].as_i64().unwrap_or(0) + 1);
                    event["etag"] = json!(etag);
                    Response::json(200, event.clone())
                }
                _ => api_error(
                    405,
                    "METHOD_NOT_ALLOWED",
                    "badRequest",
                    "Method not allowed",
                ),
            }
        }
        _ => api_error(404, "NOT_FOUND", "notFound", "Not Found"),
    }
}

fn answer(state: &Mutex<State>, r: &Request) -> Response {
    let mut s = lock(state);
    s.requests.push(r.clone());
    match r.path.as_str() {
        "/o/oauth2/v2/auth" => authorize(&s, r),
        "/token" => token(&mut s, r),
        "/revoke" => {
            let token = r.form().get("token").cloned().unwrap_or_default();
            if token == REFRESH_TOKEN || s.access_tokens.contains(&token) {
                s.revoked = true;
                s.access_tokens.clear();
                Response::empty(200)
            } else {
                oauth_error(400, "invalid_token", "Token expired or revoked")
            }
        }
        p if p.starts_with("/calendar/v3/calendars/") => calendar(&mut s, r),
        _ => api_error(404, "NOT_FOUND", "notFound", "Not Found"),
    }
}

impl FakeGoogle {
    /// Starts the fake; `redirect_uri` is the one the OAuth client registered.
    pub async fn start(redirect_uri: &str) -> std::io::Result<FakeGoogle> {
        let state = Arc::new(Mutex::new(State {
            redirect_uri: redirect_uri.to_owned(),
            ..State::default()
        }));
        let handler_state = state.clone();
        let base_url = http::serve(move |r| answer(&handler_state, r)).await?;
        Ok(FakeGoogle { base_url, state })
    }

    /// A client configuration for this fake.
    pub fn config(&self) -> crate::google::GoogleConfig {
        let s = lock(&self.state);
        crate::google::GoogleConfig {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: s.redirect_uri.clone(),
            authorize_url: format!("{}/o/oauth2/v2/auth", self.base_url),
            token_url: format!("{}/token", self.base_url),
            revoke_url: format!("{}/revoke", self.base_url),
            calendar_base: format!("{}/calendar/v3", self.base_url),
        }
    }

    /// The account's events that are not deleted, by id.
    pub fn events(&self) -> BTreeMap<String, Value> {
        lock(&self.state)
            .calendars
            .get(ACCOUNT)
            .map(|c| {
                c.iter()
                    .filter(|(_, e)| e["status"] != "cancelled")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every event, deleted ones included.
    pub fn all_events(&self) -> BTreeMap<String, Value> {
        lock(&self.state)
            .calendars
            .get(ACCOUNT)
            .cloned()
            .unwrap_or_default()
    }

    /// Access tokens issued so far stop working (as when they expire early).
    pub fn expire_access_tokens(&self) {
        lock(&self.state).access_tokens.clear();
    }

    /// The person revokes Carebase's access in their Google account.
    pub fn revoke_grant(&self) {
        let mut s = lock(&self.state);
        s.revoked = true;
        s.access_tokens.clear();
    }

    /// Whether the grant has been revoked.
    pub fn is_revoked(&self) -> bool {
        lock(&self.state).revoked
    }

    /// The next Calendar API call answers with this HTTP status (403 is a rate limit).
    pub fn fail_next(&self, status: u16) {
        lock(&self.state).fail.push(status);
    }

    /// Every request received.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.state).requests.clone()
    }
}
