use anyhow::Context;
use api_types::patients::{Patient, PatientInput, PatientSummary, PhoneNumber, PhoneType};
use chrono::Utc;
use entity::patients::{patient, search_token};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::search;
use crate::platform::crypto::Crypto;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};

fn aad(id: Uuid) -> String {
    format!("patients.data:{id}")
}

/// A patient row with its demographics decrypted.
#[derive(Debug, Clone)]
pub struct PatientRecord {
    pub model: patient::Model,
    pub details: PatientInput,
}

impl PatientRecord {
    pub fn decrypt(crypto: &Crypto, model: patient::Model) -> anyhow::Result<PatientRecord> {
        let details = crypto
            .decrypt_json(&model.data_enc, &aad(model.id))
            .with_context(|| format!("Failed to decrypt patient {}", model.id))?;
        Ok(PatientRecord { model, details })
    }

    pub fn to_wire(&self) -> Patient {
        Patient {
            id: self.model.id,
            details: self.details.clone(),
            archived_at: self.model.archived_at,
            erased_at: self.model.erased_at,
            created_at: self.model.created_at,
            updated_at: self.model.updated_at,
            version: self.model.version,
        }
    }

    /// The name staff see on a calendar: preferred (or first) name and last name.
    pub fn display_name(&self) -> String {
        let d = &self.details;
        format!(
            "{} {}",
            d.preferred_name.as_deref().unwrap_or(&d.first_name),
            d.last_name
        )
    }

    /// The name a message greets the patient by.
    pub fn greeting_name(&self) -> &str {
        self.details
            .preferred_name
            .as_deref()
            .unwrap_or(&self.details.first_name)
    }

    /// The mobile number messages go to, if the patient has one.
    pub fn mobile(&self) -> Option<&str> {
        self.details
            .phone_numbers
            .iter()
            .find(|p| p.phone_type == PhoneType::Mobile)
            .map(|p| p.number.as_str())
    }

    /// The number a call goes to: the mobile, else the first number on file.
    pub fn phone(&self) -> Option<&str> {
        self.mobile().or_else(|| {
            self.details
                .phone_numbers
                .first()
                .map(|p| p.number.as_str())
        })
    }
}

/// What a list shows of a patient: the demographics' fields it needs, read without building
/// the rest of the record (address, contacts, notes are passed over, never allocated).
#[derive(serde::Deserialize)]
struct Listed {
    #[serde(default)]
    title: Option<String>,
    first_name: String,
    last_name: String,
    #[serde(default)]
    preferred_name: Option<String>,
    #[serde(default)]
    date_of_birth: Option<chrono::NaiveDate>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone_numbers: Vec<PhoneNumber>,
}

impl Listed {
    /// The summary, with the mobile number (or else the first) as the one to call.
    fn summary(self, model: &patient::Model) -> PatientSummary {
        let mut phones = self.phone_numbers;
        let mobile = phones
            .iter()
            .position(|p| p.phone_type == PhoneType::Mobile);
        let phone = match mobile {
            Some(i) => Some(phones.swap_remove(i).number),
            None => phones.into_iter().next().map(|p| p.number),
        };
        PatientSummary {
            id: model.id,
            title: self.title,
            first_name: self.first_name,
            last_name: self.last_name,
            preferred_name: self.preferred_name,
            date_of_birth: self.date_of_birth,
            email: self.email,
            phone,
            archived_at: model.archived_at,
            created_at: model.created_at,
        }
    }
}

/// A patient row as a list shows it, decrypting only what the list needs of the record.
pub fn summary_of(crypto: &Crypto, model: &patient::Model) -> anyhow::Result<PatientSummary> {
    let plain = crypto
        .decrypt(&model.data_enc, &aad(model.id))
        .with_context(|| format!("Failed to decrypt patient {}", model.id))?;
    let listed: Listed = serde_json::from_slice(&plain)
        .with_context(|| format!("Failed to read patient {}", model.id))?;
    Ok(listed.summary(model))
}

/// Trims text fields so that stored values and their search tokens agree.
pub fn tidy(mut p: PatientInput) -> PatientInput {
    fn t(s: &mut String) {
        let trimmed = s.trim();
        if trimmed.len() != s.len() {
            *s = trimmed.to_owned();
        }
    }
    fn opt(s: &mut Option<String>) {
        if let Some(v) = s {
            t(v);
            if v.is_empty() {
                *s = None;
            }
        }
    }
    t(&mut p.first_name);
    t(&mut p.last_name);
    for f in [
        &mut p.title,
        &mut p.preferred_name,
        &mut p.gender_identity,
        &mut p.pronouns,
        &mut p.email,
        &mut p.medicare_number,
        &mut p.medicare_irn,
        &mut p.occupation,
        &mut p.referral_source,
    ] {
        opt(f);
    }
    p
}

