//! Typed settings, loaded once at start-up from defaults, an optional TOML file
//! (`CAREBASE_CONFIG`), and `CAREBASE_`-prefixed environment variables (nested keys use `__`,
//! as in `CAREBASE_SMTP__HOST`). `DATABASE_URL` and command-line flags override them.

use std::path::PathBuf;

use anyhow::Context;
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// PostgreSQL or SQLite URL; with none, a SQLite file under `data_dir`.
    pub database_url: Option<String>,
    /// Where the embedded database and the generated key file live.
    pub data_dir: PathBuf,
    /// The built web app to serve; by default `frontend/dist` when it exists.
    pub static_dir: Option<PathBuf>,
    /// The address people use to reach this deployment, for links in emails.
    pub public_url: String,
    /// Origins allowed to call the API from a browser, besides the app itself.
    pub cors_allowed_origins: Vec<String>,
    /// Whether the refresh cookie is marked `Secure` (keep on except for plain-HTTP testing
    /// on a host other than localhost).
    pub cookie_secure: bool,
    /// Trust `X-Forwarded-For` from the reverse proxy for the client address.
    pub trust_proxy: bool,
    pub access_token_ttl_secs: u64,
    pub session_ttl_days: i64,
    /// PostgreSQL connections per process for requests; see [`Settings::database_max_connections`].
    pub database_max_connections: Option<u32>,
    /// Sign-in attempts allowed per client address per minute.
    pub auth_rate_per_minute: u32,
    /// Largest JSON body accepted, in bytes.
    pub max_json_bytes: usize,
    /// Largest file accepted as a document or attachment, in bytes.
    pub max_upload_bytes: u64,
    /// `text` or `json`.
    pub log_format: String,
    /// On `SIGTERM`, how long new requests are refused with `503` (so the reverse proxy moves
    /// them to another replica) before the requests in flight are finished and the process stops.
    pub shutdown_notice_secs: u64,
    /// Whether a read is answered only once its audit event is on disk, rather than once it is
    /// committed in PostgreSQL (which survives any crash of this server, and reaches disk
    /// within PostgreSQL's `wal_writer_delay`). Changes always wait for the disk.
    pub audit_reads_flushed: bool,
    /// How long an outbox message a server has claimed is reserved for it: after a crash, its
    /// messages wait this long before another server (or the same one restarted) takes them.
    pub outbox_lease_secs: u64,
    #[serde(default)]
    pub keys: KeySettings,
    pub smtp: Option<SmtpSettings>,
    /// Withings app credentials; without them, patients cannot connect Withings devices.
    #[serde(default)]
    pub withings: Option<WithingsSettings>,
    /// Twilio account for SMS; without it, SMS messages stay in the outbox.
    #[serde(default)]
    pub twilio: Option<TwilioSettings>,
    /// The practice's Google OAuth client; without it, practitioners cannot connect Google
    /// Calendar.
    #[serde(default)]
    pub google: Option<GoogleSettings>,
    /// The practice's Mailgun inbound route; without it, patients' emails are not received.
    #[serde(default)]
    pub mailgun: Option<MailgunSettings>,
    /// An OpenAI-compatible speech-to-text service; without it, recorded calls have no
    /// transcript.
    #[serde(default)]
    pub transcription: Option<TranscriptionSettings>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TranscriptionSettings {
    /// Default `https://api.openai.com/v1`.
    pub api_base: Option<String>,
    pub api_key: Option<SecretString>,
    /// Default `whisper-1`.
    pub model: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailgunSettings {
    /// The webhook signing key, from Mailgun's dashboard.
    pub webhook_signing_key: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoogleSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Default `https://accounts.google.com/o/oauth2/v2/auth`.
    pub authorize_url: Option<String>,
    /// Default `https://oauth2.googleapis.com/token`.
    pub token_url: Option<String>,
    /// Default `https://oauth2.googleapis.com/revoke`.
    pub revoke_url: Option<String>,
    /// Default `https://www.googleapis.com/calendar/v3`.
    pub calendar_base: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TwilioSettings {
    pub account_sid: String,
    pub auth_token: SecretString,
    /// The sending number, E.164 (or give `messaging_service_sid`).
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    /// Default `https://api.twilio.com`.
    pub api_base: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WithingsSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Default `https://wbsapi.withings.net`.
    pub api_base: Option<String>,
    /// Default `https://account.withings.com`.
    pub authorize_base: Option<String>,
}

/// Key material. When none is configured, keys are generated once into `data_dir/keys.json`
/// (mode 0600) for the embedded default.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct KeySettings {
    /// Data-encryption keys as `id:base64,id:base64` (32-byte keys).
    pub encryption_keys: Option<SecretString>,
    /// The key id new values are encrypted under; by default the highest.
    pub active_key_id: Option<u32>,
    /// The 32-byte blind-index key, base64. It must never change once data exists.
    pub blind_index_key: Option<SecretString>,
    /// The JWT signing secret, base64 (at least 32 bytes).
    pub jwt_secret: Option<SecretString>,
    /// Files holding each of the above instead (secret mounts, such as Docker or Kubernetes
    /// secrets); surrounding whitespace is ignored.
    pub encryption_keys_file: Option<PathBuf>,
    pub blind_index_key_file: Option<PathBuf>,
    pub jwt_secret_file: Option<PathBuf>,
}

impl KeySettings {
    /// Reads the keys given as files.
    fn read_files(&mut self) -> anyhow::Result<()> {
        fn read(
            value: &mut Option<SecretString>,
            file: &Option<PathBuf>,
            name: &str,
        ) -> anyhow::Result<()> {
            let Some(path) = file else {
                return Ok(());
            };
            if value.is_some() {
                anyhow::bail!("give keys.{name} or keys.{name}_file, not both");
            }
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("Failed to read keys.{name}_file ({})", path.display()))?;
            *value = Some(SecretString::from(text.trim().to_owned()));
            Ok(())
        }
        read(
            &mut self.encryption_keys,
            &self.encryption_keys_file,
            "encryption_keys",
        )?;
        read(
            &mut self.blind_index_key,
            &self.blind_index_key_file,
            "blind_index_key",
        )?;
        read(&mut self.jwt_secret, &self.jwt_secret_file, "jwt_secret")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// The sender, such as `Carebase <no-reply@clinic.example>`.
    pub from: String,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
}

impl Settings {
    pub fn load() -> anyhow::Result<Settings> {
        let mut b = config::Config::builder()
            .set_default("bind", "127.0.0.1:8080")?
            .set_default("data_dir", "data")?
            .set_default("public_url", "http://127.0.0.1:8080")?
            .set_default("cors_allowed_origins", Vec::<String>::new())?
            .set_default("cookie_secure", true)?
            .set_default("trust_proxy", false)?
            .set_default("access_token_ttl_secs", 900)?
            .set_default("session_ttl_days", 30)?
            .set_default("auth_rate_per_minute", 30)?
            .set_default("max_json_bytes", 256 * 1024)?
            .set_default(
                "max_upload_bytes",
                api_types::documents::DEFAULT_MAX_UPLOAD_BYTES,
            )?
            .set_default("log_format", "text")?
            .set_default("shutdown_notice_secs", 5)?
            .set_default("audit_reads_flushed", false)?
            .set_default("outbox_lease_secs", 300)?;
        if let Ok(path) = std::env::var("CAREBASE_CONFIG") {
            b = b.add_source(config::File::with_name(&path));
        }
        // Values stay text until each setting's type reads them, so that a phone number keeps
        // its `+` and a token its leading zeros; the one list is split here.
        b = b.add_source(
            config::Environment::with_prefix("CAREBASE")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(false),
        );
        if let Ok(origins) = std::env::var("CAREBASE_CORS_ALLOWED_ORIGINS") {
            let list: Vec<String> = origins
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect();
            b = b.set_override("cors_allowed_origins", list)?;
        }
        let mut s: Settings = b
            .build()
            .context("Failed to read configuration")?
            .try_deserialize()
            .context("Invalid configuration")?;
        if s.database_url.is_none() {
            s.database_url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        }
        s.keys.read_files()?;
        Ok(s)
    }

    /// The database to use: the configured URL, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => same_host_without_tls(url),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("carebase.db").display()
            ),
        }
    }

    /// PostgreSQL connections per process for requests: as configured; else, for a database on
    /// this host, two per core (it runs its queries on the same cores, and more connections than
    /// that only add switching between them and a long tail of waits), and 16 for a database
    /// server of its own.
    pub fn database_max_connections(&self) -> u32 {
        pool_size(self.database_max_connections, &self.database_url())
    }

    pub fn static_dir(&self) -> Option<PathBuf> {
        self.static_dir.clone().or_else(|| {
            let default = PathBuf::from("frontend/dist");
            default.join("index.html").exists().then_some(default)
        })
    }
}

