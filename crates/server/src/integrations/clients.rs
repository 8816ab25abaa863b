//! The clients other domains use to talk to each provider, built from the effective
//! credentials: the server's configuration when it has them, else what an administrator saved.
//! Clients built from saved credentials are kept for half a minute, so a change made on another
//! replica takes effect there within that time (and at once on the replica that made it).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_types::integrations::{CredentialSource, Provider};
use connectors::google::{self as gc, GoogleClient};
use connectors::mailgun::MailgunInbound;
use connectors::transcription::{self as tc, TranscriptionClient, TranscriptionConfig};
use connectors::twilio::{TwilioClient, TwilioConfig};
use connectors::withings::{WithingsClient, WithingsConfig};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use super::credentials;
use crate::platform::config::Settings;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// How long a client built from saved credentials is used before they are read again.
const FRESH_FOR: Duration = Duration::from_secs(30);

type Slot<T> = Mutex<Option<(Instant, Option<Arc<T>>)>>;

/// Every provider's client: from the configuration, or built from saved credentials.
pub struct Clients {
    configured_withings: Option<Arc<WithingsClient>>,
    configured_google: Option<Arc<GoogleClient>>,
    configured_twilio: Option<Arc<TwilioClient>>,
    configured_mailgun: Option<Arc<MailgunInbound>>,
    configured_transcription: Option<Arc<TranscriptionClient>>,
    saved_withings: Slot<WithingsClient>,
    saved_google: Slot<GoogleClient>,
    saved_twilio: Slot<TwilioClient>,
    saved_mailgun: Slot<MailgunInbound>,
    saved_transcription: Slot<TranscriptionClient>,
}

/// The address the provider calls back: the OAuth redirect, or (Twilio) the incoming-message
/// webhook; empty for a provider that never calls.
pub(super) fn callback(settings: &Settings, provider: Provider) -> String {
    let base = settings.public_url.trim_end_matches('/');
    match provider {
        Provider::Twilio => format!("{base}/api/v1/webhooks/twilio/messages"),
        Provider::Mailgun => format!("{base}/api/v1/webhooks/mailgun/messages"),
        Provider::Transcription => String::new(),
        _ => format!("{base}/api/v1/integrations/{}/callback", provider.as_str()),
    }
}

fn field(values: &BTreeMap<String, String>, name: &str, default: &str) -> String {
    values
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .unwrap_or(default)
        .to_owned()
}

pub(super) fn build_withings(
    settings: &Settings,
    values: &BTreeMap<String, String>,
) -> ApiResult<WithingsClient> {
    let config = WithingsConfig {
        client_id: field(values, "client_id", ""),
        client_secret: field(values, "client_secret", ""),
        api_base: field(values, "api_base", "https://wbsapi.withings.net"),
        authorize_base: field(values, "authorize_base", "https://account.withings.com"),
        redirect_uri: callback(settings, Provider::Withings),
    };
    WithingsClient::new(config).map_err(|e| ApiError::Internal(e.into()))
}

pub(super) fn build_google(
    settings: &Settings,
    values: &BTreeMap<String, String>,
) -> ApiResult<GoogleClient> {
    let config = gc::GoogleConfig {
        client_id: field(values, "client_id", ""),
        client_secret: field(values, "client_secret", ""),
        redirect_uri: callback(settings, Provider::Google),
        authorize_url: field(values, "authorize_url", gc::AUTHORIZE_URL),
        token_url: field(values, "token_url", gc::TOKEN_URL),
        revoke_url: field(values, "revoke_url", gc::REVOKE_URL),
        calendar_base: field(values, "calendar_base", gc::CALENDAR_BASE),
    };
    GoogleClient::new(config).map_err(|e| ApiError::Internal(e.into()))
}

pub(super) fn build_mailgun(values: &BTreeMap<String, String>) -> MailgunInbound {
    MailgunInbound::new(field(values, "webhook_signing_key", ""))
}

pub(super) fn build_transcription(
    values: &BTreeMap<String, String>,
) -> ApiResult<TranscriptionClient> {
    let config = TranscriptionConfig {
        api_base: field(values, "api_base", tc::API_BASE),
        api_key: Some(field(values, "api_key", "")).filter(|k| !k.is_empty()),
        model: field(values, "model", tc::DEFAULT_MODEL),
    };
    TranscriptionClient::new(config).map_err(|e| ApiError::Internal(e.into()))
}

