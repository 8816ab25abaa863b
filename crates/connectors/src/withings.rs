//! Withings' Public Health Data API: OAuth2 (authorization code, refresh), body measures,
//! activity, intraday heart rate, sleep summaries and notification subscriptions.
//!
//! Withings answers every call with HTTP 200 and an envelope `{"status": n, "body": {...}}`;
//! `status` 0 is success and anything else is an error (401 and friends: the access token is
//! no longer valid). Readings come back normalised to Carebase's metric codes and units.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::Value;

/// Where Withings lives, and the app's credentials there. `Debug` leaves the secret out.
#[derive(Clone)]
pub struct WithingsConfig {
    /// The app's client id from the Withings developer dashboard.
    pub client_id: String,
    /// The app's client secret; sent only to the token endpoint.
    pub client_secret: String,
    /// `https://wbsapi.withings.net` in production.
    pub api_base: String,
    /// `https://account.withings.com` in production.
    pub authorize_base: String,
    /// Where Withings sends the person back after consent (Carebase's callback).
    pub redirect_uri: String,
}

impl std::fmt::Debug for WithingsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithingsConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("authorize_base", &self.authorize_base)
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

impl WithingsConfig {
    /// Production addresses for the given app credentials and callback.
    pub fn production(client_id: &str, client_secret: &str, redirect_uri: &str) -> WithingsConfig {
        WithingsConfig {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            api_base: API_BASE.to_owned(),
            authorize_base: AUTHORIZE_BASE.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
        }
    }
}

/// Withings' API in production.
pub const API_BASE: &str = "https://wbsapi.withings.net";
/// Withings' consent pages in production.
pub const AUTHORIZE_BASE: &str = "https://account.withings.com";

/// What a call to Withings can fail with. Statuses come from the envelope, never the HTTP code.
#[derive(Debug, thiserror::Error)]
pub enum WithingsError {
    /// Status 100, 101, 102, 200 or 401: the access token is invalid or expired; refresh it.
    #[error("Withings refused the access token (status {0}); refresh it")]
    AuthExpired(i64),
    /// Status 601: too many requests; back off.
    #[error("Withings asks to slow down (status 601)")]
    RateLimited,
    /// Status 522: Withings timed out; retry later.
    #[error("Withings timed out (status 522)")]
    Timeout,
    /// Status 201–400 or 503: invalid parameters (503 also for a bad code or refresh token).
    #[error("Withings refused the request as invalid (status {0})")]
    InvalidRequest(i64),
    /// Any other non-zero status.
    #[error("Withings answered with status {0}")]
    Unexpected(i64),
    /// Withings could not be reached, or something in between answered an HTTP error.
    #[error("Withings could not be reached: {0}")]
    Http(#[from] reqwest::Error),
    /// The answer was not the envelope or body expected.
    #[error("Withings' answer could not be read: {0}")]
    Decode(String),
}

impl WithingsError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            WithingsError::RateLimited | WithingsError::Timeout | WithingsError::Http(_)
        )
    }
}

/// Tokens for one Withings account. Every refresh returns a new refresh token, which replaces
/// the old one. `Debug` leaves the tokens out.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// Withings' user id (sent as a string or a number; kept as text). Notifications carry it.
    pub user_id: String,
    /// Bearer token for data calls; lives about 3 hours.
    pub access_token: String,
    /// Single-use token for the next refresh.
    pub refresh_token: String,
    /// When the access token stops working, from `expires_in`.
    pub expires_at: DateTime<Utc>,
    /// The scopes granted, comma separated.
    pub scope: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("user_id", &self.user_id)
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

impl Tokens {
    /// Whether the access token has expired (or will within `margin`) at `now`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        self.expires_at <= now + margin
    }
}

/// One reading, in Carebase's metric codes and units.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Carebase's metric code, e.g. `weight` or `systolic_bp`.
    pub metric: &'static str,
    /// The value in Carebase's unit for the metric (kg, cm, mmHg, bpm, °C, %, h, …).
    pub value: f64,
    /// When it was measured (for daily activity: the start of the day).
    pub at: DateTime<Utc>,
    /// Withings' device id, when the answer names one.
    pub device_id: Option<String>,
    /// The device model, when known.
    pub model: Option<String>,
}

/// A notification Withings posts to the callback when new data is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Withings' user id, matching [`Tokens::user_id`].
    pub user_id: String,
    /// The category of data that changed (see [`APPLIS`]).
    pub appli: i64,
    /// Start of the changed range, unix seconds, when given.
    pub start: Option<i64>,
    /// End of the changed range, unix seconds, when given.
    pub end: Option<i64>,
}

