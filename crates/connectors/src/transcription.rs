//! Speech to text through an OpenAI-compatible audio API (`POST {api_base}/audio/transcriptions`,
//! multipart with `file` and `model`, answered `{"text": "…"}`): OpenAI itself, or a local
//! server that speaks the same API. The base is configurable, with any path prefix such as
//! `/v1` kept.

use std::time::Duration;

use serde::Deserialize;

/// OpenAI's API.
pub const API_BASE: &str = "https://api.openai.com/v1";
/// The model asked for when none is configured.
pub const DEFAULT_MODEL: &str = "whisper-1";
/// The largest file the API takes.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

/// Where and how to transcribe. `Debug` leaves the key out.
#[derive(Clone)]
pub struct TranscriptionConfig {
    pub api_base: String,
    /// `None` for a local server that needs no key.
    pub api_key: Option<String>,
    pub model: String,
}

impl std::fmt::Debug for TranscriptionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TranscriptionConfig")
            .field("api_base", &self.api_base)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TranscriptionError {
    /// The service refused the request (401 for a bad key, 413 for a file too large, 429 when
    /// throttled).
    #[error("the speech-to-text service refused the recording (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("the speech-to-text service could not be reached: {0}")]
    Unavailable(String),
    #[error("the speech-to-text service's answer could not be read: {0}")]
    Decode(String),
    #[error("the recording is larger than the 25 MB the service takes")]
    TooLarge,
}

impl TranscriptionError {
    /// Whether trying again later could succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            TranscriptionError::Unavailable(_) | TranscriptionError::Decode(_) => true,
            TranscriptionError::Rejected { status, .. } => *status == 429 || *status >= 500,
            TranscriptionError::TooLarge => false,
        }
    }
}

impl From<reqwest::Error> for TranscriptionError {
    fn from(e: reqwest::Error) -> Self {
        TranscriptionError::Unavailable(e.to_string())
    }
}

#[derive(Deserialize)]
struct Transcript {
    text: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: String,
}

pub struct TranscriptionClient {
    http: reqwest::Client,
    config: TranscriptionConfig,
}

impl TranscriptionClient {
    /// A client with a 10 s connect and 5 minute overall timeout (a long call takes a while).
    pub fn new(config: TranscriptionConfig) -> Result<TranscriptionClient, TranscriptionError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(300))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(TranscriptionClient { http, config })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.api_base.trim_end_matches('/'))
    }

    /// The text spoken in `audio` (named `filename`, of `media_type`).
    pub async fn transcribe(
        &self,
        audio: Vec<u8>,
        filename: &str,
        media_type: &str,
    ) -> Result<String, TranscriptionError> {
        if audio.len() > MAX_BYTES {
            return Err(TranscriptionError::TooLarge);
        }
        let file = reqwest::multipart::Part::bytes(audio)
            .file_name(filename.to_owned())
            .mime_str(media_type)
            .map_err(|e| TranscriptionError::Decode(e.to_string()))?;
        let form = reqwest::multipart::Form::new()
            .text("model", self.config.model.clone())
            .text("response_format", "json")
            .part("file", file);
        let mut request = self.http.post(self.url("/audio/transcriptions"));
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.multipart(form).send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            let t: Transcript = serde_json::from_slice(&bytes)
                .map_err(|e| TranscriptionError::Decode(e.to_string()))?;
            return Ok(t.text.trim().to_owned());
        }
        Err(TranscriptionError::Rejected {
            status: status.as_u16(),
            message: serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|e| e.error.message)
                .unwrap_or_else(|_| status.canonical_reason().unwrap_or("error").to_owned()),
        })
    }

    /// Asks the service whether the key is good, by listing its models (`GET /models`), which
    /// changes nothing.
    pub async fn check(&self) -> Result<(), TranscriptionError> {
        let mut request = self.http.get(self.url("/models"));
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await?;
        Err(TranscriptionError::Rejected {
            status: status.as_u16(),
            message: serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|e| e.error.message)
                .unwrap_or_else(|_| status.canonical_reason().unwrap_or("error").to_owned()),
        })
    }
}