pub(super) fn build_twilio(
    settings: &Settings,
    values: &BTreeMap<String, String>,
) -> ApiResult<TwilioClient> {
    let optional = |name: &str| Some(field(values, name, "")).filter(|v| !v.is_empty());
    let config = TwilioConfig {
        account_sid: field(values, "account_sid", ""),
        auth_token: field(values, "auth_token", ""),
        from: optional("from"),
        messaging_service_sid: optional("messaging_service_sid"),
        api_base: field(values, "api_base", connectors::twilio::API_BASE),
        status_callback: Some(format!(
            "{}/api/v1/webhooks/twilio/message-status",
            settings.public_url.trim_end_matches('/')
        )),
    };
    TwilioClient::new(config).map_err(|e| {
        ApiError::field(
            "values.from",
            "required",
            format!("{e}: give the sending number or a messaging service."),
        )
    })
}

/// The configuration's credentials for `provider`, as a provider's fields.
pub(super) fn configured(
    settings: &Settings,
    provider: Provider,
) -> Option<BTreeMap<String, String>> {
    let pairs: Vec<(&str, Option<String>)> = match provider {
        Provider::Withings => {
            let w = settings.withings.as_ref()?;
            vec![
                ("client_id", Some(w.client_id.clone())),
                (
                    "client_secret",
                    Some(w.client_secret.expose_secret().to_owned()),
                ),
                ("api_base", w.api_base.clone()),
                ("authorize_base", w.authorize_base.clone()),
            ]
        }
        Provider::Google => {
            let g = settings.google.as_ref()?;
            vec![
                ("client_id", Some(g.client_id.clone())),
                (
                    "client_secret",
                    Some(g.client_secret.expose_secret().to_owned()),
                ),
                ("authorize_url", g.authorize_url.clone()),
                ("token_url", g.token_url.clone()),
                ("revoke_url", g.revoke_url.clone()),
                ("calendar_base", g.calendar_base.clone()),
            ]
        }
        Provider::Twilio => {
            let t = settings.twilio.as_ref()?;
            vec![
                ("account_sid", Some(t.account_sid.clone())),
                ("auth_token", Some(t.auth_token.expose_secret().to_owned())),
                ("from", t.from.clone()),
                ("messaging_service_sid", t.messaging_service_sid.clone()),
                ("api_base", t.api_base.clone()),
            ]
        }
        Provider::Mailgun => {
            let m = settings.mailgun.as_ref()?;
            vec![(
                "webhook_signing_key",
                Some(m.webhook_signing_key.expose_secret().to_owned()),
            )]
        }
        Provider::Transcription => {
            let t = settings.transcription.as_ref()?;
            vec![
                ("api_base", t.api_base.clone()),
                (
                    "api_key",
                    t.api_key.as_ref().map(|k| k.expose_secret().to_owned()),
                ),
                ("model", t.model.clone()),
            ]
        }
    };
    Some(
        pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect(),
    )
}

impl Clients {
    /// The configuration's clients; saved credentials are read when first needed.
    pub fn new(settings: &Settings) -> anyhow::Result<Clients> {
        let configured_withings = match configured(settings, Provider::Withings) {
            Some(values) => Some(Arc::new(
                build_withings(settings, &values).map_err(|e| anyhow::anyhow!("{e}"))?,
            )),
            None => None,
        };
        let configured_google = match configured(settings, Provider::Google) {
            Some(values) => Some(Arc::new(
                build_google(settings, &values).map_err(|e| anyhow::anyhow!("{e}"))?,
            )),
            None => None,
        };
        let configured_twilio = match configured(settings, Provider::Twilio) {
            Some(values) => Some(Arc::new(
                build_twilio(settings, &values).map_err(|e| anyhow::anyhow!("{e}"))?,
            )),
            None => None,
        };
        let configured_mailgun =
            configured(settings, Provider::Mailgun).map(|values| Arc::new(build_mailgun(&values)));
        let configured_transcription = match configured(settings, Provider::Transcription) {
            Some(values) => Some(Arc::new(
                build_transcription(&values).map_err(|e| anyhow::anyhow!("{e}"))?,
            )),
            None => None,
        };
        Ok(Clients {
            configured_transcription,
            saved_transcription: Mutex::new(None),
            configured_mailgun,
            saved_mailgun: Mutex::new(None),
            configured_withings,
            configured_google,
            configured_twilio,
            saved_withings: Mutex::new(None),
            saved_google: Mutex::new(None),
            saved_twilio: Mutex::new(None),
        })
    }

