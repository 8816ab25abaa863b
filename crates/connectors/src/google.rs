//! Google Calendar for a practitioner's own account: OAuth2 (web server flow with offline
//! access, refresh, revocation) and Calendar API v3 events (insert with a chosen id, patch,
//! delete, get) plus the primary calendar's identity.
//!
//! Event ids are chosen by the caller (Google accepts base32hex ids of 5 to 1024 characters), so
//! a retried insert after a lost answer meets `409` instead of making a second event. Every
//! address is configurable so tests run this client against a local Google.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// Google's consent page in production.
pub const AUTHORIZE_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint in production.
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's revocation endpoint in production.
pub const REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
/// Calendar API v3 in production.
pub const CALENDAR_BASE: &str = "https://www.googleapis.com/calendar/v3";
/// Events read and write; nothing else in the account.
pub const SCOPE: &str = "https://www.googleapis.com/auth/calendar.events";

/// Where Google lives and the practice's OAuth client there. `Debug` leaves the secret out.
#[derive(Clone)]
pub struct GoogleConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Carebase's callback, registered with the OAuth client.
    pub redirect_uri: String,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
    pub calendar_base: String,
}

impl std::fmt::Debug for GoogleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .field("calendar_base", &self.calendar_base)
            .finish()
    }
}

impl GoogleConfig {
    /// Production addresses for the given OAuth client and callback.
    pub fn production(client_id: &str, client_secret: &str, redirect_uri: &str) -> GoogleConfig {
        GoogleConfig {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            authorize_url: AUTHORIZE_URL.to_owned(),
            token_url: TOKEN_URL.to_owned(),
            revoke_url: REVOKE_URL.to_owned(),
            calendar_base: CALENDAR_BASE.to_owned(),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum GoogleError {
    /// 401 from the Calendar API: the access token is no longer valid; refresh it.
    #[error("Google refused the access token")]
    AuthExpired,
    /// `invalid_grant`: the refresh token was revoked or expired; the person must connect again.
    #[error("Google no longer accepts this connection: {0}")]
    Revoked(String),
    /// 404 or 410: the event (or calendar) is not there.
    #[error("Google has no such event")]
    Gone,
    /// 409: an event with this id exists already (perhaps deleted).
    #[error("Google already has an event with this id")]
    Duplicate,
    /// 429, 5xx, or 403 with a rate-limit reason: try again later.
    #[error("Google asks to try later (HTTP {status}): {message}")]
    Throttled { status: u16, message: String },
    /// Any other refusal.
    #[error("Google refused the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("Google could not be reached: {0}")]
    Unavailable(String),
    #[error("Google's answer could not be read: {0}")]
    Decode(String),
}

impl GoogleError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GoogleError::Throttled { .. } | GoogleError::Unavailable(_) | GoogleError::Decode(_)
        )
    }
}

impl From<reqwest::Error> for GoogleError {
    fn from(e: reqwest::Error) -> Self {
        GoogleError::Unavailable(e.to_string())
    }
}

/// Tokens for one Google account. `Debug` leaves them out.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    /// Given on first consent (Carebase always asks with `prompt=consent`); a refresh keeps the
    /// old one, so it is `None` then.
    pub refresh_token: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub scope: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

/// One event as Carebase writes it: timed, in the practice's zone, with the appointment's id
/// in a private extended property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBody {
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// IANA zone name, such as `Australia/Sydney`.
    pub time_zone: String,
    pub appointment_id: String,
}

impl EventBody {
    /// The JSON Google takes for insert and patch. `confirmed` brings back an event that was
    /// deleted (Google keeps deleted events' ids).
    pub fn to_json(&self, id: Option<&str>) -> Value {
        // Local time with its offset, as Google shows it; UTC if the zone is unknown.
        let local = |t: DateTime<Utc>| match self.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => t.with_timezone(&tz).to_rfc3339(),
            Err(_) => t.to_rfc3339(),
        };
        let mut v = serde_json::json!({
            "summary": self.summary,
            "description": self.description,
            "start": {"dateTime": local(self.start), "timeZone": self.time_zone},
            "end": {"dateTime": local(self.end), "timeZone": self.time_zone},
            "status": "confirmed",
            "extendedProperties": {"private": {"carebaseAppointmentId": self.appointment_id}},
            "reminders": {"useDefault": true},
        });
        if let Some(location) = &self.location {
            v["location"] = Value::String(location.clone());
        }
        if let Some(id) = id {
            v["id"] = Value::String(id.to_owned());
        }
        v
    }
}

