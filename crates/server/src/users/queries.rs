use anyhow::Context;
use api_types::admin::{User, UserStatus};
use api_types::validation::normalize_email;
use api_types::Role;
use chrono::Utc;
use entity::users::user;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult};
use crate::platform::{PatientId, UserId};

pub const EMAIL_DOMAIN: &str = "user.email";

pub fn email_bidx(crypto: &Crypto, email: &str) -> String {
    crypto.blind_index(EMAIL_DOMAIN, &normalize_email(email))
}

pub(super) fn aad(id: Uuid, column: &str) -> String {
    format!("users.{column}:{id}")
}

/// An account with its email and name decrypted.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub model: user::Model,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl UserRecord {
    pub fn decrypt(crypto: &Crypto, model: user::Model) -> anyhow::Result<UserRecord> {
        let email = crypto.decrypt_str(&model.email_enc, &aad(model.id, "email"))?;
        let name = crypto.decrypt_str(&model.name_enc, &aad(model.id, "name"))?;
        let role = Role::parse(&model.role).context("unknown role in database")?;
        Ok(UserRecord {
            model,
            email,
            name,
            role,
        })
    }

    pub fn is_active(&self) -> bool {
        self.model.status == UserStatus::Active
    }

    pub fn to_wire(&self) -> User {
        User {
            id: self.model.id,
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
            status: if self.is_active() {
                UserStatus::Active
            } else {
                UserStatus::Deactivated
            },
            mfa_enabled: self.model.mfa_enabled,
            patient_id: self.model.patient_id,
            created_at: self.model.created_at,
            last_login_at: self.model.last_login_at,
        }
    }

    pub fn decrypt_mfa_secret(
        &self,
        crypto: &Crypto,
        pending: bool,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let (value, column) = if pending {
            (&self.model.mfa_pending_secret_enc, "mfa_pending")
        } else {
            (&self.model.mfa_secret_enc, "mfa_secret")
        };
        value
            .as_deref()
            .map(|v| crypto.decrypt(v, &aad(self.model.id, column)))
            .transpose()
    }
}

pub fn encrypt_mfa_secret(
    crypto: &Crypto,
    id: Uuid,
    secret: &[u8],
    pending: bool,
) -> anyhow::Result<String> {
    crypto.encrypt(
        secret,
        &aad(id, if pending { "mfa_pending" } else { "mfa_secret" }),
    )
}

/// Refuses an email that an account already has.
pub async fn ensure_email_free(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    email: &str,
) -> ApiResult<()> {
    let taken = user::Entity::find()
        .filter(user::Column::EmailBidx.eq(email_bidx(crypto, email)))
        .one(db)
        .await?
        .is_some();
    if taken {
        return Err(ApiError::field(
            "email",
            "taken",
            "An account with this email already exists.",
        ));
    }
    Ok(())
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub patient_id: Option<Uuid>,
    pub password_hash: Option<String>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    new: NewUser<'_>,
) -> ApiResult<UserRecord> {
    ensure_email_free(db, crypto, new.email).await?;
    let bidx = email_bidx(crypto, new.email);
    let id = Uuid::now_v7();
    let now = Utc::now();
    let email = new.email.trim();
    let model = user::ActiveModel {
        id: Set(id),
        email_enc: Set(crypto.encrypt_str(email, &aad(id, "email"))?),
        email_bidx: Set(bidx),
        name_enc: Set(crypto.encrypt_str(new.name.trim(), &aad(id, "name"))?),
        role: Set(new.role.as_str().to_owned()),
        status: Set(UserStatus::Active),
        patient_id: Set(new.patient_id),
        password_hash: Set(new.password_hash),
        mfa_enabled: Set(false),
        mfa_secret_enc: Set(None),
        mfa_pending_secret_enc: Set(None),
        totp_last_step: Set(None),
        phone_enc: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(UserRecord::decrypt(crypto, model)?)
}

/// The account's row, without decrypting anything (for checks on role and status).
pub async fn find_model(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: UserId,
) -> ApiResult<Option<UserRecord>> {
    match user::Entity::find_by_id(id).one(db).await? {
        Some(m) => Ok(Some(UserRecord::decrypt(crypto, m)?)),
        None => Ok(None),
    }
}

pub async fn get(db: &impl ConnectionTrait, crypto: &Crypto, id: UserId) -> ApiResult<UserRecord> {
    find(db, crypto, id).await?.ok_or_else(ApiError::not_found)
}

/// Active staff whom patients can book: practitioners and nurses, in name order.
pub async fn bookable(db: &impl ConnectionTrait, crypto: &Crypto) -> ApiResult<Vec<UserRecord>> {
    let rows = user::Entity::find()
        .filter(user::Column::Role.is_in([Role::Practitioner.as_str(), Role::Nurse.as_str()]))
        .filter(user::Column::Status.eq(UserStatus::Active))
        .all(db)
        .await?;
    let mut users = rows
        .into_iter()
        .map(|m| UserRecord::decrypt(crypto, m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    users.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(users)
}

/// Whether an account is someone patients can book.
pub fn is_bookable(user: &UserRecord) -> bool {
    user.is_active() && user.role.is_clinician()
}

/// The names of several accounts, by id.
pub async fn names(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    ids: &[Uuid],
) -> ApiResult<std::collections::HashMap<Uuid, String>> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for m in rows {
            let name = crypto.decrypt_str(&m.name_enc, &aad(m.id, "name"))?;
            out.insert(m.id, name);
        }
    }
    Ok(out)
}

/// The phone a member of staff is rung on when they call a patient, as they last gave it.
pub async fn phone_of(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
) -> ApiResult<Option<String>> {
    let Some(m) = find_model(db, id).await? else {
        return Ok(None);
    };
    match &m.phone_enc {
        Some(enc) => Ok(Some(crypto.decrypt_str(enc, &aad(id, "phone"))?)),
        None => Ok(None),
    }
}

/// Remembers the phone a member of staff is rung on.
pub async fn remember_phone(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
    phone: &str,
) -> ApiResult<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::PhoneEnc,
            sea_orm::sea_query::Expr::value(crypto.encrypt_str(phone, &aad(id, "phone"))?),
        )
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    email: &str,
) -> ApiResult<Option<UserRecord>> {
    match user::Entity::find()
        .filter(user::Column::EmailBidx.eq(email_bidx(crypto, email)))
        .one(db)
        .await?
    {
        Some(m) => Ok(Some(UserRecord::decrypt(crypto, m)?)),
        None => Ok(None),
    }
}

