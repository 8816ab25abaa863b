//! Twilio Programmable Voice: placing a call (`POST /Accounts/{AccountSid}/Calls.json`), and
//! fetching and deleting a call's recording (`GET /Recordings/{RecordingSid}.mp3`,
//! `DELETE /Recordings/{RecordingSid}.json`), so the only copy is the practice's.

use serde::Deserialize;

use super::{rejected, TwilioClient, TwilioError};

/// A call to place: Twilio rings `to` from the practice's number and, once answered, asks
/// `answer_url` what to do.
#[derive(Debug, Clone)]
pub struct PlaceCall<'a> {
    /// E.164.
    pub to: &'a str,
    /// The TwiML address Twilio posts to when `to` answers.
    pub answer_url: &'a str,
    /// Where Twilio reports the call's end (`completed`, `busy`, `no-answer`, `failed`…).
    pub status_callback: &'a str,
    /// Seconds to let `to` ring.
    pub ring_seconds: u32,
}

/// A call Twilio accepted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlacedCall {
    /// `CA…`.
    pub sid: String,
    /// `queued`, `ringing`, …
    pub status: String,
}

/// A recording SID as Twilio writes them: `RE` and 32 hex digits. Only such an id is put in a
/// URL.
pub fn is_recording_sid(sid: &str) -> bool {
    sid.len() == 34 && sid.starts_with("RE") && sid[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl TwilioClient {
    /// Places a call from the practice's number.
    pub async fn place_call(&self, call: PlaceCall<'_>) -> Result<PlacedCall, TwilioError> {
        let from = self.config.from.as_deref().ok_or_else(|| {
            TwilioError::Config("calls need the practice's Twilio number (from)".into())
        })?;
        let ring = call.ring_seconds.to_string();
        let form = [
            ("To", call.to),
            ("From", from),
            ("Url", call.answer_url),
            ("Method", "POST"),
            ("StatusCallback", call.status_callback),
            ("StatusCallbackMethod", "POST"),
            ("StatusCallbackEvent", "completed"),
            ("Timeout", ring.as_str()),
        ];
        let response = self
            .http
            .post(self.account_url("/Calls.json"))
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

    /// A recording's audio, as MP3.
    pub async fn recording_audio(&self, recording_sid: &str) -> Result<Vec<u8>, TwilioError> {
        if !is_recording_sid(recording_sid) {
            return Err(TwilioError::Config(format!(
                "{recording_sid:?} is not a recording SID"
            )));
        }
        let response = self
            .http
            .get(self.account_url(&format!("/Recordings/{recording_sid}.mp3")))
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(rejected(status, &bytes))
    }

    /// Deletes a recording from Twilio once the practice has its copy. A recording already gone
    /// counts as deleted.
    pub async fn delete_recording(&self, recording_sid: &str) -> Result<(), TwilioError> {
        if !is_recording_sid(recording_sid) {
            return Err(TwilioError::Config(format!(
                "{recording_sid:?} is not a recording SID"
            )));
        }
        let response = self
            .http
            .delete(self.account_url(&format!("/Recordings/{recording_sid}.json")))
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .send()
            .await?;
        let status = response.status();
        if status.is_success() || status == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        let bytes = response.bytes().await?;
        Err(rejected(status, &bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_recording_sid_goes_into_a_url() {
        assert!(is_recording_sid("RE0123456789abcdef0123456789abcdef"));
        assert!(!is_recording_sid("RE0123456789abcdef0123456789abcde/"));
        assert!(!is_recording_sid("../../Messages"));
        assert!(!is_recording_sid("CA0123456789abcdef0123456789abcdef"));
    }
}
