//! A local server that plays Withings: OAuth2 token exchange and refresh (rotating refresh
//! tokens), body measures, activity, intraday heart rate and sleep summaries with `more`/`offset`
//! paging, notification subscriptions, and the `{status, body}` envelope with its error
//! statuses. It checks each request as Withings' documentation requires and records it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The app's client id the fake accepts.
pub const CLIENT_ID: &str = "fake-client-id";
/// The app's client secret the fake accepts.
pub const CLIENT_SECRET: &str = "fake-client-secret";
/// The authorization code the consent page "issues".
pub const CODE: &str = "fake-authorization-code";
/// The Withings user behind the code.
pub const USER_ID: i64 = 424_242;

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The HTTP method.
    pub method: String,
    /// The path, e.g. `/v2/oauth2` or `/measure`.
    pub path: String,
    /// The form body's fields (empty unless the body was `application/x-www-form-urlencoded`).
    pub form: HashMap<String, String>,
    /// The token of an `Authorization: Bearer` header.
    pub bearer: Option<String>,
}

impl Received {
    /// The `action` field, or `""`.
    pub fn action(&self) -> &str {
        self.form.get("action").map_or("", String::as_str)
    }
}

#[derive(Debug, Default)]
struct State {
    redirect_uri: String,
    access_token: String,
    refresh_token: String,
    issued: u32,
    userid_as_string: bool,
    token_expired: bool,
    fail_next: Option<i64>,
    page_size: usize,
    measure_groups: Vec<Value>,
    activities: Vec<Value>,
    intraday: Vec<(i64, Value)>,
    sleep: Vec<Value>,
    subscriptions: Vec<(String, i64)>,
    received: Vec<Received>,
}

/// The running fake. Cheap to clone; every clone sees the same state.
#[derive(Clone)]
pub struct FakeWithings {
    /// Where it listens, e.g. `http://127.0.0.1:41234`: the client's `api_base`.
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

impl FakeWithings {
    /// Starts the fake; `redirect_uri` is the one the app registered.
    pub async fn start(redirect_uri: &str) -> std::io::Result<FakeWithings> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State {
            redirect_uri: redirect_uri.to_owned(),
            page_size: 2,
            ..State::default()
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, shared).await;
                });
            }
        });
        Ok(FakeWithings { base_url, state })
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        match self.state.lock() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Measure groups (`getmeas`), served `page_size` at a time.
    pub fn set_measure_groups(&self, groups: Vec<Value>) {
        self.with(|s| s.measure_groups = groups);
    }

    /// Daily activity entries (`getactivity`), served `page_size` at a time.
    pub fn set_activities(&self, days: Vec<Value>) {
        self.with(|s| s.activities = days);
    }

    /// Intraday entries keyed by epoch second.
    pub fn set_intraday(&self, entries: Vec<(i64, Value)>) {
        self.with(|s| s.intraday = entries);
    }

    /// Sleep summaries (`getsummary`), served `page_size` at a time.
    pub fn set_sleep(&self, nights: Vec<Value>) {
        self.with(|s| s.sleep = nights);
    }

    /// How many items a page holds (2 unless set); more items are served on further pages.
    pub fn set_page_size(&self, n: usize) {
        self.with(|s| s.page_size = n.max(1));
    }

    /// The current access token stops working: data calls answer status 401.
    pub fn expire_access_token(&self) {
        self.with(|s| s.token_expired = true);
    }

    /// The token answers give `userid` as a string (`"424242"`) rather than a number.
    pub fn send_userid_as_string(&self, yes: bool) {
        self.with(|s| s.userid_as_string = yes);
    }

    /// The next data call made with a valid token answers with this status (601, 503, …),
    /// inside HTTP 200 as Withings does.
    pub fn fail_next(&self, status: i64) {
        self.with(|s| s.fail_next = Some(status));
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.with(|s| s.received.clone())
    }

    /// The notification subscriptions in force: (callback URL, appli).
    pub fn subscriptions(&self) -> Vec<(String, i64)> {
        self.with(|s| s.subscriptions.clone())
    }

    /// The only refresh token that works now (earlier ones are spent).
    pub fn current_refresh_token(&self) -> String {
        self.with(|s| s.refresh_token.clone())
    }

    /// The only access token that works now (unless expired).
    pub fn current_access_token(&self) -> String {
        self.with(|s| s.access_token.clone())
    }
}