/// What Google answered for an event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(default)]
    pub etag: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, rename = "htmlLink")]
    pub html_link: Option<String>,
}

/// An event id for `key` (such as an appointment's UUID) that Google accepts: base32hex
/// characters (`0-9`, `a-v`) only, 5 to 1024 long.
pub fn event_id(key: &str) -> String {
    let hex: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_digit() || ('a'..='v').contains(c))
        .collect();
    format!("carebase{hex}")
}

/// The real client.
#[derive(Debug, Clone)]
pub struct GoogleClient {
    config: GoogleConfig,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: String,
}

/// Google's error bodies: `{"error": "invalid_grant", ...}` from OAuth,
/// `{"error": {"code", "message", "errors": [{"reason"}]}}` from the APIs.
fn read_error(status: u16, body: &[u8]) -> GoogleError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(code) = v.get("error").and_then(Value::as_str) {
        let detail = v
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or(code)
            .to_owned();
        return if code == "invalid_grant" {
            GoogleError::Revoked(detail)
        } else {
            GoogleError::Rejected {
                status,
                message: detail,
            }
        };
    }
    let message = v
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("no detail")
        .to_owned();
    let reason = v
        .pointer("/error/errors/0/reason")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match status {
        401 => GoogleError::AuthExpired,
        404 | 410 => GoogleError::Gone,
        409 => GoogleError::Duplicate,
        429 => GoogleError::Throttled { status, message },
        403 if reason == "rateLimitExceeded" || reason == "userRateLimitExceeded" => {
            GoogleError::Throttled { status, message }
        }
        s if s >= 500 => GoogleError::Throttled { status, message },
        _ => GoogleError::Rejected { status, message },
    }
}