/// The patient account of a patient record, if one exists.
pub async fn find_by_patient(
    db: &impl ConnectionTrait,
    patient_id: PatientId,
) -> ApiResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::PatientId.eq(patient_id))
        .one(db)
        .await?)
}

/// Every active administrator, to tell them of something that needs one.
pub async fn active_admins(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
) -> ApiResult<Vec<UserRecord>> {
    user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Status.eq(UserStatus::Active))
        .all(db)
        .await?
        .into_iter()
        .map(|m| Ok(UserRecord::decrypt(crypto, m)?))
        .collect()
}

/// For each of `ids`, the patient record the account belongs to, if it is a patient's account.
pub async fn patient_links(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<std::collections::HashMap<Uuid, Option<Uuid>>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.patient_id))
        .collect())
}

/// The ids of every account of a patient (a portal account, and any older ones).
pub async fn accounts_of_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Vec<Uuid>> {
    Ok(user::Entity::find()
        .filter(user::Column::PatientId.eq(patient_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

pub async fn count_active_admins(db: &impl ConnectionTrait) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq("admin"))
        .filter(user::Column::Status.eq(UserStatus::Active))
        .count(db)
        .await?)
}

/// A change to an account's credentials, made by the sign-in flows.
pub enum CredentialChange {
    Password(String),
    /// A TOTP secret waiting for its first code (already encrypted).
    PendingMfaSecret(String),
    /// The pending secret confirmed with the code of `step` (secret already encrypted).
    EnableMfa {
        secret_enc: String,
        step: i64,
    },
    DisableMfa,
    SignedIn,
}

pub async fn change_credentials(
    db: &impl ConnectionTrait,
    user: &user::Model,
    change: CredentialChange,
) -> ApiResult<()> {
    let mut m: user::ActiveModel = user.clone().into();
    let now = Utc::now();
    match change {
        CredentialChange::Password(hash) => m.password_hash = Set(Some(hash)),
        CredentialChange::PendingMfaSecret(enc) => m.mfa_pending_secret_enc = Set(Some(enc)),
        CredentialChange::EnableMfa { secret_enc, step } => {
            m.mfa_enabled = Set(true);
            m.mfa_secret_enc = Set(Some(secret_enc));
            m.mfa_pending_secret_enc = Set(None);
            m.totp_last_step = Set(Some(step));
        }
        CredentialChange::DisableMfa => {
            m.mfa_enabled = Set(false);
            m.mfa_secret_enc = Set(None);
            m.mfa_pending_secret_enc = Set(None);
            m.totp_last_step = Set(None);
        }
        CredentialChange::SignedIn => {
            m.last_login_at = Set(Some(now));
            m.update(db).await?;
            return Ok(());
        }
    }
    m.updated_at = Set(now);
    m.update(db).await?;
    Ok(())
}

/// Records that a TOTP code of `step` was used, unless a concurrent request already used this
/// step or a later one; returns whether this request got it.
pub async fn claim_totp_step(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    step: i64,
) -> ApiResult<bool> {
    Ok(user::Entity::update_many()
        .col_expr(
            user::Column::TotpLastStep,
            sea_orm::sea_query::Expr::value(step),
        )
        .filter(user::Column::Id.eq(user_id))
        .filter(
            sea_orm::Condition::any()
                .add(user::Column::TotpLastStep.is_null())
                .add(user::Column::TotpLastStep.lt(step)),
        )
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// A page of accounts, newest first: staff, or those of one role.
pub async fn list(
    db: &impl ConnectionTrait,
    role: Option<Role>,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<user::Model>)> {
    use sea_orm::QueryOrder;
    let select = match role {
        Some(r) => user::Entity::find().filter(user::Column::Role.eq(r.as_str())),
        None => user::Entity::find().filter(user::Column::Role.ne(Role::Patient.as_str())),
    };
    let (total, rows) = crate::platform::db::counted_page(
        db,
        select,
        |s| s.order_by_desc(user::Column::CreatedAt),
        limit,
        offset,
    )
    .await?;
    Ok((total, rows))
}

/// Writes an administrator's change to an account: its role, name (already validated) or status.
pub async fn update_details(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    current: &UserRecord,
    role: Option<Role>,
    name: Option<&str>,
    status: Option<UserStatus>,
) -> ApiResult<user::Model> {
    let id = current.model.id;
    let mut m: user::ActiveModel = current.model.clone().into();
    if let Some(role) = role {
        m.role = Set(role.as_str().into());
    }
    if let Some(name) = name {
        m.name_enc = Set(crypto.encrypt_str(name.trim(), &aad(id, "name"))?);
    }
    if let Some(status) = status {
        m.status = Set(status);
    }
    m.updated_at = Set(Utc::now());
    Ok(m.update(db).await?)
}
