//! Twilio Programmable Messaging: sending SMS through the REST API
//! (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth with the account SID
//! and auth token, a form body with `To`, `From` or `MessagingServiceSid`, `Body` and
//! `StatusCallback`), placing calls and fetching their recordings (`voice`), writing the TwiML
//! that answers Twilio's calls (`twiml`), and checking the `X-Twilio-Signature` of the webhooks Twilio calls. The
//! base URL is configurable so that tests run this client against a local Twilio.

mod signature;
pub mod twiml;
mod voice;

pub use signature::{signature, verify_signature};
pub use voice::{is_recording_sid, PlaceCall, PlacedCall};

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Twilio's REST API in production.
pub const API_BASE: &str = "https://api.twilio.com";

/// An account and the sender messages come from. `Debug` leaves the token out.
#[derive(Clone)]
pub struct TwilioConfig {
    /// `AC…`.
    pub account_sid: String,
    pub auth_token: String,
    /// The sending number (E.164); used when there is no messaging service.
    pub from: Option<String>,
    /// `MG…`: a messaging service chooses the sender.
    pub messaging_service_sid: Option<String>,
    /// `https://api.twilio.com` in production.
    pub api_base: String,
    /// Where Twilio reports each message's delivery (`StatusCallback`), if anywhere.
    pub status_callback: Option<String>,
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("from", &self.from)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("api_base", &self.api_base)
            .field("status_callback", &self.status_callback)
            .finish()
    }
}

/// A message Twilio accepted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SentMessage {
    /// `SM…`.
    pub sid: String,
    /// `queued`, `accepted`, `sending`, `sent`, …
    pub status: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio refused the request: `code` is Twilio's error code (21211 for an invalid number,
    /// 21610 for a recipient who unsubscribed, 20003 for bad credentials, 20429 when throttled).
    #[error("Twilio refused the message (HTTP {status}, error {code}): {message}")]
    Rejected {
        status: u16,
        code: i64,
        message: String,
    },
    #[error("Twilio could not be reached: {0}")]
    Unavailable(String),
    #[error("Twilio's answer could not be read: {0}")]
    Decode(String),
    #[error("the Twilio configuration is incomplete: {0}")]
    Config(String),
}

impl TwilioError {
    /// Whether trying again later could succeed: network failures, throttling and Twilio's own
    /// errors, but not a refusal of this message.
    pub fn is_transient(&self) -> bool {
        match self {
            TwilioError::Unavailable(_) | TwilioError::Decode(_) => true,
            TwilioError::Rejected { status, .. } => *status == 429 || *status >= 500,
            TwilioError::Config(_) => false,
        }
    }
}

impl From<reqwest::Error> for TwilioError {
    fn from(e: reqwest::Error) -> Self {
        TwilioError::Unavailable(e.to_string())
    }
}

/// Something that sends SMS.
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `body` to `to` (E.164, such as `+61412345678`).
    async fn send_sms(&self, to: &str, body: &str) -> Result<SentMessage, TwilioError>;

    /// The message with this `body` the provider accepted for `to` since `since`, if any: how a
    /// server stopped while handing a message over learns whether it went, so that it neither
    /// loses it nor sends it twice.
    async fn find_sent(
        &self,
        to: &str,
        body: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<SentMessage>, TwilioError>;
}

/// A page of the account's messages, newest first.
#[derive(Deserialize)]
struct MessagePage {
    messages: Vec<ListedMessage>,
    #[serde(default)]
    next_page_uri: Option<String>,
}

#[derive(Deserialize)]
struct ListedMessage {
    sid: String,
    status: String,
    #[serde(default)]
    body: String,
    /// RFC 2822, such as `Tue, 27 Nov 2018 16:14:39 +0000`.
    #[serde(default)]
    date_created: Option<String>,
}

/// How far back a message's creation may read before the moment its handover began: Twilio's
/// clock and ours may differ a little.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// Pages read looking for one message (newest first, 50 a page).
const FIND_PAGES: usize = 4;

pub struct TwilioClient {
    http: reqwest::Client,
    config: TwilioConfig,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

impl TwilioClient {
    /// The account's auth token, which also signs Twilio's webhooks.
    pub fn auth_token(&self) -> &str {
        &self.config.auth_token
    }