/// The scopes Carebase asks for.
pub const SCOPES: &str = "user.info,user.metrics,user.activity,user.sleepevents";

/// Notification categories (`appli`) Carebase subscribes to: weight and body composition,
/// temperature, blood pressure / heart rate / SpO2, activity, sleep.
pub const APPLIS: [i64; 5] = [1, 2, 4, 16, 44];

/// The real client.
#[derive(Debug, Clone)]
pub struct WithingsClient {
    config: WithingsConfig,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Envelope {
    status: i64,
    #[serde(default)]
    body: Value,
}

impl Envelope {
    /// The body when `status` is 0, else the error the status stands for.
    fn into_result(self) -> Result<Value, WithingsError> {
        if self.status == 0 {
            Ok(self.body)
        } else {
            Err(status_error(self.status))
        }
    }
}

/// What a non-zero `status` means for the caller.
fn status_error(status: i64) -> WithingsError {
    match status {
        100 | 101 | 102 | 200 | 401 => WithingsError::AuthExpired(status),
        601 => WithingsError::RateLimited,
        522 => WithingsError::Timeout,
        201..=400 | 503 => WithingsError::InvalidRequest(status),
        other => WithingsError::Unexpected(other),
    }
}

fn truthy(v: &Value) -> bool {
    v.as_bool()
        .unwrap_or_else(|| v.as_i64().is_some_and(|n| n != 0))
}

fn string_or_number(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn decode<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T, WithingsError> {
    serde_json::from_value(v).map_err(|e| WithingsError::Decode(e.to_string()))
}

fn at(unix: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(unix, 0).single()
}

impl WithingsClient {
    /// A client with a 10 s connect and 30 s overall timeout per call.
    pub fn new(config: WithingsConfig) -> Result<WithingsClient, WithingsError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(WithingsClient { config, http })
    }

    /// The consent page to send the person to; `state` comes back with the code.
    pub fn authorize_url(&self, state: &str) -> String {
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", self.config.client_id.as_str()),
            ("scope", SCOPES),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("state", state),
        ])
        .unwrap_or_default();
        format!(
            "{}/oauth2_user/authorize2?{query}",
            self.config.authorize_base.trim_end_matches('/')
        )
    }

    /// One call: a form POST, with the access token when given, and the envelope unwrapped.
    async fn call(
        &self,
        path: &str,
        access_token: Option<&str>,
        form: &[(&str, String)],
    ) -> Result<Value, WithingsError> {
        let url = format!("{}{path}", self.config.api_base.trim_end_matches('/'));
        let mut request = self.http.post(url).form(form);
        if let Some(token) = access_token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        // Withings itself always answers 200; an HTTP error without an envelope came from
        // something in between, and is reported as such.
        let http_error = response.error_for_status_ref().err();
        let bytes = response.bytes().await?;
        match (serde_json::from_slice::<Envelope>(&bytes), http_error) {
            (Ok(envelope), _) => envelope.into_result(),
            (Err(_), Some(e)) => Err(WithingsError::Http(e)),
            (Err(e), None) => Err(WithingsError::Decode(e.to_string())),
        }
    }

    async fn request_token(&self, grant: &[(&str, String)]) -> Result<Tokens, WithingsError> {
        let mut form = vec![
            ("action", "requesttoken".to_owned()),
            ("client_id", self.config.client_id.clone()),
            ("client_secret", self.config.client_secret.clone()),
        ];
        form.extend(grant.iter().cloned());
        let body = self.call("/v2/oauth2", None, &form).await?;
        let field = |name: &str| {
            body.get(name)
                .and_then(string_or_number)
                .ok_or_else(|| WithingsError::Decode(format!("no {name} in the token answer")))
        };
        let expires_in = body
            .get("expires_in")
            .and_then(string_or_number)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(10_800);
        Ok(Tokens {
            user_id: field("userid")?,
            access_token: field("access_token")?,
            refresh_token: field("refresh_token")?,
            expires_at: Utc::now() + chrono::Duration::seconds(expires_in),
            scope: body
                .get("scope")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        })
    }

    /// Checks the app's credentials with a call that changes nothing: Withings hands out a nonce
    /// only to a request signed with a valid client id and secret (`/v2/signature`, `getnonce`).
    pub async fn check_credentials(&self) -> Result<(), WithingsError> {
        let timestamp = Utc::now().timestamp().to_string();
        let signature = sign(
            &self.config.client_secret,
            &format!("getnonce,{},{timestamp}", self.config.client_id),
        );
        let body = self
            .call(
                "/v2/signature",
                None,
                &[
                    ("action", "getnonce".to_owned()),
                    ("client_id", self.config.client_id.clone()),
                    ("timestamp", timestamp),
                    ("signature", signature),
                ],
            )
            .await?;
        body.get("nonce")
            .and_then(Value::as_str)
            .map(|_| ())
            .ok_or_else(|| WithingsError::Decode("no nonce in the answer".into()))
    }

    /// Trades the code from the consent redirect for tokens.
    pub async fn exchange_code(&self, code: &str) -> Result<Tokens, WithingsError> {
        self.request_token(&[
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", self.config.redirect_uri.clone()),
        ])
        .await
    }

    /// A new access token (and a new refresh token, which replaces the old one).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, WithingsError> {
        self.request_token(&[
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.to_owned()),
        ])
        .await
    }

    /// Runs `call` with a working access token: refreshes first when `tokens` have expired, and
    /// otherwise refreshes once when Withings refuses the token (status 401 and friends) and
    /// retries. Returns the result and, when a refresh happened, the new tokens — store them, as
    /// the old refresh token no longer works.
    ///
    /// ```no_run
    /// # use connectors::withings::{Tokens, WithingsClient, WithingsError};
    /// # async fn sync(client: &WithingsClient, tokens: &Tokens) -> Result<(), WithingsError> {
    /// let since = chrono::Utc::now() - chrono::Duration::days(1);
    /// let (readings, renewed) = client
    ///     .with_fresh_token(tokens, |token| async move { client.measures(&token, since).await })
    ///     .await?;
    /// if let Some(tokens) = renewed {
    ///     // Store `tokens`: the old refresh token is spent.
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn with_fresh_token<T, F, Fut>(
        &self,
        tokens: &Tokens,
        call: F,
    ) -> Result<(T, Option<Tokens>), WithingsError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, WithingsError>>,
    {
        if tokens.expires_within(Utc::now(), chrono::Duration::zero()) {
            let fresh = self.refresh(&tokens.refresh_token).await?;
            let value = call(fresh.access_token.clone()).await?;
            return Ok((value, Some(fresh)));
        }
        match call(tokens.access_token.clone()).await {
            Err(WithingsError::AuthExpired(_)) => {
                let fresh = self.refresh(&tokens.refresh_token).await?;
                let value = call(fresh.access_token.clone()).await?;
                Ok((value, Some(fresh)))
            }
            other => other.map(|value| (value, None)),
        }
    }

    /// Follows `more`/`offset` pages of a call, collecting each page's body.
    async fn pages(
        &self,
        path: &str,
        token: &str,
        form: Vec<(&str, String)>,
    ) -> Result<Vec<Value>, WithingsError> {
        let mut bodies = Vec::new();
        let mut offset: Option<i64> = None;
        // A bound on pages, so that a provider bug cannot loop forever.
        for _ in 0..1000 {
            let mut page_form = form.clone();
            if let Some(o) = offset {
                page_form.push(("offset", o.to_string()));
            }
            let body = self.call(path, Some(token), &page_form).await?;
            let more = body.get("more").is_some_and(truthy);
            let next = body.get("offset").and_then(Value::as_i64);
            bodies.push(body);
            match (more, next) {
                (true, Some(n)) => offset = Some(n),
                _ => break,
            }
        }
        Ok(bodies)
    }

    /// Every page of a paged call, each page's `key` array read as `T` and turned into
    /// readings.
    async fn paged_readings<T>(
        &self,
        path: &str,
        token: &str,
        form: Vec<(&str, String)>,
        key: &str,
    ) -> Result<Vec<Reading>, WithingsError>
    where
        T: for<'de> Deserialize<'de> + IntoReadings,
    {
        let mut readings = Vec::new();
        for body in self.pages(path, token, form).await? {
            let items: Vec<T> = decode(body.get(key).cloned().unwrap_or(Value::Array(Vec::new())))?;
            readings.extend(items.iter().flat_map(IntoReadings::readings));
        }
        Ok(readings)
    }

    /// Body measures (weight, composition, blood pressure, heart rate, SpO2, temperature, …)
    /// updated since `since`.
    pub async fn measures(
        &self,
        token: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Reading>, WithingsError> {
        let form = vec![
            ("action", "getmeas".to_owned()),
            ("category", "1".to_owned()),
            ("lastupdate", since.timestamp().to_string()),
        ];
        self.paged_readings::<MeasureGroup>("/measure", token, form, "measuregrps")
            .await
    }

    /// Daily activity (steps, distance, calories) updated since `since`.
    pub async fn activity(
        &self,
        token: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Reading>, WithingsError> {
        let form = vec![
            ("action", "getactivity".to_owned()),
            ("lastupdate", since.timestamp().to_string()),
            (
                "data_fields",
                "steps,distance,calories,totalcalories".to_owned(),
            ),
        ];
        self.paged_readings::<Activity>("/v2/measure", token, form, "activities")
            .await
    }

    /// Minute-level heart rate between `start` and `end`, asked for 24 hours at a time (Withings
    /// returns at most 24 hours per call). Sorted by time; an instant on the boundary of two
    /// windows is kept once.
    pub async fn intraday_heart_rate(
        &self,
        token: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Reading>, WithingsError> {
        let mut readings = BTreeMap::new();
        let mut from = start;
        while from < end {
            let to = (from + chrono::Duration::hours(24)).min(end);
            for reading in self.intraday_window(token, from, to).await? {
                readings.insert(reading.at, reading);
            }
            from = to;
        }
        Ok(readings.into_values().collect())
    }

    /// One `getintradayactivity` call; `series` is an object keyed by epoch-second strings (an
    /// empty answer may come as `[]`).
    async fn intraday_window(
        &self,
        token: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Reading>, WithingsError> {
        let form = [
            ("action", "getintradayactivity".to_owned()),
            ("startdate", from.timestamp().to_string()),
            ("enddate", to.timestamp().to_string()),
            ("data_fields", "heart_rate".to_owned()),
        ];
        let mut body = self.call("/v2/measure", Some(token), &form).await?;
        let series: BTreeMap<String, Intraday> = match body.get_mut("series").map(Value::take) {
            Some(series @ Value::Object(_)) => decode(series)?,
            _ => BTreeMap::new(),
        };
        Ok(series
            .into_iter()
            .filter_map(|(epoch, entry)| {
                Some(Reading {
                    metric: "heart_rate_intraday",
                    value: entry.heart_rate?,
                    at: at(epoch.parse().ok()?)?,
                    device_id: entry.deviceid,
                    model: entry.model,
                })
            })
            .collect())
    }

    /// Nightly sleep summaries updated since `since`.
    pub async fn sleep_summaries(
        &self,
        token: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Reading>, WithingsError> {
        let form = vec![
            ("action", "getsummary".to_owned()),
            ("lastupdate", since.timestamp().to_string()),
            (
                "data_fields",
                "lightsleepduration,deepsleepduration,remsleepduration,sleep_score,hr_average,wakeupcount".to_owned(),
            ),
        ];
        self.paged_readings::<Sleep>("/v2/sleep", token, form, "series")
            .await
    }

    /// Asks Withings to post to `callback_url` when data of category `appli` changes.
    pub async fn subscribe(
        &self,
        token: &str,
        callback_url: &str,
        appli: i64,
    ) -> Result<(), WithingsError> {
        let form = [
            ("action", "subscribe".to_owned()),
            ("callbackurl", callback_url.to_owned()),
            ("appli", appli.to_string()),
            ("comment", "Carebase".to_owned()),
        ];
        self.call("/notify", Some(token), &form).await.map(drop)
    }

    /// Stops the notifications of category `appli` to `callback_url`.
    pub async fn revoke_subscription(
        &self,
        token: &str,
        callback_url: &str,
        appli: i64,
    ) -> Result<(), WithingsError> {
        let form = [
            ("action", "revoke".to_owned()),
            ("callbackurl", callback_url.to_owned()),
            ("appli", appli.to_string()),
        ];
        self.call("/notify", Some(token), &form).await.map(drop)
    }
}

/// Reads the form Withings posts to the notification callback.
pub fn parse_notification(form_body: &str) -> Option<Notification> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(form_body).ok()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    Some(Notification {
        user_id: get("userid").filter(|u| !u.is_empty())?,
        appli: get("appli")?.parse().ok()?,
        start: get("startdate").and_then(|v| v.parse().ok()),
        end: get("enddate").and_then(|v| v.parse().ok()),
    })
}

/// An item of a paged answer that holds readings.
trait IntoReadings {
    fn readings(&self) -> Vec<Reading>;
}

#[derive(Debug, Deserialize)]
struct Measure {
    value: i64,
    #[serde(rename = "type")]
    kind: i64,
    unit: i32,
}

#[derive(Debug, Deserialize)]
struct MeasureGroup {
    #[serde(default)]
    attrib: i64,
    date: i64,
    #[serde(default)]
    category: i64,
    #[serde(default)]
    deviceid: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    measures: Vec<Measure>,
}

/// Withings' measure type → (Carebase metric, power of ten from Withings' unit to Carebase's).
/// Only height changes unit: metres to centimetres.
fn measure_metric(kind: i64) -> Option<(&'static str, i32)> {
    Some(match kind {
        1 => ("weight", 0),
        4 => ("height", 2),
        5 => ("fat_free_mass", 0),
        6 => ("fat_ratio", 0),
        8 => ("fat_mass", 0),
        9 => ("diastolic_bp", 0),
        10 => ("systolic_bp", 0),
        11 => ("heart_rate", 0),
        12 | 71 => ("body_temperature", 0),
        54 => ("spo2", 0),
        76 => ("muscle_mass", 0),
        77 => ("hydration", 0),
        88 => ("bone_mass", 0),
        91 => ("pulse_wave_velocity", 0),
        123 => ("vo2_max", 0),
        155 => ("vascular_age", 0),
        226 => ("basal_metabolic_rate", 0),
        _ => return None,
    })
}

/// `value × 10^unit`, with a single rounding: the integer is scaled by an exact power of ten
/// (a division for negative units), so 72350 × 10⁻³ is exactly the double nearest 72.35.
fn scaled(value: i64, unit: i32) -> f64 {
    let power = 10_i64
        .checked_pow(unit.unsigned_abs())
        .map_or_else(|| 10_f64.powi(unit.saturating_abs()), |p| p as f64);
    if unit >= 0 {
        value as f64 * power
    } else {
        value as f64 / power
    }
}

impl IntoReadings for MeasureGroup {
    fn readings(&self) -> Vec<Reading> {
        // Objectives (category 2) and ambiguous attributions are not readings of this person.
        if self.category == 2 || matches!(self.attrib, 1 | 4) {
            return Vec::new();
        }
        let Some(t) = at(self.date) else {
            return Vec::new();
        };
        self.measures
            .iter()
            .filter_map(|m| {
                let (metric, shift) = measure_metric(m.kind)?;
                Some(Reading {
                    metric,
                    value: scaled(m.value, m.unit.saturating_add(shift)),
                    at: t,
                    device_id: self.deviceid.clone(),
                    model: self.model.clone(),
                })
            })
            .collect()
    }
}

#[derive(Debug, Deserialize)]
struct Activity {
    date: String,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    deviceid: Option<String>,
    #[serde(default)]
    steps: Option<f64>,
    #[serde(default)]
    distance: Option<f64>,
    #[serde(default)]
    calories: Option<f64>,
    #[serde(default)]
    totalcalories: Option<f64>,
}

/// The first instant of `date` (`YYYY-MM-DD`) in the IANA zone `timezone`; midnight UTC when the
/// zone is missing or unknown. Where a clock change skips midnight, the day starts an hour later.
fn start_of_day(date: &str, timezone: Option<&str>) -> Option<DateTime<Utc>> {
    let midnight = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?;
    let Some(tz) = timezone.and_then(|t| t.parse::<Tz>().ok()) else {
        return Some(midnight.and_utc());
    };
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

impl IntoReadings for Activity {
    /// One reading per field present, at local midnight of the day in the day's time zone.
    fn readings(&self) -> Vec<Reading> {
        let Some(day) = start_of_day(&self.date, self.timezone.as_deref()) else {
            return Vec::new();
        };
        [
            ("steps", self.steps),
            ("distance", self.distance),
            ("active_calories", self.calories),
            ("total_calories", self.totalcalories),
        ]
        .into_iter()
        .filter_map(|(metric, v)| {
            v.map(|value| Reading {
                metric,
                value,
                at: day,
                device_id: self.deviceid.clone(),
                model: None,
            })
        })
        .collect()
    }
}

#[derive(Debug, Deserialize)]
struct Intraday {
    #[serde(default)]
    deviceid: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    heart_rate: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
struct SleepData {
    #[serde(default)]
    lightsleepduration: Option<f64>,
    #[serde(default)]
    deepsleepduration: Option<f64>,
    #[serde(default)]
    remsleepduration: Option<f64>,
    #[serde(default)]
    sleep_score: Option<f64>,
    #[serde(default)]
    hr_average: Option<f64>,
    #[serde(default)]
    wakeupcount: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Sleep {
    enddate: i64,
    #[serde(default)]
    model: Option<i64>,
    #[serde(default)]
    data: SleepData,
}

impl IntoReadings for Sleep {
    /// One reading per field, at the night's end; durations in hours.
    fn readings(&self) -> Vec<Reading> {
        let Some(t) = at(self.enddate) else {
            return Vec::new();
        };
        let d = &self.data;
        let hours = |s: Option<f64>| s.map(|s| (s / 3600.0 * 100.0).round() / 100.0);
        let total = match (
            d.lightsleepduration,
            d.deepsleepduration,
            d.remsleepduration,
        ) {
            (None, None, None) => None,
            (l, dp, r) => Some(l.unwrap_or(0.0) + dp.unwrap_or(0.0) + r.unwrap_or(0.0)),
        };
        let model = match self.model {
            Some(16) => Some("Activity tracker".to_owned()),
            Some(32) => Some("Sleep Analyzer".to_owned()),
            _ => None,
        };
        [
            ("sleep_duration", hours(total)),
            ("light_sleep", hours(d.lightsleepduration)),
            ("deep_sleep", hours(d.deepsleepduration)),
            ("rem_sleep", hours(d.remsleepduration)),
            ("sleep_score", d.sleep_score),
            ("sleep_heart_rate", d.hr_average),
            ("wakeups", d.wakeupcount),
        ]
        .into_iter()
        .filter_map(|(metric, v)| {
            v.map(|value| Reading {
                metric,
                value,
                at: t,
                device_id: None,
                model: model.clone(),
            })
        })
        .collect()
    }
}

/// Withings' request signature: HMAC-SHA-256 of the comma-joined values under the client
/// secret, in hex.
pub fn sign(client_secret: &str, values: &str) -> String {
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(client_secret.as_bytes()) else {
        unreachable!("HMAC accepts keys of any length")
    };
    mac.update(values.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_scale_exactly() {
        assert_eq!(scaled(72350, -3), 72.35);
        assert_eq!(scaled(178, -2 + 2), 178.0);
        assert_eq!(scaled(3651, -2), 36.51);
        assert_eq!(scaled(-5, -1), -0.5);
        assert_eq!(scaled(5, 2), 500.0);
    }

    #[test]
    fn days_start_at_local_midnight() {
        let utc = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single();
        assert_eq!(
            start_of_day("2020-07-01", Some("Europe/Paris")),
            utc(2020, 6, 30, 22)
        );
        assert_eq!(
            start_of_day("2026-11-20", Some("Australia/Sydney")),
            utc(2026, 11, 19, 13)
        );
        assert_eq!(start_of_day("2020-07-01", None), utc(2020, 7, 1, 0));
        assert_eq!(
            start_of_day("2020-07-01", Some("Mars/Olympus")),
            utc(2020, 7, 1, 0)
        );
        // Santiago skipped from midnight to 01:00 on 2019-09-08.
        assert_eq!(
            start_of_day("2019-09-08", Some("America/Santiago")),
            utc(2019, 9, 8, 4)
        );
        assert_eq!(start_of_day("July 1st", None), None);
    }

    #[test]
    fn notifications_are_read_from_the_form() {
        let n = parse_notification("userid=12345&appli=4&startdate=1530576000&enddate=1530698753");
        assert_eq!(
            n,
            Some(Notification {
                user_id: "12345".into(),
                appli: 4,
                start: Some(1_530_576_000),
                end: Some(1_530_698_753),
            })
        );
        assert_eq!(parse_notification("appli=4"), None);
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = WithingsConfig::production("cid", "very-secret", "https://x.example/cb");
        assert!(!format!("{config:?}").contains("very-secret"));
        let tokens = Tokens {
            user_id: "1".into(),
            access_token: "access-secret".into(),
            refresh_token: "refresh-secret".into(),
            expires_at: Utc::now(),
            scope: SCOPES.into(),
        };
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("access-secret") && !shown.contains("refresh-secret"));
    }

    #[test]
    fn statuses_map_to_errors() {
        assert!(matches!(status_error(401), WithingsError::AuthExpired(401)));
        assert!(matches!(status_error(601), WithingsError::RateLimited));
        assert!(matches!(
            status_error(503),
            WithingsError::InvalidRequest(503)
        ));
        assert!(status_error(601).is_transient());
    }
}