/// A path segment, percent-encoded (calendar ids contain `@`).
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl GoogleClient {
    /// A client with a 10 s connect and 30 s overall timeout per call.
    pub fn new(config: GoogleConfig) -> Result<GoogleClient, GoogleError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(GoogleClient { config, http })
    }

    /// Checks the OAuth client's credentials with a call that changes nothing: a refresh with a
    /// token that does not exist. Google answers `invalid_grant` to a known client and
    /// `invalid_client` to anything else.
    pub async fn check_credentials(&self) -> Result<(), GoogleError> {
        match self.refresh("carebase-connection-check").await {
            Err(GoogleError::Revoked(_)) => Ok(()),
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The consent page: offline access (a refresh token) and consent asked every time, so
    /// that reconnecting always yields a refresh token.
    pub fn authorize_url(&self, state: &str, login_hint: Option<&str>) -> String {
        let mut pairs = vec![
            ("client_id", self.config.client_id.as_str()),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("include_granted_scopes", "true"),
            ("state", state),
        ];
        if let Some(hint) = login_hint {
            pairs.push(("login_hint", hint));
        }
        let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
        format!("{}?{query}", self.config.authorize_url)
    }

    async fn token(&self, grant: &[(&str, &str)]) -> Result<Tokens, GoogleError> {
        let mut form = vec![
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
        ];
        form.extend_from_slice(grant);
        let response = self
            .http
            .post(&self.config.token_url)
            .form(&form)
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        if !(200..300).contains(&status) {
            return Err(read_error(status, &bytes));
        }
        let t: TokenAnswer =
            serde_json::from_slice(&bytes).map_err(|e| GoogleError::Decode(e.to_string()))?;
        Ok(Tokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_at: Utc::now() + chrono::Duration::seconds(t.expires_in.unwrap_or(3599)),
            scope: t.scope,
        })
    }

    /// Trades the code from the consent redirect for tokens.
    pub async fn exchange_code(&self, code: &str) -> Result<Tokens, GoogleError> {
        let redirect = self.config.redirect_uri.clone();
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect),
        ])
        .await
    }

    /// A new access token; `refresh_token` in the answer is `None` (keep the old one).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, GoogleError> {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Revokes the grant (the refresh token and every access token from it).
    pub async fn revoke(&self, token: &str) -> Result<(), GoogleError> {
        let response = self
            .http
            .post(&self.config.revoke_url)
            .form(&[("token", token)])
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        match status {
            200..=299 => Ok(()),
            // Already revoked or expired: the outcome wanted.
            400 => Ok(()),
            _ => Err(read_error(status, &bytes)),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, GoogleError> {
        let url = format!("{}{path}", self.config.calendar_base.trim_end_matches('/'));
        let mut request = self.http.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        if !(200..300).contains(&status) {
            return Err(read_error(status, &bytes));
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| GoogleError::Decode(e.to_string()))
    }

    fn event_from(v: Option<Value>) -> Result<Event, GoogleError> {
        serde_json::from_value(v.unwrap_or(Value::Null))
            .map_err(|e| GoogleError::Decode(e.to_string()))
    }

    /// The calendar's id; for `primary`, the account's email address.
    pub async fn calendar_id(&self, token: &str, calendar: &str) -> Result<String, GoogleError> {
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/calendars/{}", segment(calendar)),
                token,
                None,
            )
            .await?
            .unwrap_or(Value::Null);
        v.get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| GoogleError::Decode("no id in the calendar".into()))
    }

    /// Creates the event with the given id, without emailing anyone.
    pub async fn insert_event(
        &self,
        token: &str,
        calendar: &str,
        id: &str,
        event: &EventBody,
    ) -> Result<Event, GoogleError> {
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("/calendars/{}/events?sendUpdates=none", segment(calendar)),
                token,
                Some(&event.to_json(Some(id))),
            )
            .await?;
        Self::event_from(v)
    }

    /// Rewrites the event's time, text and status (which restores a deleted event).
    pub async fn patch_event(
        &self,
        token: &str,
        calendar: &str,
        id: &str,
        event: &EventBody,
    ) -> Result<Event, GoogleError> {
        let v = self
            .call(
                reqwest::Method::PATCH,
                &format!(
                    "/calendars/{}/events/{}?sendUpdates=none",
                    segment(calendar),
                    segment(id)
                ),
                token,
                Some(&event.to_json(None)),
            )
            .await?;
        Self::event_from(v)
    }

    /// Deletes the event; one that is gone already counts as deleted.
    pub async fn delete_event(
        &self,
        token: &str,
        calendar: &str,
        id: &str,
    ) -> Result<(), GoogleError> {
        match self
            .call(
                reqwest::Method::DELETE,
                &format!(
                    "/calendars/{}/events/{}?sendUpdates=none",
                    segment(calendar),
                    segment(id)
                ),
                token,
                None,
            )
            .await
        {
            Ok(_) | Err(GoogleError::Gone) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Makes the event match `event`: patches it, creates it when it is missing, and restores it
    /// when an insert meets an event with this id (a retry, or one deleted earlier).
    pub async fn put_event(
        &self,
        token: &str,
        calendar: &str,
        id: &str,
        event: &EventBody,
        known: bool,
    ) -> Result<Event, GoogleError> {
        if known {
            match self.patch_event(token, calendar, id, event).await {
                Err(GoogleError::Gone) => {}
                other => return other,
            }
        }
        match self.insert_event(token, calendar, id, event).await {
            Err(GoogleError::Duplicate) => self.patch_event(token, calendar, id, event).await,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_base32hex() {
        let id = event_id("0193f0e2-7c1a-7b3e-9f00-aabbccddeeff");
        assert_eq!(id, "carebase0193f0e27c1a7b3e9f00aabbccddeeff");
        assert!(id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c)));
        assert!((5..=1024).contains(&id.len()));
    }

    #[test]
    fn errors_are_read_as_google_documents_them() {
        assert!(matches!(
            read_error(
                400,
                br#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#
            ),
            GoogleError::Revoked(d) if d.contains("revoked")
        ));
        let limited = br#"{"error":{"code":403,"message":"Rate Limit Exceeded","errors":[{"domain":"usageLimits","reason":"rateLimitExceeded"}]}}"#;
        assert!(read_error(403, limited).is_transient());
        let forbidden =
            br#"{"error":{"code":403,"message":"Forbidden","errors":[{"reason":"forbidden"}]}}"#;
        assert!(!read_error(403, forbidden).is_transient());
        assert!(matches!(read_error(410, b""), GoogleError::Gone));
        assert!(matches!(read_error(409, b"{}"), GoogleError::Duplicate));
        assert!(matches!(read_error(401, b"{}"), GoogleError::AuthExpired));
        assert!(read_error(503, b"").is_transient());
    }

    #[test]
    fn calendar_ids_are_escaped_in_paths() {
        assert_eq!(segment("dr.lee@example.com"), "dr.lee%40example.com");
    }

    #[test]
    fn debug_keeps_secrets_out() {
        let c = GoogleConfig::production("id", "shh-secret", "http://x/cb");
        assert!(!format!("{c:?}").contains("shh-secret"));
        let t = Tokens {
            access_token: "ya29.secret".into(),
            refresh_token: Some("1//secret".into()),
            expires_at: Utc::now(),
            scope: SCOPE.into(),
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("ya29") && !shown.contains("1//"));
    }
}
