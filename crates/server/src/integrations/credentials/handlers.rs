//! Settings → Integrations: each provider's credentials, saved, removed and checked by an
//! administrator. Secret fields are write-only: they are never sent back, only whether one is set.

use api_types::audit::AuditAction;
use std::collections::BTreeMap;

use actix_web::{delete, get, post, put, web, HttpResponse};
use api_types::integrations::{
    ConnectionCheck, CredentialSource, Integration, Provider, SaveCredentials,
};
use chrono::Utc;
use sea_orm::TransactionTrait;
use utoipa_actix_web::service_config::ServiceConfig;

use super::queries as credentials;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::integrations::clients;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_integrations)
        .service(save_integration)
        .service(remove_integration)
        .service(check_integration);
}

fn provider(name: &str) -> ApiResult<Provider> {
    Provider::parse(name).ok_or_else(ApiError::not_found)
}

fn secret_fields(provider: Provider) -> impl Iterator<Item = &'static str> {
    provider
        .fields()
        .iter()
        .filter(|f| f.secret)
        .map(|f| f.name)
}

async fn describe(state: &AppState, provider: Provider) -> ApiResult<Integration> {
    let source = clients::source(state, provider).await?;
    let redirect_uri = clients::callback(&state.settings, provider);
    let saved = credentials::load(&state.db, &state.crypto, provider).await?;
    let Some(saved) = saved else {
        return Ok(Integration {
            provider,
            source,
            redirect_uri,
            values: BTreeMap::new(),
            secrets_set: Vec::new(),
            updated_at: None,
            updated_by_name: None,
            last_check: None,
        });
    };
    let secrets: Vec<&str> = secret_fields(provider).collect();
    let values = saved
        .values
        .iter()
        .filter(|(k, _)| !secrets.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let secrets_set = secrets
        .iter()
        .filter(|s| saved.values.get(**s).is_some_and(|v| !v.is_empty()))
        .map(|s| (*s).to_owned())
        .collect();
    let updated_by_name = match saved.updated_by {
        Some(id) => crate::users::names(&state.db, &state.crypto, &[id])
            .await?
            .remove(&id),
        None => None,
    };
    Ok(Integration {
        provider,
        source,
        redirect_uri,
        values,
        secrets_set,
        updated_at: Some(saved.updated_at),
        updated_by_name,
        last_check: saved
            .last_check
            .map(|(ok, message, checked_at)| ConnectionCheck {
                ok,
                message,
                checked_at,
            }),
    })
}

fn refuse_if_configured(source: CredentialSource, provider: Provider) -> ApiResult<()> {
    if source == CredentialSource::Config {
        return Err(ApiError::conflict(format!(
            "{}'s credentials are set in the server's configuration, which takes precedence; \
             change them there.",
            provider.name()
        )));
    }
    Ok(())
}

/// Every outside service the practice can connect, with where its credentials come from.
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = ["settings:manage"])),
    responses((status = 200, body = Vec<Integration>))
)]
#[get("/integrations")]
async fn list_integrations(
    _auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<Integration>>> {
    let mut out = Vec::with_capacity(Provider::ALL.len());
    for p in Provider::ALL {
        out.push(describe(&state, p).await?);
    }
    Ok(web::Json(out))
}

/// Save a provider's credentials. A secret field left out keeps its saved value; the provider's
/// features use the new credentials at once.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = Provider, Path, description = "withings, google, twilio, mailgun or transcription")),
    request_body = SaveCredentials,
    security(("bearer" = ["settings:manage"])),
    responses(
        (status = 200, body = Integration),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Set in the server's configuration", body = api_types::Problem),
        (status = 422, body = api_types::Problem)
    )
)]
#[put("/integrations/{provider}")]
async fn save_integration(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    name: web::Path<String>,
    body: crate::platform::http::Body<SaveCredentials>,
) -> ApiResult<web::Json<Integration>> {
    let provider = provider(&name)?;
    refuse_if_configured(clients::source(&state, provider).await?, provider)?;
    let body = body.into_inner();
    let saved = credentials::load(&state.db, &state.crypto, provider).await?;
    // A saved secret is kept only while every address it is sent to stays as it was: a new
    // address needs the secret entered again, so that it cannot be sent somewhere else unseen.
    let address_changed = provider.fields().iter().any(|f| {
        let is_address = f.name.ends_with("_base") || f.name.ends_with("_url");
        let given = body
            .values
            .get(f.name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        let before = saved
            .as_ref()
            .and_then(|s| s.values.get(f.name))
            .map(String::as_str);
        is_address && given != before
    });
    let secrets_set: Vec<String> = saved
        .as_ref()
        .filter(|_| !address_changed)
        .map(|s| {
            secret_fields(provider)
                .filter(|f| s.values.get(*f).is_some_and(|v| !v.is_empty()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    body.validate(provider, &secrets_set)
        .map_err(ApiError::Validation)?;

    let mut values: BTreeMap<String, String> = body
        .values
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    for field in secret_fields(provider) {
        if !values.contains_key(field) && !address_changed {
            if let Some(old) = saved.as_ref().and_then(|s| s.values.get(field)) {
                values.insert(field.to_owned(), old.clone());
            }
        }
    }
    // A client must build from them before they replace what works.
    match provider {
        Provider::Withings => clients::build_withings(&state.settings, &values).map(drop)?,
        Provider::Google => clients::build_google(&state.settings, &values).map(drop)?,
        Provider::Twilio => clients::build_twilio(&state.settings, &values).map(drop)?,
        Provider::Mailgun => drop(clients::build_mailgun(&values)),
        Provider::Transcription => clients::build_transcription(&values).map(drop)?,
    }

    let changed: Vec<&str> = provider
        .fields()
        .iter()
        .filter(|f| saved.as_ref().and_then(|s| s.values.get(f.name)) != values.get(f.name))
        .map(|f| f.name)
        .collect();
    let txn = state.db.begin().await?;
    credentials::save(
        &txn,
        &state.crypto,
        provider,
        &values,
        Some(auth.acting_user()),
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::IntegrationSave)
                .resource("integration", provider.as_str())
                .detail(format!("fields={}", changed.join(","))),
        )
        .await?;
    state.integrations.forget(provider).await;
    Ok(web::Json(describe(&state, provider).await?))
}

/// Remove a provider's saved credentials: its features stop until they are entered again.
/// Patients' and practitioners' connections are kept, and work again with the same client.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = Provider, Path, description = "withings, google, twilio, mailgun or transcription")),
    security(("bearer" = ["settings:manage"])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Set in the server's configuration", body = api_types::Problem)
    )
)]
#[delete("/integrations/{provider}")]
async fn remove_integration(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let provider = provider(&name)?;
    refuse_if_configured(clients::source(&state, provider).await?, provider)?;
    let txn = state.db.begin().await?;
    if !credentials::delete(&txn, provider).await? {
        return Err(ApiError::not_found());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::IntegrationRemove)
                .resource("integration", provider.as_str()),
        )
        .await?;
    state.integrations.forget(provider).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Check a provider's credentials with a call that changes nothing at the provider.
#[utoipa::path(
    tag = "integrations",
    params(("provider" = Provider, Path, description = "withings, google, twilio, mailgun or transcription")),
    security(("bearer" = ["settings:manage"])),
    responses(
        (status = 200, description = "The outcome, whether or not the provider accepted them", body = ConnectionCheck),
        (status = 404, body = api_types::Problem),
        (status = 409, description = "Not set up", body = api_types::Problem)
    )
)]
#[post("/integrations/{provider}/check")]
async fn check_integration(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> ApiResult<web::Json<ConnectionCheck>> {
    let provider = provider(&name)?;
    let not_set_up = || ApiError::conflict(format!("{} is not set up.", provider.name()));
    let outcome = match provider {
        Provider::Withings => {
            let client = clients::withings_client(&state)
                .await?
                .ok_or_else(not_set_up)?;
            client.check_credentials().await.map_err(|e| e.to_string())
        }
        Provider::Google => {
            let client = clients::google_client(&state)
                .await?
                .ok_or_else(not_set_up)?;
            client.check_credentials().await.map_err(|e| e.to_string())
        }
        Provider::Twilio => {
            let client = clients::twilio_client(&state)
                .await?
                .ok_or_else(not_set_up)?;
            client.check_credentials().await.map_err(|e| e.to_string())
        }
        Provider::Transcription => {
            let client = clients::transcription_client(&state)
                .await?
                .ok_or_else(not_set_up)?;
            client.check().await.map_err(|e| e.to_string())
        }
        // Mailgun has nothing to ask with a signing key: the check reads how its last call went.
        Provider::Mailgun => {
            clients::mailgun_inbound(&state)
                .await?
                .ok_or_else(not_set_up)?;
            match crate::comms::last_provider_call(&state.db, "mailgun").await? {
                Some(call) if call.verified => Ok(()),
                Some(call) => Err(format!(
                    "Mailgun's last call, {}, was refused: {}. Check the signing key.",
                    call.received_at.format("%Y-%m-%d %H:%M UTC"),
                    call.refusal.unwrap_or_default()
                )),
                None => Err(
                    "No email has come from Mailgun yet: send one to the route's address, then check again."
                        .to_owned(),
                ),
            }
        }
    };
    let check = ConnectionCheck {
        ok: outcome.is_ok(),
        message: match outcome {
            Ok(()) if provider == Provider::Mailgun => {
                "Mailgun's last call was signed with this key.".to_owned()
            }
            Ok(()) => format!("{} accepted the credentials.", provider.name()),
            Err(e) => e,
        },
        checked_at: Utc::now(),
    };
    let txn = state.db.begin().await?;
    credentials::record_check(&txn, provider, check.ok, &check.message, check.checked_at).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::IntegrationCheck)
                .resource("integration", provider.as_str())
                .detail(if check.ok { "accepted" } else { "refused" }),
        )
        .await?;
    Ok(web::Json(check))
}