    /// A client with a 10 s connect and 30 s overall timeout per call.
    pub fn new(config: TwilioConfig) -> Result<TwilioClient, TwilioError> {
        if config.from.is_none() && config.messaging_service_sid.is_none() {
            return Err(TwilioError::Config(
                "give a sending number (from) or a messaging service SID".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(TwilioClient { http, config })
    }

    /// Asks Twilio whether the account SID and auth token are good, by reading the account
    /// (`GET /2010-04-01/Accounts/{AccountSid}.json`), which changes nothing.
    pub async fn check_credentials(&self) -> Result<(), TwilioError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}.json",
            self.config.api_base.trim_end_matches('/'),
            self.config.account_sid
        );
        let response = self
            .http
            .get(url)
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await?;
        Err(rejected(status, &bytes))
    }

    /// `path` under the account, such as `/Messages.json`.
    fn account_url(&self, path: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}{path}",
            self.config.api_base.trim_end_matches('/'),
            self.config.account_sid
        )
    }

    fn messages_url(&self) -> String {
        self.account_url("/Messages.json")
    }

    /// The practice's own number, which calls come from; `None` when only a messaging service
    /// is set up (it sends SMS but cannot place calls).
    pub fn number(&self) -> Option<&str> {
        self.config.from.as_deref()
    }
}

#[async_trait::async_trait]
impl SmsSender for TwilioClient {
    async fn send_sms(&self, to: &str, body: &str) -> Result<SentMessage, TwilioError> {
        let mut form = vec![("To", to), ("Body", body)];
        match (&self.config.messaging_service_sid, &self.config.from) {
            (Some(service), _) => form.push(("MessagingServiceSid", service)),
            (None, Some(from)) => form.push(("From", from)),
            (None, None) => return Err(TwilioError::Config("no sender".into())),
        }
        if let Some(callback) = &self.config.status_callback {
            form.push(("StatusCallback", callback));
        }
        let response = self
            .http
            .post(self.messages_url())
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .form(&form)
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| TwilioError::Decode(e.to_string()));
        }
        Err(rejected(status, &bytes))
    }

    async fn find_sent(
        &self,
        to: &str,
        body: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<SentMessage>, TwilioError> {
        let mut next: Option<String> = None;
        for _ in 0..FIND_PAGES {
            let page = self.message_page(to, next.as_deref()).await?;
            let mut older = false;
            for m in page.messages {
                let created = m
                    .date_created
                    .as_deref()
                    .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
                    .map(|d| d.with_timezone(&Utc));
                if created.is_some_and(|c| c < since - CLOCK_SKEW) {
                    older = true;
                    continue;
                }
                if m.body == body {
                    return Ok(Some(SentMessage {
                        sid: m.sid,
                        status: m.status,
                    }));
                }
            }
            match page.next_page_uri {
                Some(uri) if !older => next = Some(uri),
                _ => break,
            }
        }
        Ok(None)
    }
}

impl TwilioClient {
    /// One page of the list: the first (`To`, our sender, 50 a page) or the one `next` names.
    async fn message_page(&self, to: &str, next: Option<&str>) -> Result<MessagePage, TwilioError> {
        let request = match next {
            Some(uri) => self.http.get(format!(
                "{}{uri}",
                self.config.api_base.trim_end_matches('/')
            )),
            None => {
                let mut query = vec![("To", to), ("PageSize", "50")];
                if let (None, Some(from)) = (&self.config.messaging_service_sid, &self.config.from)
                {
                    query.push(("From", from));
                }
                self.http.get(self.messages_url()).query(&query)
            }
        };
        let response = request
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(rejected(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| TwilioError::Decode(e.to_string()))
    }
}

/// Twilio's refusal, from its error body.
fn rejected(status: reqwest::StatusCode, bytes: &[u8]) -> TwilioError {
    let error: ErrorBody = serde_json::from_slice(bytes).unwrap_or(ErrorBody {
        code: None,
        message: None,
    });
    TwilioError::Rejected {
        status: status.as_u16(),
        code: error.code.unwrap_or(0),
        message: error
            .message
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
    }
}
