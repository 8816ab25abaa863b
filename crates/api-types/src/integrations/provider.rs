//! The outside services the practice can connect, what each gives it and the credentials it
//! takes.

use serde::{Deserialize, Serialize};

/// An outside service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Withings: patients' scales, blood-pressure monitors, watches and sleep trackers.
    Withings,
    /// Google: practitioners' calendars.
    Google,
    /// Twilio: SMS to and from patients.
    Twilio,
    /// Mailgun: patients' emails to the practice.
    Mailgun,
    /// An OpenAI-compatible speech-to-text service: transcripts of recorded calls.
    Transcription,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::Withings,
        Provider::Google,
        Provider::Twilio,
        Provider::Mailgun,
        Provider::Transcription,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Withings => "withings",
            Provider::Google => "google",
            Provider::Twilio => "twilio",
            Provider::Mailgun => "mailgun",
            Provider::Transcription => "transcription",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::Withings => "Withings",
            Provider::Google => "Google Calendar",
            Provider::Twilio => "Twilio",
            Provider::Mailgun => "Mailgun",
            Provider::Transcription => "Speech to text",
        }
    }

    /// What connecting it gives the practice.
    pub fn purpose(self) -> &'static str {
        match self {
            Provider::Withings => {
                "Patients connect their Withings devices; readings arrive in their health record."
            }
            Provider::Google => {
                "Practitioners see their appointments in their own Google Calendar."
            }
            Provider::Twilio => {
                "Appointment messages, reminders and staff messages go out by SMS, patients' replies arrive in their correspondence, and staff call patients from their record."
            }
            Provider::Mailgun => {
                "Patients' emails to the practice arrive in their correspondence, with attachments filed in their documents."
            }
            Provider::Transcription => {
                "Recorded calls are transcribed (OpenAI's audio API or any server that speaks it), and the transcript is kept on the call."
            }
        }
    }

    /// Where the address the provider calls back is registered with it; `None` for a provider
    /// that never calls the practice.
    pub fn callback_hint(self) -> Option<&'static str> {
        Some(match self {
            Provider::Withings | Provider::Google => "Register this redirect address with",
            Provider::Twilio => {
                "Set this as the \"A message comes in\" webhook (HTTP POST) of the practice's number in"
            }
            Provider::Mailgun => {
                "Forward the practice's inbound route (forward()) to this address in"
            }
            Provider::Transcription => return None,
        })
    }

    /// The credentials it takes, in the order a form shows them.
    pub fn fields(self) -> &'static [ProviderField] {
        match self {
            Provider::Withings => &[
                ProviderField {
                    name: "client_id",
                    label: "Client ID",
                    secret: false,
                    required: true,
                    hint: "From the Withings developer dashboard.",
                },
                ProviderField {
                    name: "client_secret",
                    label: "Client secret",
                    secret: true,
                    required: true,
                    hint: "Kept encrypted; never shown again.",
                },
                ProviderField {
                    name: "api_base",
                    label: "API address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for https://wbsapi.withings.net.",
                },
                ProviderField {
                    name: "authorize_base",
                    label: "Consent page address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for https://account.withings.com.",
                },
            ],
            Provider::Google => &[
                ProviderField {
                    name: "client_id",
                    label: "OAuth client ID",
                    secret: false,
                    required: true,
                    hint: "From the Google Cloud console (a web application client).",
                },
                ProviderField {
                    name: "client_secret",
                    label: "OAuth client secret",
                    secret: true,
                    required: true,
                    hint: "Kept encrypted; never shown again.",
                },
                ProviderField {
                    name: "authorize_url",
                    label: "Consent page address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for Google's.",
                },
                ProviderField {
                    name: "token_url",
                    label: "Token address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for Google's.",
                },
                ProviderField {
                    name: "revoke_url",
                    label: "Revocation address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for Google's.",
                },
                ProviderField {
                    name: "calendar_base",
                    label: "Calendar API address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for Google's.",
                },
            ],
            Provider::Twilio => &[
                ProviderField {
                    name: "account_sid",
                    label: "Account SID",
                    secret: false,
                    required: true,
                    hint: "Starts with AC; from the Twilio console.",
                },
                ProviderField {
                    name: "auth_token",
                    label: "Auth token",
                    secret: true,
                    required: true,
                    hint: "Kept encrypted; never shown again. It also signs Twilio's calls to Carebase.",
                },
                ProviderField {
                    name: "from",
                    label: "Sending number",
                    secret: false,
                    required: false,
                    hint: "The practice's Twilio number in international form, such as +61480000000 (or give a messaging service).",
                },
                ProviderField {
                    name: "messaging_service_sid",
                    label: "Messaging service SID",
                    secret: false,
                    required: false,
                    hint: "Starts with MG; used instead of the sending number when given.",
                },
                ProviderField {
                    name: "api_base",
                    label: "API address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for https://api.twilio.com.",
                },
            ],
            Provider::Mailgun => &[ProviderField {
                name: "webhook_signing_key",
                label: "Webhook signing key",
                secret: true,
                required: true,
                hint: "From Mailgun's dashboard (Sending → Webhooks); it signs every email Mailgun forwards. Kept encrypted; never shown again.",
            }],
            Provider::Transcription => &[
                ProviderField {
                    name: "api_base",
                    label: "API address",
                    secret: false,
                    required: false,
                    hint: "Leave empty for https://api.openai.com/v1; a local server is often http://localhost:8000/v1.",
                },
                ProviderField {
                    name: "api_key",
                    label: "API key",
                    secret: true,
                    required: false,
                    hint: "Kept encrypted; never shown again. A local server may need none.",
                },
                ProviderField {
                    name: "model",
                    label: "Model",
                    secret: false,
                    required: false,
                    hint: "Leave empty for whisper-1.",
                },
            ],
        }
    }
}

/// One credential a provider takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderField {
    pub name: &'static str,
    pub label: &'static str,
    /// Never sent back once saved.
    pub secret: bool,
    pub required: bool,
    pub hint: &'static str,
}