/// A PostgreSQL server on this host (loopback or a Unix socket) is reached without TLS unless
/// the address asks for it (`sslmode=…`): the bytes never leave the machine, and encrypting them
/// costs both processes CPU on every query (a quarter of a single read's throughput). A server
/// anywhere else gets the driver's default, or the `sslmode` the address names (`verify-full`
/// in production).
fn same_host_without_tls(url: &str) -> String {
    let Some((_, query)) = postgres_parts(url) else {
        return url.to_owned();
    };
    if query.is_some_and(|q| {
        q.split('&')
            .any(|p| p.starts_with("sslmode=") || p.starts_with("host="))
    }) {
        return url.to_owned();
    }
    if same_host(url) {
        let joint = if query.is_some() { '&' } else { '?' };
        format!("{url}{joint}sslmode=disable")
    } else {
        url.to_owned()
    }
}

fn pool_size(configured: Option<u32>, url: &str) -> u32 {
    if let Some(n) = configured {
        return n.max(1);
    }
    if url.contains("sslmode=disable") && same_host(url) {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        (2 * cores as u32).max(4)
    } else {
        16
    }
}

/// A `postgres://` URL's authority (user, host, port, database) and query.
fn postgres_parts(url: &str) -> Option<(&str, Option<&str>)> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    Some(match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    })
}