fn envelope(status: i64, body: Value) -> Value {
    if status == 0 {
        json!({"status": 0, "body": body})
    } else {
        json!({"status": status, "error": "refused by the fake"})
    }
}

fn issue_tokens(s: &mut State) -> Value {
    s.issued += 1;
    s.access_token = format!("access-{}", s.issued);
    s.refresh_token = format!("refresh-{}", s.issued);
    s.token_expired = false;
    let userid = if s.userid_as_string {
        json!(USER_ID.to_string())
    } else {
        json!(USER_ID)
    };
    envelope(
        0,
        json!({
            "userid": userid,
            "access_token": s.access_token,
            "refresh_token": s.refresh_token,
            "expires_in": 10800,
            "scope": "user.info,user.metrics,user.activity,user.sleepevents",
            "csrf_token": "fake",
            "token_type": "Bearer",
        }),
    )
}

/// `getnonce`: a nonce for a request signed with the app's credentials.
fn nonce_endpoint(r: &Received) -> Value {
    let field = |k: &str| r.form.get(k).map_or("", String::as_str);
    let expected = crate::withings::sign(
        CLIENT_SECRET,
        &format!("getnonce,{},{}", field("client_id"), field("timestamp")),
    );
    if field("action") == "getnonce"
        && field("client_id") == CLIENT_ID
        && field("signature") == expected
    {
        envelope(0, json!({"nonce": "fake-nonce"}))
    } else {
        envelope(503, Value::Null)
    }
}

fn token_endpoint(s: &mut State, r: &Received) -> Value {
    let field = |k: &str| r.form.get(k).map_or("", String::as_str);
    // No Bearer header here: the app authenticates with its credentials in the form.
    let ok_client = field("action") == "requesttoken"
        && field("client_id") == CLIENT_ID
        && field("client_secret") == CLIENT_SECRET
        && r.bearer.is_none();
    if !ok_client {
        return envelope(503, Value::Null);
    }
    match field("grant_type") {
        "authorization_code"
            if field("code") == CODE && field("redirect_uri") == s.redirect_uri =>
        {
            issue_tokens(s)
        }
        "refresh_token"
            if !s.refresh_token.is_empty() && field("refresh_token") == s.refresh_token =>
        {
            issue_tokens(s)
        }
        _ => envelope(503, Value::Null),
    }
}

/// One page of `items`, with `more`/`offset` as Withings sends them (`more` an int for v1
/// services, a bool for v2).
fn page(items: &[Value], r: &Received, size: usize, key: &str, v2: bool) -> Value {
    let offset: usize = r
        .form
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let end = (offset + size).min(items.len());
    let more = end < items.len();
    let mut body = json!({
        "offset": if more { end } else { 0 },
        "more": if v2 { json!(more) } else { json!(i32::from(more)) },
        "updatetime": 1_594_159_644,
        "timezone": "Australia/Sydney",
    });
    body[key] = Value::Array(
        items
            .get(offset..end)
            .map(<[Value]>::to_vec)
            .unwrap_or_default(),
    );
    envelope(0, body)
}

