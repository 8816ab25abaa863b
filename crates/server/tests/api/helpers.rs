use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use api_types::auth::{LoginResponse, TokenResponse};
use api_types::Role;
use carebase::platform::config::{KeySettings, Settings};
use carebase::platform::crypto::Crypto;
use carebase::platform::db;
use carebase::AppState;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

pub const PASSWORD: &str = "Correct-Horse-Battery-42";

/// Everything the service logged during this test process.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.get_or_init(Default::default).lock().unwrap()).into_owned()
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let buf = LOGS.get_or_init(Default::default).clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,carebase=debug")
            .with_ansi(false)
            .with_writer(move || Capture(buf.clone()))
            .try_init();
    });
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub database_url: String,
    pub data_dir: PathBuf,
    _dir: tempfile::TempDir,
}

pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub token: String,
    pub refresh: String,
}

/// A fresh, empty, migrated database for one test.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("CAREBASE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(server) => {
            let server = server.trim_end_matches('/').to_owned();
            let admin = Database::connect(format!("{server}/postgres"))
                .await
                .expect("connect to PostgreSQL");
            drop_stale_databases(&admin).await;
            let name = format!(
                "carebase_test_{}_{}",
                std::process::id(),
                Uuid::now_v7().simple()
            );
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            format!("{server}/{name}")
        }
        None => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
    }
}

/// Drops databases left by test processes that are no longer running.
async fn drop_stale_databases(admin: &DatabaseConnection) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let rows = admin
            .query_all_raw(Statement::from_string(
                admin.get_database_backend(),
                "SELECT datname FROM pg_database WHERE datname LIKE 'carebase_test_%'",
            ))
            .await
            .unwrap_or_default();
        for row in rows {
            let Ok(name) = row.try_get::<String>("", "datname") else {
                continue;
            };
            let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
            if !alive {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
    })
    .await;
}

