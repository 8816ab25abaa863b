//! A local OpenAI-compatible speech-to-text service: it checks what the audio API requires (a
//! bearer key when one is set, a multipart body with `model` and `file` parts) and answers
//! `{"text": …}` or OpenAI's error body.

use std::sync::{Arc, Mutex};

use serde_json::json;

use super::http::{self, Request, Response};

pub const API_KEY: &str = "sk-fake-transcription-key";
/// What every recording is heard to say.
pub const TEXT: &str = "Hello, this is the practice calling about your results.";

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    /// The next transcriptions answer with this HTTP status.
    fail: Vec<u16>,
}

#[derive(Clone)]
pub struct FakeTranscription {
    /// The client's `api_base`, with its `/v1`.
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    match state.lock() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}}),
    )
}

fn answer(state: &Mutex<State>, r: &Request) -> Response {
    let mut s = lock(state);
    s.requests.push(r.clone());
    if r.bearer() != Some(API_KEY) {
        return error(401, "Incorrect API key provided.");
    }
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v1/models") => Response::json(
            200,
            json!({"object": "list", "data": [{"id": "whisper-1", "object": "model", "owned_by": "openai-internal"}]}),
        ),
        ("POST", "/v1/audio/transcriptions") => {
            let multipart = r
                .header("content-type")
                .is_some_and(|v| v.starts_with("multipart/form-data"));
            let body = String::from_utf8_lossy(&r.body);
            if !multipart || !body.contains("name=\"model\"") || !body.contains("name=\"file\"") {
                return error(400, "Expected a multipart body with 'file' and 'model'.");
            }
            if !s.fail.is_empty() {
                let status = s.fail.remove(0);
                return error(status, "Simulated failure");
            }
            Response::json(200, json!({"text": TEXT}))
        }
        _ => error(404, "Unknown request URL"),
    }
}

impl FakeTranscription {
    pub async fn start() -> std::io::Result<FakeTranscription> {
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = state.clone();
        let base = http::serve(move |r| answer(&handler_state, r)).await?;
        Ok(FakeTranscription {
            base_url: format!("{base}/v1"),
            state,
        })
    }

    /// Every request received.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.state).requests.clone()
    }

    /// The next transcription is refused with this HTTP status.
    pub fn fail_next(&self, status: u16) {
        lock(&self.state).fail.push(status);
    }

    /// A client configuration for this fake.
    pub fn config(&self) -> crate::transcription::TranscriptionConfig {
        crate::transcription::TranscriptionConfig {
            api_base: self.base_url.clone(),
            api_key: Some(API_KEY.into()),
            model: crate::transcription::DEFAULT_MODEL.into(),
        }
    }
}
