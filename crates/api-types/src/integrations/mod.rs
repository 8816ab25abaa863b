//! Outside services the practice connects: their credentials (entered by an administrator, or
//! set in the server's configuration, which takes precedence) and a check that they work.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::Errors;
use crate::FieldError;

mod provider;

pub use provider::{Provider, ProviderField};

/// Where a provider's credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CredentialSource {
    /// Not set up: the feature is off.
    None,
    /// Entered by an administrator in the app.
    App,
    /// The server's configuration, which takes precedence over the app's.
    Config,
}

/// The outcome of checking a provider's credentials with a call that changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionCheck {
    pub ok: bool,
    /// What the provider said, in words.
    pub message: String,
    pub checked_at: DateTime<Utc>,
}

/// A provider as an administrator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Integration {
    pub provider: Provider,
    pub source: CredentialSource,
    /// The address to register with the provider as the OAuth redirect (callback) address;
    /// empty for a provider that never calls the practice.
    pub redirect_uri: String,
    /// The values of fields that are not secret, as saved in the app.
    pub values: BTreeMap<String, String>,
    /// The secret fields that have a value saved in the app.
    pub secrets_set: Vec<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by_name: Option<String>,
    pub last_check: Option<ConnectionCheck>,
}

/// Credentials to save. A secret field left out (or empty) keeps its saved value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SaveCredentials {
    pub values: BTreeMap<String, String>,
}

impl SaveCredentials {
    /// Checks the fields against what `provider` takes; `secrets_set` are the secret fields
    /// already saved, which may be left out.
    pub fn validate(
        &self,
        provider: Provider,
        secrets_set: &[String],
    ) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        let fields = provider.fields();
        for name in self.values.keys() {
            if !fields.iter().any(|f| f.name == name) {
                e.push(
                    &format!("values.{name}"),
                    "unknown_field",
                    format!("{} takes no such setting.", provider.name()),
                );
            }
        }
        for f in fields {
            let value = self.values.get(f.name).map(|v| v.trim()).unwrap_or("");
            let path = format!("values.{}", f.name);
            if value.is_empty() {
                let kept = f.secret && secrets_set.iter().any(|s| s == f.name);
                if f.required && !kept {
                    e.push(&path, "required", "This field is required.");
                }
                continue;
            }
            if value.chars().count() > 2000 || value.chars().any(char::is_control) {
                e.push(
                    &path,
                    "invalid",
                    "Enter it on one line, as the provider shows it.",
                );
            } else if (f.name.ends_with("_base") || f.name.ends_with("_url"))
                && !is_allowed_address(value)
            {
                e.push(
                    &path,
                    "invalid_url",
                    "Enter an https:// address (http:// only for this computer).",
                );
            }
        }
        if provider == Provider::Twilio {
            let given = |name: &str| self.values.get(name).is_some_and(|v| !v.trim().is_empty());
            if !given("from") && !given("messaging_service_sid") {
                e.push(
                    "values.from",
                    "required",
                    "Give the sending number or a messaging service.",
                );
            }
            if let Some(from) = self.values.get("from").filter(|v| !v.trim().is_empty()) {
                if crate::validation::e164(from).as_deref() != Some(from.trim()) {
                    e.push(
                        "values.from",
                        "invalid",
                        "Enter the number in international form, such as +61480000000.",
                    );
                }
            }
        }
        e.finish()
    }
}

