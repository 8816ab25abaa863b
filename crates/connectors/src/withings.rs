//! Withings' Public Health Data API: OAuth2 (authorization code, refresh), body measures,
//! activity, intraday heart rate, sleep summaries and notification subscriptions.
//!
//! Withings answers every call with HTTP 200 and an envelope `{"status": n, "body": {...}}`;
//! `status` 0 is success and anything else is an error (401 and friends: the access token is
//! no longer valid). Readings come back normalised to Carebase's metric codes and units.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

/// Where Withings lives, and the app's credentials there.
#[derive(Debug, Clone)]
pub struct WithingsConfig {
    pub client_id: String,
    pub client_secret: String,
    /// `https://wbsapi.withings.net` in production.
    pub api_base: String,
    /// `https://account.withings.com` in production.
    pub authorize_base: String,
    /// Where Withings sends the person back after consent (Carebase's callback).
    pub redirect_uri: String,
}

/// What a call to Withings can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WithingsError {
    #[error("Withings refused the access token (status {0}); refresh it")]
    AuthExpired(i64),
    #[error("Withings asks to slow down (status 601)")]
    RateLimited,
    #[error("Withings timed out (status 522)")]
    Timeout,
    #[error("Withings refused the request as invalid (status {0})")]
    InvalidRequest(i64),
    #[error("Withings answered with status {0}")]
    Unexpected(i64),
    #[error("Withings could not be reached: {0}")]
    Http(#[from] reqwest::Error),
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
/// the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub scope: String,
}

/// One reading, in Carebase's metric codes and units.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub metric: &'static str,
    pub value: f64,
    pub at: DateTime<Utc>,
    pub device_id: Option<String>,
    pub model: Option<String>,
}

/// A notification Withings posts to the callback when new data is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub user_id: String,
    pub appli: i64,
    pub start: Option<i64>,
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
        let envelope: Envelope = request
            .send()
            .await?
            .json()
            .await
            .map_err(|e| WithingsError::Decode(e.to_string()))?;
        if envelope.status == 0 {
            Ok(envelope.body)
        } else {
            Err(status_error(envelope.status))
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
            .and_then(Value::as_i64)
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

    /// Minute-level heart rate between `start` and `end`, asked for a day at a time (Withings
    /// returns at most 24 hours per call).
    pub async fn intraday_heart_rate(
        &self,
        token: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Reading>, WithingsError> {
        let mut readings = Vec::new();
        let mut from = start;
        while from < end {
            let to = (from + chrono::Duration::hours(24)).min(end);
            let form = vec![
                ("action", "getintradayactivity".to_owned()),
                ("startdate", from.timestamp().to_string()),
                ("enddate", to.timestamp().to_string()),
                ("data_fields", "heart_rate".to_owned()),
            ];
            let body = self.call("/v2/measure", Some(token), &form).await?;
            let series: BTreeMap<String, Intraday> = match body.get("series") {
                Some(Value::Object(_)) => decode(body.get("series").cloned().unwrap_or_default())?,
                _ => BTreeMap::new(),
            };
            for (epoch, entry) in series {
                let (Ok(t), Some(hr)) = (epoch.parse::<i64>(), entry.heart_rate) else {
                    continue;
                };
                if let Some(t) = at(t) {
                    readings.push(Reading {
                        metric: "heart_rate_intraday",
                        value: hr,
                        at: t,
                        device_id: entry.deviceid.clone(),
                        model: entry.model.clone(),
                    });
                }
            }
            from = to;
        }
        Ok(readings)
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

/// Withings' measure type → (Carebase metric, factor to Carebase's unit).
fn measure_metric(kind: i64) -> Option<(&'static str, f64)> {
    Some(match kind {
        1 => ("weight", 1.0),
        4 => ("height", 100.0),
        5 => ("fat_free_mass", 1.0),
        6 => ("fat_ratio", 1.0),
        8 => ("fat_mass", 1.0),
        9 => ("diastolic_bp", 1.0),
        10 => ("systolic_bp", 1.0),
        11 => ("heart_rate", 1.0),
        12 | 71 => ("body_temperature", 1.0),
        54 => ("spo2", 1.0),
        76 => ("muscle_mass", 1.0),
        77 => ("hydration", 1.0),
        88 => ("bone_mass", 1.0),
        91 => ("pulse_wave_velocity", 1.0),
        123 => ("vo2_max", 1.0),
        155 => ("vascular_age", 1.0),
        226 => ("basal_metabolic_rate", 1.0),
        _ => return None,
    })
}

/// `value × 10^unit`, with one rounding: divide by a power of ten rather than multiply by a
/// fraction, so that 72350 × 10⁻³ is exactly 72.35.
fn scaled(value: i64, unit: i32) -> f64 {
    if unit >= 0 {
        value as f64 * 10_f64.powi(unit)
    } else {
        value as f64 / 10_f64.powi(-unit)
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
                let (metric, factor) = measure_metric(m.kind)?;
                let value = scaled(m.value, m.unit) * factor;
                Some(Reading {
                    metric,
                    value: (value * 1e6).round() / 1e6,
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

impl IntoReadings for Activity {
    /// One reading per field, at midnight UTC of the day.
    fn readings(&self) -> Vec<Reading> {
        let Some(day) = NaiveDate::parse_from_str(&self.date, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
        else {
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

#[derive(Debug, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_scale_exactly() {
        assert_eq!(scaled(72350, -3), 72.35);
        assert_eq!(scaled(178, -2) * 100.0, 178.0);
        assert_eq!(scaled(5, 2), 500.0);
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
