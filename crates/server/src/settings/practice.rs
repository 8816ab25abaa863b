//! The practice settings record: name, time zone, which roles must use MFA, and the networks
//! staff may sign in from.

use actix_web::{get, put, web};
use api_types::admin::PracticeSettings;
use api_types::audit::AuditAction;
use api_types::Role;
use chrono::Utc;
use entity::settings::setting;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

const KEY: &str = "practice";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_settings).service(put_settings);
}

pub fn defaults() -> PracticeSettings {
    PracticeSettings {
        practice_name: "Carebase Practice".into(),
        time_zone: "Australia/Sydney".into(),
        mfa_required_roles: Vec::new(),
        staff_networks: Vec::new(),
        staff_idle_minutes: 30,
        patient_idle_minutes: 60,
    }
}

pub async fn load(db: &impl ConnectionTrait) -> ApiResult<PracticeSettings> {
    match setting::Entity::find_by_id(KEY).one(db).await? {
        Some(row) => Ok(serde_json::from_str(&row.value).unwrap_or_else(|_| defaults())),
        None => Ok(defaults()),
    }
}

pub async fn save(db: &impl ConnectionTrait, s: &PracticeSettings) -> ApiResult<()> {
    save_value(db, KEY, s).await
}

/// A setting stored as JSON under `key`, or its default when it was never saved (or no longer
/// reads as the current shape).
pub async fn load_value<T: serde::de::DeserializeOwned + Default>(
    db: &impl ConnectionTrait,
    key: &str,
) -> ApiResult<T> {
    match setting::Entity::find_by_id(key).one(db).await? {
        Some(row) => Ok(serde_json::from_str(&row.value).unwrap_or_default()),
        None => Ok(T::default()),
    }
}

/// Saves a setting as JSON under `key`.
pub async fn save_value<T: serde::Serialize>(
    db: &impl ConnectionTrait,
    key: &str,
    value: &T,
) -> ApiResult<()> {
    let model = setting::ActiveModel {
        key: Set(key.into()),
        value: Set(serde_json::to_string(value).map_err(anyhow::Error::from)?),
        updated_at: Set(Utc::now()),
    };
    setting::Entity::insert(model)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Whether the practice requires MFA for `role`.
pub async fn mfa_required(db: &impl ConnectionTrait, role: Role) -> ApiResult<bool> {
    Ok(load(db).await?.mfa_required_roles.contains(&role))
}

/// Whether an account of `role` may sign in from `ip`: patients anywhere, staff from the
/// practice's networks when it lists any.
pub async fn network_allows(
    db: &impl ConnectionTrait,
    role: Role,
    ip: Option<&str>,
) -> ApiResult<bool> {
    if !role.is_staff() {
        return Ok(true);
    }
    let networks = load(db).await?.staff_networks;
    if networks.is_empty() {
        return Ok(true);
    }
    Ok(ip.is_some_and(|ip| {
        networks
            .iter()
            .any(|n| api_types::validation::network_contains(n, ip))
    }))
}

fn validate(s: &PracticeSettings, own_address: Option<&str>) -> Result<(), ApiError> {
    let mut errors = api_types::validation::Errors::default();
    for (i, n) in s.staff_networks.iter().enumerate() {
        if api_types::validation::parse_network(n).is_none() {
            errors.push(
                &format!("staff_networks[{i}]"),
                "invalid_network",
                "Enter an address or a range such as 203.0.113.0/24.",
            );
        }
    }
    let own_listed = own_address.is_some_and(|ip| {
        s.staff_networks
            .iter()
            .any(|n| api_types::validation::network_contains(n, ip))
    });
    if !s.staff_networks.is_empty() && !own_listed {
        errors.push(
            "staff_networks",
            "excludes_you",
            format!(
                "Your own address ({}) is not in the list: saving it would sign you out for good. Add it, or a range that holds it.",
                own_address.unwrap_or("unknown")
            ),
        );
    }
    errors.required_text("practice_name", &s.practice_name, 200);
    for (field, minutes) in [
        ("staff_idle_minutes", s.staff_idle_minutes),
        ("patient_idle_minutes", s.patient_idle_minutes),
    ] {
        if !api_types::admin::IDLE_MINUTES.contains(&minutes) {
            errors.push(
                field,
                "out_of_range",
                "Choose between 5 minutes and 12 hours (720 minutes).",
            );
        }
    }
    if s.time_zone.parse::<chrono_tz::Tz>().is_err() {
        errors.push(
            "time_zone",
            "invalid_time_zone",
            "Choose a time zone such as Australia/Sydney.",
        );
    }
    errors.finish().map_err(ApiError::Validation)
}

/// The practice's settings.
#[utoipa::path(
    tag = "settings",
    security(("bearer" = ["settings:manage"])),
    responses((status = 200, body = PracticeSettings))
)]
#[get("/settings")]
async fn get_settings(
    _auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<PracticeSettings>> {
    Ok(web::Json(load(&state.db).await?))
}

/// Replace the practice's settings.
#[utoipa::path(
    tag = "settings",
    request_body = PracticeSettings,
    security(("bearer" = ["settings:manage"])),
    responses((status = 200, body = PracticeSettings))
)]
#[put("/settings")]
async fn put_settings(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<PracticeSettings>,
) -> ApiResult<web::Json<PracticeSettings>> {
    let mut s = body.into_inner();
    s.staff_networks = s
        .staff_networks
        .iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    validate(&s, auth.client.ip.as_deref())?;
    s.mfa_required_roles.sort();
    s.mfa_required_roles.dedup();
    let txn = state.db.begin().await?;
    save(&txn, &s).await?;
    state
        .audit
        .commit(txn, AuditEntry::by(&auth, AuditAction::SettingsUpdate))
        .await?;
    Ok(web::Json(s))
}