/// Whether the parameters are the ones Withings documents for the action: a range given as
/// `lastupdate` or as a start and end (unix seconds for `getmeas`, `YYYY-MM-DD` for the v2
/// summaries), a numeric `offset`, a real `category`, a callback and `appli` for `/notify`.
fn params_ok(r: &Received) -> bool {
    let has = |k: &str| r.form.contains_key(k);
    let int = |k: &str| r.form.get(k).is_some_and(|v| v.parse::<i64>().is_ok());
    let day = |k: &str| {
        r.form
            .get(k)
            .is_some_and(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok())
    };
    let offset_ok = !has("offset") || int("offset");
    match r.action() {
        "getmeas" => {
            let range = if has("lastupdate") {
                int("lastupdate") && !has("startdate") && !has("enddate")
            } else {
                int("startdate") && int("enddate")
            };
            let category = r.form.get("category").is_none_or(|c| c == "1" || c == "2");
            range && category && offset_ok
        }
        "getactivity" | "getsummary" => {
            let range = if has("lastupdate") {
                int("lastupdate")
            } else {
                day("startdateymd") && day("enddateymd")
            };
            range && offset_ok
        }
        "getintradayactivity" => int("startdate") && int("enddate"),
        "subscribe" | "revoke" => {
            r.form.get("callbackurl").is_some_and(|u| !u.is_empty()) && int("appli")
        }
        _ => true,
    }
}

fn data_endpoint(s: &mut State, r: &Received) -> Value {
    if r.bearer.as_deref() != Some(s.access_token.as_str())
        || s.access_token.is_empty()
        || s.token_expired
    {
        return envelope(401, Value::Null);
    }
    if let Some(status) = s.fail_next.take() {
        return envelope(status, Value::Null);
    }
    if !params_ok(r) {
        return envelope(503, Value::Null);
    }
    let size = s.page_size;
    match (r.path.as_str(), r.action()) {
        ("/measure", "getmeas") => page(&s.measure_groups, r, size, "measuregrps", false),
        ("/v2/measure", "getactivity") => page(&s.activities, r, size, "activities", true),
        ("/v2/measure", "getintradayactivity") => {
            let bound = |k: &str| r.form.get(k).and_then(|v| v.parse::<i64>().ok());
            let (Some(start), Some(end)) = (bound("startdate"), bound("enddate")) else {
                return envelope(503, Value::Null);
            };
            if end - start > 86_400 {
                return envelope(503, Value::Null);
            }
            let series: serde_json::Map<String, Value> = s
                .intraday
                .iter()
                .filter(|(t, _)| *t >= start && *t < end)
                .map(|(t, v)| (t.to_string(), v.clone()))
                .collect();
            envelope(0, json!({"series": series}))
        }
        ("/v2/sleep", "getsummary") => page(&s.sleep, r, size, "series", true),
        ("/notify", "subscribe") => {
            let url = r.form.get("callbackurl").cloned().unwrap_or_default();
            let appli = r
                .form
                .get("appli")
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            s.subscriptions.push((url, appli));
            envelope(0, json!({}))
        }
        ("/notify", "revoke") => {
            let url = r.form.get("callbackurl").cloned().unwrap_or_default();
            let appli: i64 = r
                .form
                .get("appli")
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            s.subscriptions.retain(|(u, a)| !(u == &url && *a == appli));
            envelope(0, json!({}))
        }
        _ => envelope(2554, Value::Null),
    }
}

async fn serve(socket: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(socket);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut length = 0usize;
        let mut bearer = None;
        let mut form_encoded = false;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).await?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
                match k.as_str() {
                    "content-length" => length = v.parse().unwrap_or(0),
                    "authorization" => bearer = v.strip_prefix("Bearer ").map(str::to_owned),
                    "content-type" => {
                        form_encoded = v.starts_with("application/x-www-form-urlencoded")
                    }
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).await?;
        let form: HashMap<String, String> = if form_encoded {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
                .unwrap_or_default()
                .into_iter()
                .collect()
        } else {
            HashMap::new()
        };
        let received = Received {
            method: method.clone(),
            path: path.clone(),
            form,
            bearer,
        };
        let answer = {
            let mut s = match state.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            s.received.push(received.clone());
            if method != "POST" || !form_encoded {
                envelope(2555, Value::Null)
            } else if path == "/v2/oauth2" {
                token_endpoint(&mut s, &received)
            } else if path == "/v2/signature" {
                nonce_endpoint(&received)
            } else {
                data_endpoint(&mut s, &received)
            }
        };
        // Withings answers every call with HTTP 200; the outcome is in `status`.
        let text = answer.to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        reader.get_mut().write_all(response.as_bytes()).await?;
    }
}
