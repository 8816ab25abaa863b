//! Calls providers make to the practice, each checked for the provider's signature and logged.

mod log;
mod mailgun;
mod twilio;
mod voice;

pub use log::last_call as last_provider_call;
pub(super) use log::{list_webhook_events, prune as prune_log};
pub(super) use mailgun::{file_held, mailgun_message};
pub(super) use twilio::{twilio_message, twilio_message_status};
pub(super) use voice::{
    twilio_call_announce, twilio_call_connect, twilio_call_dialed, twilio_call_recording,
    twilio_call_status,
};

/// The shapes providers post, for the API document: the handlers read and sign-check every
/// parameter as it comes, since providers add parameters without notice.
#[allow(dead_code)]
mod forms {
    use serde::Deserialize;
    use utoipa::ToSchema;

    /// What Twilio posts for an incoming SMS (among others; every parameter is signed).
    #[derive(Deserialize, ToSchema)]
    #[serde(rename_all = "PascalCase")]
    pub struct TwilioIncomingMessage {
        /// `SM…`, unique per message.
        pub message_sid: String,
        pub account_sid: String,
        /// The sender, E.164.
        pub from: String,
        /// The practice's number.
        pub to: String,
        pub body: String,
        pub num_media: Option<String>,
    }

    /// What Twilio posts when a message the practice sent changes status.
    #[derive(Deserialize, ToSchema)]
    #[serde(rename_all = "PascalCase")]
    pub struct TwilioMessageStatus {
        pub message_sid: String,
        /// `queued`, `sent`, `delivered`, `undelivered`, `failed`, `read`, …
        pub message_status: String,
        pub account_sid: String,
        pub error_code: Option<String>,
    }

    /// What Twilio posts when it asks what to do with a call (among others; every parameter
    /// is signed).
    #[derive(Deserialize, ToSchema)]
    #[serde(rename_all = "PascalCase")]
    pub struct TwilioCall {
        /// `CA…`.
        pub call_sid: String,
        pub account_sid: String,
        pub from: String,
        pub to: String,
        /// `ringing`, `in-progress`, …
        pub call_status: String,
        pub direction: Option<String>,
    }

    /// What Twilio posts when the number a call dialled has hung up or was not reached.
    #[derive(Deserialize, ToSchema)]
    #[serde(rename_all = "PascalCase")]
    pub struct TwilioDialStatus {
        pub call_sid: String,
        pub account_sid: String,
        /// `completed`, `busy`, `no-answer`, `failed`, `canceled`.
        pub dial_call_status: String,
        /// Seconds, when answered.
        pub dial_call_duration: Option<String>,
    }

    /// What Twilio posts when a call ends.
    #[derive(Deserialize, ToSchema)]
    #[serde(rename_all = "PascalCase")]
    pub struct TwilioCallStatus {
        pub call_sid: String,
        pub account_sid: String,
        /// `completed`, `busy`, `no-answer`, `failed`, `canceled`, …
        pub call_status: String,
        pub call_duration: Option<String>,
    }

    /// What Twilio posts when a call's recording is ready, or there is none.
    #[derive(Deserialize, ToSchema)]
    #[serde(rename_all = "PascalCase")]
    pub struct TwilioRecordingStatus {
        pub call_sid: String,
        pub account_sid: String,
        /// `RE…`.
        pub recording_sid: String,
        pub recording_url: String,
        /// `completed`, `absent`, `failed`.
        pub recording_status: String,
        pub recording_duration: Option<String>,
    }

    /// What Mailgun's inbound route posts for an email (attachments as `attachment-1…n` files).
    #[derive(Deserialize, ToSchema)]
    pub struct MailgunInboundEmail {
        pub sender: String,
        pub from: String,
        pub subject: String,
        #[serde(rename = "body-plain")]
        pub body_plain: String,
        #[serde(rename = "stripped-text")]
        pub stripped_text: Option<String>,
        #[serde(rename = "Message-Id")]
        pub message_id: Option<String>,
        /// Unix seconds.
        pub timestamp: String,
        pub token: String,
        /// hex(HMAC-SHA256(webhook signing key, timestamp + token)).
        pub signature: String,
    }
}