/// Whether a `postgres://` URL names a server on this host (loopback, or the default socket).
fn same_host(url: &str) -> bool {
    let Some((authority, _)) = postgres_parts(url) else {
        return false;
    };
    let authority = authority.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    matches!(host, "" | "localhost" | "127.0.0.1" | "::1")
}

#[cfg(test)]
mod tests {
    use super::Settings;

    #[test]
    fn a_database_on_this_host_is_reached_without_tls_and_with_connections_for_its_cores() {
        use super::same_host_without_tls as url;
        assert_eq!(
            url("postgres://postgres@127.0.0.1:5432/carebase"),
            "postgres://postgres@127.0.0.1:5432/carebase?sslmode=disable"
        );
        assert_eq!(
            url("postgresql://app:secret@localhost/carebase?application_name=cb"),
            "postgresql://app:secret@localhost/carebase?application_name=cb&sslmode=disable"
        );
        assert_eq!(
            url("postgres://[::1]:5432/carebase"),
            "postgres://[::1]:5432/carebase?sslmode=disable"
        );
        use super::pool_size;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
        let here = url("postgres://app@127.0.0.1/carebase");
        assert_eq!(pool_size(None, &here), (2 * cores).max(4));
        assert_eq!(pool_size(None, "postgres://app@db.internal/carebase"), 16);
        assert_eq!(pool_size(Some(24), &here), 24);
        for kept in [
            "postgres://app@127.0.0.1/carebase?sslmode=require",
            "postgres://app@db.internal:5432/carebase",
            "postgres://app@10.0.0.5/carebase",
            "postgres:///carebase?host=/var/run/postgresql",
            "sqlite://data/carebase.db?mode=rwc",
        ] {
            assert_eq!(url(kept), kept);
        }
    }

    #[test]
    fn environment_values_keep_their_text_and_keys_can_come_from_files() {
        // This test alone sets these variables.
        std::env::set_var("CAREBASE_TWILIO__ACCOUNT_SID", "AC0123");
        std::env::set_var("CAREBASE_TWILIO__AUTH_TOKEN", "0012345");
        std::env::set_var("CAREBASE_TWILIO__FROM", "+61480000000");
        std::env::set_var("CAREBASE_DATABASE_MAX_CONNECTIONS", "24");
        std::env::set_var("CAREBASE_COOKIE_SECURE", "false");
        std::env::set_var(
            "CAREBASE_CORS_ALLOWED_ORIGINS",
            "https://a.example, https://b.example",
        );
        // Keys from secret mounts.
        let dir = tempfile::tempdir().unwrap();
        let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
        for (name, text) in [
            ("enc", format!("1:{key}\n")),
            ("bidx", format!("  {key}\n")),
            ("jwt", format!("{key}\n")),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::env::set_var(
            "CAREBASE_KEYS__ENCRYPTION_KEYS_FILE",
            dir.path().join("enc"),
        );
        std::env::set_var(
            "CAREBASE_KEYS__BLIND_INDEX_KEY_FILE",
            dir.path().join("bidx"),
        );
        std::env::set_var("CAREBASE_KEYS__JWT_SECRET_FILE", dir.path().join("jwt"));
        let s = Settings::load().unwrap();
        std::env::set_var("CAREBASE_KEYS__JWT_SECRET", key);
        let both = Settings::load();
        std::env::remove_var("CAREBASE_KEYS__JWT_SECRET");
        for key in [
            "CAREBASE_TWILIO__ACCOUNT_SID",
            "CAREBASE_TWILIO__AUTH_TOKEN",
            "CAREBASE_TWILIO__FROM",
            "CAREBASE_DATABASE_MAX_CONNECTIONS",
            "CAREBASE_COOKIE_SECURE",
            "CAREBASE_CORS_ALLOWED_ORIGINS",
            "CAREBASE_KEYS__ENCRYPTION_KEYS_FILE",
            "CAREBASE_KEYS__BLIND_INDEX_KEY_FILE",
            "CAREBASE_KEYS__JWT_SECRET_FILE",
        ] {
            std::env::remove_var(key);
        }
        assert!(both
            .err()
            .is_some_and(|e| e.to_string().contains("not both")));
        let crypto = crate::platform::crypto::Crypto::load(&s.keys, dir.path()).unwrap();
        let sealed = crypto.encrypt_str("kept apart", "test").unwrap();
        assert_eq!(crypto.decrypt_str(&sealed, "test").unwrap(), "kept apart");
        assert!(
            !dir.path().join("keys.json").exists(),
            "no key file is generated"
        );
        let twilio = s.twilio.unwrap();
        assert_eq!(twilio.from.as_deref(), Some("+61480000000"));
        use secrecy::ExposeSecret;
        assert_eq!(twilio.auth_token.expose_secret(), "0012345");
        assert_eq!(s.database_max_connections, Some(24));
        assert!(!s.cookie_secure);
        assert_eq!(
            s.cors_allowed_origins,
            vec!["https://a.example", "https://b.example"]
        );
    }
}