pub struct Options {
    pub auth_rate_per_minute: u32,
    pub withings: Option<carebase::platform::config::WithingsSettings>,
    pub google: Option<carebase::platform::config::GoogleSettings>,
    pub twilio: Option<carebase::platform::config::TwilioSettings>,
    pub mailgun: Option<carebase::platform::config::MailgunSettings>,
    pub transcription: Option<carebase::platform::config::TranscriptionSettings>,
    /// A built web app to serve.
    pub static_dir: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            auth_rate_per_minute: 10_000,
            withings: None,
            google: None,
            twilio: None,
            mailgun: None,
            transcription: None,
            static_dir: None,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        init_logs();
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(dir.path()).await;
        let settings = Settings {
            bind: "127.0.0.1:0".into(),
            database_url: Some(database_url.clone()),
            data_dir: dir.path().join("data"),
            static_dir: options.static_dir,
            public_url: "http://carebase.test".into(),
            cors_allowed_origins: vec!["https://partner.example".into()],
            cookie_secure: true,
            trust_proxy: false,
            access_token_ttl_secs: 900,
            session_ttl_days: 30,
            database_max_connections: Some(5),
            auth_rate_per_minute: options.auth_rate_per_minute,
            max_json_bytes: 64 * 1024,
            max_upload_bytes: 2 * 1024 * 1024,
            log_format: "text".into(),
            shutdown_notice_secs: 1,
            audit_reads_flushed: false,
            outbox_lease_secs: 300,
            keys: KeySettings::default(),
            smtp: None,
            withings: options.withings,
            twilio: options.twilio,
            google: options.google,
            mailgun: options.mailgun,
            transcription: options.transcription,
        };
        let conn = db::connect(&database_url, 5).await.unwrap();
        db::migrate(&conn).await.unwrap();
        let crypto = Crypto::load(&settings.keys, &settings.data_dir).unwrap();
        let audit_db = db::connect_audit(&database_url, &conn).await.unwrap();
        let state = AppState::new(settings, conn, audit_db, crypto).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server_state = state.clone();
        tokio::spawn(carebase::app::server(server_state, listener).unwrap());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client,
            state,
            database_url,
            data_dir: dir.path().join("data"),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// Sends a request; `body` as JSON when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// GETs a path with no credentials and reads the JSON answer.
    pub async fn public_json(&self, path: &str) -> Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn login_tokens(&self, email: &str, password: &str) -> TokenResponse {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), StatusCode::OK);
        match res.json::<LoginResponse>().await.unwrap() {
            LoginResponse::Tokens(t) => t,
            LoginResponse::MfaRequired(_) => panic!("unexpected MFA challenge"),
        }
    }

    /// Creates an account directly and signs it in.
    pub async fn user(&self, role: Role) -> TestUser {
        self.user_for_patient(role, None).await
    }

    pub async fn user_for_patient(&self, role: Role, patient_id: Option<Uuid>) -> TestUser {
        let email = format!(
            "{}-{}@carebase.test",
            role.as_str(),
            Uuid::now_v7().simple()
        );
        let hash = carebase::auth::hash_password(PASSWORD).unwrap();
        let user = carebase::users::create(
            &self.state.db,
            &self.state.crypto,
            carebase::users::NewUser {
                email: &email,
                name: &format!("Test {role}"),
                role,
                patient_id,
                password_hash: Some(hash),
            },
        )
        .await
        .unwrap();
        let tokens = self.login_tokens(&email, PASSWORD).await;
        TestUser {
            id: user.model.id,
            email,
            token: tokens.access_token,
            refresh: tokens.refresh_token,
        }
    }

    /// Creates a patient through the API as `token`, returning its JSON.
    pub async fn create_patient(&self, token: &str, body: Value) -> Value {
        let res = self.post("/api/v1/patients", Some(token), body).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        res.json().await.unwrap()
    }

    /// Erases patient `id` as `token`, for the reason a patient's written request gives.
    pub async fn erase(&self, token: &str, id: impl std::fmt::Display) -> reqwest::Response {
        self.post(
            &format!("/api/v1/patients/{id}/erasure"),
            Some(token),
            json!({"reason": "The patient asked in writing."}),
        )
        .await
    }

    /// Every outbox message as the API lists it to an admin (one-time links withheld).
    pub async fn outbox(&self, admin_token: &str) -> Vec<Value> {
        let res = self.get("/api/v1/outbox?limit=100", admin_token).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The newest message to `recipient` as delivered, waiting a few seconds for one (some are
    /// queued after the answer, such as password resets).
    pub async fn message_to(&self, recipient: &str) -> Value {
        for _ in 0..100 {
            if let Some(m) = self
                .delivered()
                .await
                .into_iter()
                .find(|m| m["recipient"] == recipient)
            {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no message to {recipient}");
    }

    /// Every message as it is delivered, one-time links included: what reaches the recipient's
    /// inbox (read as the server's operator would, with `carebase outbox`).
    pub async fn delivered(&self) -> Vec<Value> {
        carebase::comms::read_in_full(&self.state.db, &self.state.crypto, None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|m| serde_json::to_value(m).unwrap())
            .collect()
    }
}

/// The cookies a response sets, as a browser would send them back (`a=1; b=2`).
pub fn cookies_set(res: &reqwest::Response) -> String {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

impl TestApp {
    /// A GET from a browser holding `cookies`, with no other credentials (a provider's redirect
    /// back to a callback).
    pub async fn get_as_browser(&self, path: &str, cookies: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(reqwest::header::COOKIE, cookies)
            .send()
            .await
            .unwrap()
    }
}

/// Pulls `token=` out of the first link in a message body.
pub fn token_from(body: &str) -> String {
    let start = body.find("token=").expect("a link with a token") + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

pub fn patient_body(first: &str, last: &str) -> Value {
    json!({
        "first_name": first,
        "last_name": last,
        "date_of_birth": "1984-07-12",
        "email": format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()),
        "phone_numbers": [{"phone_type": "mobile", "number": "0412 345 678"}],
        "address": {"line1": "12 King St", "city": "Newtown", "state": "NSW", "postcode": "2042", "country": "Australia"},
        "medicare_number": "2123456701",
        "medicare_irn": "1"
    })
}

pub async fn problem_code(res: reqwest::Response) -> String {
    let v: Value = res.json().await.unwrap();
    v["code"].as_str().unwrap_or_default().to_owned()
}