async fn write_tokens(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
    details: &PatientInput,
    archived: bool,
) -> ApiResult<()> {
    search_token::Entity::delete_many()
        .filter(search_token::Column::PatientId.eq(id))
        .exec(db)
        .await?;
    let rows: Vec<_> = search::tokens_for(crypto, details)
        .into_iter()
        .map(|token| search_token::ActiveModel {
            token: Set(if archived {
                search::archived(crypto, &token)
            } else {
                token
            }),
            patient_id: Set(id),
        })
        .collect();
    if !rows.is_empty() {
        search_token::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// Inserts a patient and its search tokens. Call inside a transaction.
pub async fn create(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    details: PatientInput,
    created_by: Option<Uuid>,
) -> ApiResult<PatientRecord> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let model = patient::ActiveModel {
        id: Set(id),
        data_enc: Set(crypto.encrypt_json(&details, &aad(id))?),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        created_by: Set(created_by),
        erased_at: Set(None),
        retain_until: Set(None),
    }
    .insert(db)
    .await?;
    write_tokens(db, crypto, id, &details, false).await?;
    Ok(PatientRecord { model, details })
}

/// Saves new demographics over `current`, if nobody saved in between. Call inside a transaction.
pub async fn update(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    current: &PatientRecord,
    details: PatientInput,
) -> ApiResult<PatientRecord> {
    let id = current.model.id;
    let now = Utc::now();
    let version = current.model.version + 1;
    let updated = patient::Entity::update_many()
        .col_expr(
            patient::Column::DataEnc,
            sea_orm::sea_query::Expr::value(crypto.encrypt_json(&details, &aad(id))?),
        )
        .col_expr(
            patient::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            patient::Column::Version,
            sea_orm::sea_query::Expr::value(version),
        )
        .filter(patient::Column::Id.eq(id))
        .filter(patient::Column::Version.eq(current.model.version))
        .filter(patient::Column::ErasedAt.is_null())
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        ensure_not_erased(current)?;
        return Err(ApiError::code(api_types::ErrorCode::PreconditionFailed));
    }
    write_tokens(
        db,
        crypto,
        id,
        &details,
        current.model.archived_at.is_some(),
    )
    .await?;
    let mut model = current.model.clone();
    model.version = version;
    model.updated_at = now;
    Ok(PatientRecord { model, details })
}

/// Archives or restores a patient, with its search tokens, if nobody saved in between and the
/// patient was not erased. Call inside a transaction.
pub async fn set_archived(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    current: &PatientRecord,
    archived: bool,
) -> ApiResult<PatientRecord> {
    ensure_not_erased(current)?;
    let now = Utc::now();
    let mut model = current.model.clone();
    model.archived_at = archived.then_some(now);
    model.updated_at = now;
    model.version = current.model.version + 1;
    let updated = patient::Entity::update_many()
        .col_expr(
            patient::Column::ArchivedAt,
            sea_orm::sea_query::Expr::value(model.archived_at),
        )
        .col_expr(
            patient::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            patient::Column::Version,
            sea_orm::sea_query::Expr::value(model.version),
        )
        .filter(patient::Column::Id.eq(model.id))
        .filter(patient::Column::Version.eq(current.model.version))
        .filter(patient::Column::ErasedAt.is_null())
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::code(api_types::ErrorCode::PreconditionFailed));
    }
    write_tokens(db, crypto, model.id, &current.details, archived).await?;
    Ok(PatientRecord {
        model,
        details: current.details.clone(),
    })
}

/// Refuses any change that would add to, restore or open up an erased patient's record.
pub fn ensure_not_erased(record: &PatientRecord) -> ApiResult<()> {
    if record.model.erased_at.is_some() {
        return Err(ApiError::code(api_types::ErrorCode::PatientErased));
    }
    Ok(())
}

/// The patient, for a change: 404 if there is none, `patient_erased` if their data was erased.
pub async fn get_for_change(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: PatientId,
) -> ApiResult<PatientRecord> {
    let record = get(db, crypto, id).await?;
    ensure_not_erased(&record)?;
    Ok(record)
}

/// Marks the patient erased, archived and out of search, for good. Call inside the erasure's
/// transaction, after the last change to their demographics.
pub async fn mark_erased(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    let now = Utc::now();
    let marked = patient::Entity::update_many()
        .col_expr(
            patient::Column::ErasedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            patient::Column::ArchivedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(patient::Column::Id.eq(id))
        .filter(patient::Column::ErasedAt.is_null())
        .exec(db)
        .await?;
    if marked.rows_affected != 1 {
        return Err(ApiError::code(api_types::ErrorCode::PatientErased));
    }
    search_token::Entity::delete_many()
        .filter(search_token::Column::PatientId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: PatientId,
) -> ApiResult<Option<PatientRecord>> {
    match patient::Entity::find_by_id(id).one(db).await? {
        Some(m) => Ok(Some(PatientRecord::decrypt(crypto, m)?)),
        None => Ok(None),
    }
}

pub async fn get(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: PatientId,
) -> ApiResult<PatientRecord> {
    find(db, crypto, id).await?.ok_or_else(ApiError::not_found)
}

/// Several patients at once, by id; ids with no patient are left out.
pub async fn find_many(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    ids: &[Uuid],
) -> ApiResult<std::collections::HashMap<Uuid, PatientRecord>> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows = patient::Entity::find()
            .filter(patient::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for m in rows {
            let record = PatientRecord::decrypt(crypto, m)?;
            out.insert(record.model.id, record);
        }
    }
    Ok(out)
}

/// The patients, erased ones left out, with `phone` among their numbers, found through the phone
/// number's blind index: how an inbound SMS or call finds whom it is from.
pub async fn with_phone(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    phone: &str,
) -> ApiResult<Vec<PatientId>> {
    with_token(db, search::phone_token(crypto, phone)).await
}

/// The patients, erased ones left out, with `email` as their address, found through its blind
/// index: how an inbound email finds whom it is from.
pub async fn with_email(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    email: &str,
) -> ApiResult<Vec<PatientId>> {
    with_token(db, search::email_token(crypto, email)).await
}

/// The patients, erased ones left out, who have the search token `token`, oldest first.
async fn with_token(db: &impl ConnectionTrait, token: String) -> ApiResult<Vec<PatientId>> {
    let rows = patient::Entity::find()
        .filter(patient::Column::ErasedAt.is_null())
        .filter(
            patient::Column::Id.in_subquery(
                Query::select()
                    .column(search_token::Column::PatientId)
                    .from(search_token::Entity)
                    .and_where(search_token::Column::Token.eq(token))
                    .to_owned(),
            ),
        )
        .order_by_asc(patient::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| PatientId(m.id)).collect())
}
