//! Calls providers make to the practice, each checked for the provider's signature and logged.

mod log;
mod mailgun;
mod twilio;

pub use log::last_call as last_provider_call;
pub(super) use log::{list_webhook_events, prune as prune_log};
pub(super) use mailgun::{file_held, mailgun_message};
pub(super) use twilio::{twilio_message, twilio_message_status};

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
