//! Telephone calls to patients, made from their record through Twilio: the practice's number
//! rings the member of staff first and then connects the patient (click-to-call). A call is an
//! entry in the patient's correspondence that follows it through Twilio's calls to the practice
//! (`webhooks::voice`). A call is recorded only with the patient's consent, asked when it is
//! placed and again as the patient is connected, and the patient hears so before they are
//! connected; the recording is fetched from Twilio by a job, filed encrypted in the patient's
//! documents, transcribed when a speech-to-text service is set up, and deleted from Twilio.

mod handlers;
pub(super) mod queries;
mod recording;

pub(super) use handlers::{call_setup, start_call};
pub use recording::keep_call;

use uuid::Uuid;

use crate::AppState;

/// How long each phone rings before the call gives up.
pub(super) const RING_SECONDS: u32 = 30;

/// The addresses Twilio calls about one call.
pub(super) struct CallUrls {
    /// When the member of staff answers: TwiML that connects the patient.
    pub connect: String,
    /// Played to the patient before they are connected, when the call is recorded.
    pub announce: String,
    /// The patient's leg has ended.
    pub dialed: String,
    /// The recording is ready (or there is none).
    pub recording: String,
    /// The whole call has ended.
    pub status: String,
}

pub(super) fn urls(state: &AppState, entry: Uuid) -> CallUrls {
    let base = format!(
        "{}/api/v1/webhooks/twilio",
        state.settings.public_url.trim_end_matches('/')
    );
    CallUrls {
        connect: format!("{base}/calls/{entry}/connect"),
        announce: format!("{base}/calls/{entry}/announce"),
        dialed: format!("{base}/calls/{entry}/dialed"),
        recording: format!("{base}/calls/{entry}/recording"),
        status: format!("{base}/call-status"),
    }
}

/// Tells the open apps that a call moved on.
pub(super) async fn changed(state: &AppState) {
    if let Err(e) = state
        .events
        .publish(
            &state.db,
            crate::comms::live::CORRESPONDENCE,
            serde_json::json!({}),
        )
        .await
    {
        tracing::warn!(error = %e, "open apps could not be told of a call");
    }
}
