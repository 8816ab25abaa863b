//! The practice settings record: name, time zone and which roles must use MFA.

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

fn validate(s: &PracticeSettings) -> Result<(), ApiError> {
    let mut errors = api_types::validation::Errors::default();
    errors.required_text("practice_name", &s.practice_name, 200);
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
    validate(&s)?;
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