/// An address the server may send credentials to: HTTPS, or plain HTTP to this computer.
pub fn is_allowed_address(value: &str) -> bool {
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"];
    // No `user@` part: `http://localhost:80@elsewhere/` names another host.
    let authority = value
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if authority.is_empty() || authority.contains('@') || value.contains(char::is_whitespace) {
        return false;
    }
    value.starts_with("https://")
        || local.iter().any(|l| {
            value == *l
                || value.starts_with(&format!("{l}:"))
                || value.starts_with(&format!("{l}/"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_with_a_user_part_names_another_host_and_is_refused() {
        assert!(is_allowed_address("https://api.twilio.com"));
        assert!(is_allowed_address("http://127.0.0.1:8080/v1"));
        assert!(!is_allowed_address("http://localhost:80@evil.example/"));
        assert!(!is_allowed_address("https://user:pw@api.twilio.com"));
        assert!(!is_allowed_address("http://evil.example"));
        assert!(!is_allowed_address("https://"));
    }

    fn save(pairs: &[(&str, &str)]) -> SaveCredentials {
        SaveCredentials {
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn required_fields_unknown_ones_and_addresses_are_checked() {
        let errors = save(&[("client_id", "abc"), ("colour", "red")])
            .validate(Provider::Withings, &[])
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"values.colour"));
        assert!(fields.contains(&"values.client_secret"));
        assert!(save(&[("client_id", "abc")])
            .validate(Provider::Withings, &["client_secret".into()])
            .is_ok());
        let errors = save(&[
            ("client_id", "a"),
            ("client_secret", "b"),
            ("api_base", "http://evil.example"),
        ])
        .validate(Provider::Withings, &[])
        .unwrap_err();
        assert_eq!(errors[0].field, "values.api_base");
        assert!(is_allowed_address("http://127.0.0.1:9000"));
        assert!(!is_allowed_address("http://127.0.0.1.evil.example"));
        assert!(!is_allowed_address("http://localhostevil.example"));
    }
}

/// Work the server does with an outside service, in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobKind {
    /// Bring one appointment's event in its practitioner's Google Calendar up to date.
    #[serde(rename = "google_calendar.event")]
    GoogleCalendarEvent,
    /// Remove an ended Google Calendar connection: its upcoming events, the grant, the tokens.
    #[serde(rename = "google_calendar.remove")]
    GoogleCalendarRemove,
    /// Fetch a patient's new Withings readings.
    #[serde(rename = "withings.sync")]
    WithingsSync,
    /// Remove an ended Withings connection: notifications revoked, the tokens deleted.
    #[serde(rename = "withings.remove")]
    WithingsRemove,
    /// Keep a recorded call: fetch the recording from Twilio, file it encrypted, transcribe it,
    /// and delete Twilio's copy.
    #[serde(rename = "twilio.recording")]
    CallRecording,
}

impl JobKind {
    pub const ALL: [JobKind; 5] = [
        JobKind::GoogleCalendarEvent,
        JobKind::GoogleCalendarRemove,
        JobKind::WithingsSync,
        JobKind::WithingsRemove,
        JobKind::CallRecording,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::GoogleCalendarEvent => "google_calendar.event",
            JobKind::GoogleCalendarRemove => "google_calendar.remove",
            JobKind::WithingsSync => "withings.sync",
            JobKind::WithingsRemove => "withings.remove",
            JobKind::CallRecording => "twilio.recording",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn provider(self) -> Provider {
        match self {
            JobKind::GoogleCalendarEvent | JobKind::GoogleCalendarRemove => Provider::Google,
            JobKind::WithingsSync | JobKind::WithingsRemove => Provider::Withings,
            JobKind::CallRecording => Provider::Twilio,
        }
    }

    /// In words, for the list of jobs.
    pub fn label(self) -> &'static str {
        match self {
            JobKind::GoogleCalendarEvent => "Google Calendar: update an appointment's event",
            JobKind::GoogleCalendarRemove => "Google Calendar: remove an ended connection",
            JobKind::WithingsSync => "Withings: fetch new readings",
            JobKind::WithingsRemove => "Withings: remove an ended connection",
            JobKind::CallRecording => "Twilio: keep a call's recording",
        }
    }

    /// What the job's subject id names.
    pub fn subject(self) -> &'static str {
        match self {
            JobKind::GoogleCalendarEvent => "appointment",
            JobKind::GoogleCalendarRemove => "calendar connection",
            JobKind::WithingsSync | JobKind::WithingsRemove => "device connection",
            JobKind::CallRecording => "call",
        }
    }
}

/// Where a person's connection to an outside service stands, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum ConnectionState {
    /// Working: syncs run.
    Active,
    /// The last sync failed; it is retried.
    Error,
    /// The provider refused the tokens: the person has to connect again.
    Reconnect,
    /// Disconnected, by the person, their deactivation or their record's erasure.
    Ended,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum JobStatus {
    /// Waiting for its time (at once, or after a failed attempt).
    Queued,
    /// Claimed by a server, under a lease.
    Running,
    /// Finished.
    Done,
    /// Given up after repeated failures, or refused for good; an administrator may retry it.
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A background job, as administrators see it. It names what it works on by id only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: uuid::Uuid,
    pub kind: JobKind,
    /// The appointment or connection it works on (see the kind).
    pub subject_id: uuid::Uuid,
    /// What asked for it, in a word (`connected`, `periodic`, `appointment_changed`…).
    pub reason: Option<String>,
    pub status: JobStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When it runs next (queued), or ran last.
    pub run_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Filters for the list of jobs, most recently changed first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// How many jobs stand where, for the summary above the list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub failed: u64,
    /// Finished in the last 24 hours.
    pub done_last_day: u64,
}
