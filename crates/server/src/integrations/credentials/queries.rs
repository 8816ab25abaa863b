//! Credentials saved in the app: one encrypted document of a provider's fields per provider.

use std::collections::BTreeMap;

use api_types::integrations::Provider;
use chrono::{DateTime, Utc};
use entity::integrations::credential;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;

fn aad(provider: Provider) -> String {
    format!("integration_credentials.data:{}", provider.as_str())
}

/// A provider's saved credentials.
pub struct Saved {
    pub values: BTreeMap<String, String>,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
    pub last_check: Option<(bool, String, DateTime<Utc>)>,
}

pub async fn load(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    provider: Provider,
) -> ApiResult<Option<Saved>> {
    let Some(row) = credential::Entity::find_by_id(provider.as_str())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let values: BTreeMap<String, String> = crypto.decrypt_json(&row.data_enc, &aad(provider))?;
    let last_check = match (
        row.last_check_ok,
        row.last_check_message,
        row.last_checked_at,
    ) {
        (Some(ok), Some(message), Some(at)) => Some((ok, message, at)),
        _ => None,
    };
    Ok(Some(Saved {
        values,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
        last_check,
    }))
}

/// Saves `values` for `provider`, replacing what was saved (a new save clears the last check).
pub async fn save(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    provider: Provider,
    values: &BTreeMap<String, String>,
    by: Option<Uuid>,
) -> ApiResult<()> {
    let row = credential::ActiveModel {
        provider: Set(provider.as_str().to_owned()),
        data_enc: Set(crypto.encrypt_json(values, &aad(provider))?),
        updated_by: Set(by),
        updated_at: Set(Utc::now()),
        last_check_ok: Set(None),
        last_check_message: Set(None),
        last_checked_at: Set(None),
    };
    credential::Entity::insert(row)
        .on_conflict(
            OnConflict::column(credential::Column::Provider)
                .update_columns([
                    credential::Column::DataEnc,
                    credential::Column::UpdatedBy,
                    credential::Column::UpdatedAt,
                    credential::Column::LastCheckOk,
                    credential::Column::LastCheckMessage,
                    credential::Column::LastCheckedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, provider: Provider) -> ApiResult<bool> {
    Ok(credential::Entity::delete_by_id(provider.as_str())
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Notes the outcome of a connection check beside the saved credentials.
pub async fn record_check(
    db: &impl ConnectionTrait,
    provider: Provider,
    ok: bool,
    message: &str,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    credential::Entity::update_many()
        .col_expr(
            credential::Column::LastCheckOk,
            sea_orm::sea_query::Expr::value(ok),
        )
        .col_expr(
            credential::Column::LastCheckMessage,
            sea_orm::sea_query::Expr::value(message),
        )
        .col_expr(
            credential::Column::LastCheckedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(sea_orm::ColumnTrait::eq(
            &credential::Column::Provider,
            provider.as_str(),
        ))
        .exec(db)
        .await?;
    Ok(())
}
