//! Everything a request handler may need, shared across workers.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::audit::AuditLog;
use crate::auth::passwords::Passwords;
use crate::auth::tokens::JwtKeys;
use crate::platform::config::Settings;
use crate::platform::crypto::Crypto;
use crate::platform::rate_limit::RateLimits;
use crate::platform::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub crypto: Arc<Crypto>,
    pub jwt: Arc<JwtKeys>,
    pub audit: AuditLog,
    pub limits: Arc<RateLimits>,
    pub metrics: Arc<Metrics>,
    pub passwords: Arc<Passwords>,
    /// The Withings client, when the practice has Withings credentials.
    pub withings: Option<Arc<connectors::withings::WithingsClient>>,
    /// The Google Calendar client, when the practice has a Google OAuth client.
    pub google: Option<Arc<connectors::google::GoogleClient>>,
}

impl AppState {
    /// Builds the state and starts the audit writer on its own connection.
    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        audit_db: DatabaseConnection,
        crypto: Crypto,
    ) -> anyhow::Result<AppState> {
        let jwt = JwtKeys::new(crypto.jwt_secret(), settings.access_token_ttl_secs);
        let withings = match &settings.withings {
            Some(w) => {
                use secrecy::ExposeSecret;
                let config = connectors::withings::WithingsConfig {
                    client_id: w.client_id.clone(),
                    client_secret: w.client_secret.expose_secret().to_owned(),
                    api_base: w
                        .api_base
                        .clone()
                        .unwrap_or_else(|| "https://wbsapi.withings.net".into()),
                    authorize_base: w
                        .authorize_base
                        .clone()
                        .unwrap_or_else(|| "https://account.withings.com".into()),
                    redirect_uri: format!(
                        "{}/api/v1/integrations/withings/callback",
                        settings.public_url.trim_end_matches('/')
                    ),
                };
                Some(Arc::new(connectors::withings::WithingsClient::new(config)?))
            }
            None => None,
        };
        let google = match &settings.google {
            Some(g) => {
                use connectors::google as gc;
                use secrecy::ExposeSecret;
                let or = |v: &Option<String>, default: &str| {
                    v.clone().unwrap_or_else(|| default.to_owned())
                };
                let config = gc::GoogleConfig {
                    client_id: g.client_id.clone(),
                    client_secret: g.client_secret.expose_secret().to_owned(),
                    redirect_uri: format!(
                        "{}/api/v1/integrations/google/callback",
                        settings.public_url.trim_end_matches('/')
                    ),
                    authorize_url: or(&g.authorize_url, gc::AUTHORIZE_URL),
                    token_url: or(&g.token_url, gc::TOKEN_URL),
                    revoke_url: or(&g.revoke_url, gc::REVOKE_URL),
                    calendar_base: or(&g.calendar_base, gc::CALENDAR_BASE),
                };
                Some(Arc::new(gc::GoogleClient::new(config)?))
            }
            None => None,
        };
        Ok(AppState {
            withings,
            google,
            audit: AuditLog::start(audit_db),
            limits: Arc::new(RateLimits::new(settings.auth_rate_per_minute)),
            metrics: Arc::new(Metrics::new()?),
            passwords: Arc::new(Passwords::new()?),
            jwt: Arc::new(jwt),
            crypto: Arc::new(crypto),
            settings: Arc::new(settings),
            db,
        })
    }
}