    /// Where a provider's credentials come from now.
    pub(super) fn configured_source(&self, provider: Provider) -> bool {
        match provider {
            Provider::Withings => self.configured_withings.is_some(),
            Provider::Google => self.configured_google.is_some(),
            Provider::Twilio => self.configured_twilio.is_some(),
            Provider::Mailgun => self.configured_mailgun.is_some(),
            Provider::Transcription => self.configured_transcription.is_some(),
        }
    }

    /// Forgets clients built from saved credentials, after they change.
    pub(super) async fn forget(&self, provider: Provider) {
        match provider {
            Provider::Withings => *self.saved_withings.lock().await = None,
            Provider::Google => *self.saved_google.lock().await = None,
            Provider::Twilio => *self.saved_twilio.lock().await = None,
            Provider::Mailgun => *self.saved_mailgun.lock().await = None,
            Provider::Transcription => *self.saved_transcription.lock().await = None,
        }
    }
}

/// Where `provider`'s credentials come from now.
pub(super) async fn source(state: &AppState, provider: Provider) -> ApiResult<CredentialSource> {
    if state.integrations.configured_source(provider) {
        return Ok(CredentialSource::Config);
    }
    Ok(
        match credentials::load(&state.db, &state.crypto, provider).await? {
            Some(_) => CredentialSource::App,
            None => CredentialSource::None,
        },
    )
}

async fn cached<T>(
    slot: &Slot<T>,
    load: impl std::future::Future<Output = ApiResult<Option<T>>>,
) -> ApiResult<Option<Arc<T>>> {
    let mut guard = slot.lock().await;
    if let Some((at, client)) = guard.as_ref() {
        if at.elapsed() < FRESH_FOR {
            return Ok(client.clone());
        }
    }
    let client = load.await?.map(Arc::new);
    *guard = Some((Instant::now(), client.clone()));
    Ok(client)
}

/// The Withings client, if the practice has Withings credentials.
pub async fn withings_client(state: &AppState) -> ApiResult<Option<Arc<WithingsClient>>> {
    if let Some(c) = &state.integrations.configured_withings {
        return Ok(Some(c.clone()));
    }
    cached(&state.integrations.saved_withings, async {
        match credentials::load(&state.db, &state.crypto, Provider::Withings).await? {
            Some(saved) => Ok(Some(build_withings(&state.settings, &saved.values)?)),
            None => Ok(None),
        }
    })
    .await
}

/// The Google client, if the practice has a Google OAuth client.
pub async fn google_client(state: &AppState) -> ApiResult<Option<Arc<GoogleClient>>> {
    if let Some(c) = &state.integrations.configured_google {
        return Ok(Some(c.clone()));
    }
    cached(&state.integrations.saved_google, async {
        match credentials::load(&state.db, &state.crypto, Provider::Google).await? {
            Some(saved) => Ok(Some(build_google(&state.settings, &saved.values)?)),
            None => Ok(None),
        }
    })
    .await
}

/// The Twilio client, if the practice has a Twilio account set up: it sends SMS, and its auth
/// token checks the signature of Twilio's calls.
pub async fn twilio_client(state: &AppState) -> ApiResult<Option<Arc<TwilioClient>>> {
    if let Some(c) = &state.integrations.configured_twilio {
        return Ok(Some(c.clone()));
    }
    cached(&state.integrations.saved_twilio, async {
        match credentials::load(&state.db, &state.crypto, Provider::Twilio).await? {
            Some(saved) => Ok(Some(build_twilio(&state.settings, &saved.values)?)),
            None => Ok(None),
        }
    })
    .await
}

/// The key that checks Mailgun's calls, if the practice receives email through Mailgun.
pub async fn mailgun_inbound(state: &AppState) -> ApiResult<Option<Arc<MailgunInbound>>> {
    if let Some(c) = &state.integrations.configured_mailgun {
        return Ok(Some(c.clone()));
    }
    cached(&state.integrations.saved_mailgun, async {
        Ok(
            credentials::load(&state.db, &state.crypto, Provider::Mailgun)
                .await?
                .map(|saved| build_mailgun(&saved.values)),
        )
    })
    .await
}

/// The speech-to-text client, if the practice has one set up.
pub async fn transcription_client(state: &AppState) -> ApiResult<Option<Arc<TranscriptionClient>>> {
    if let Some(c) = &state.integrations.configured_transcription {
        return Ok(Some(c.clone()));
    }
    cached(&state.integrations.saved_transcription, async {
        match credentials::load(&state.db, &state.crypto, Provider::Transcription).await? {
            Some(saved) => Ok(Some(build_transcription(&saved.values)?)),
            None => Ok(None),
        }
    })
    .await
}
