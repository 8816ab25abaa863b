//! Invitations (staff, and patients to the portal) and password resets: single-use, expiring
//! links sent by email through the outbox. Only a hash of each token is stored.

use api_types::admin::Invitation;
use api_types::Page;
use api_types::{ErrorCode, Role};
use chrono::{Duration, Utc};
use entity::auth::{invitation, password_reset};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::comms::outbox;
use crate::platform::crypto::{random_token, sha256_hex, Crypto};
use crate::platform::{ApiError, ApiResult, AppState};
use crate::users::queries::email_bidx;

pub const INVITATION_TTL_DAYS: i64 = 7;
pub const RESET_TTL_MINUTES: i64 = 60;

fn aad(id: Uuid, column: &str) -> String {
    format!("invitations.{column}:{id}")
}

pub fn to_wire(crypto: &Crypto, m: &invitation::Model) -> anyhow::Result<Invitation> {
    Ok(Invitation {
        id: m.id,
        email: crypto.decrypt_str(&m.email_enc, &aad(m.id, "email"))?,
        name: crypto.decrypt_str(&m.name_enc, &aad(m.id, "name"))?,
        role: Role::parse(&m.role).unwrap_or(Role::Patient),
        patient_id: m.patient_id,
        expires_at: m.expires_at,
        accepted_at: m.accepted_at,
        created_at: m.created_at,
    })
}

/// Creates an invitation and queues its email, in one transaction.
pub async fn create(
    state: &AppState,
    email: &str,
    name: &str,
    role: Role,
    patient_id: Option<Uuid>,
    created_by: Option<Uuid>,
) -> ApiResult<invitation::Model> {
    if let Err((code, msg)) = api_types::validation::email(email) {
        return Err(ApiError::field("email", code, msg));
    }
    crate::users::queries::ensure_email_free(&state.db, &state.crypto, email).await?;
    let txn = state.db.begin().await?;
    let id = Uuid::now_v7();
    let token = random_token(32);
    let now = Utc::now();
    let email = email.trim();
    let model = invitation::ActiveModel {
        id: Set(id),
        email_enc: Set(state.crypto.encrypt_str(email, &aad(id, "email"))?),
        email_bidx: Set(email_bidx(&state.crypto, email)),
        name_enc: Set(state.crypto.encrypt_str(name.trim(), &aad(id, "name"))?),
        role: Set(role.as_str().into()),
        patient_id: Set(patient_id),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + Duration::days(INVITATION_TTL_DAYS)),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(created_by),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let practice = crate::settings::load(&txn).await?.practice_name;
    let link = format!(
        "{}/invite?token={token}",
        state.settings.public_url.trim_end_matches('/')
    );
    let (subject, body) = if role == Role::Patient {
        (
            format!("Your {practice} patient portal"),
            format!(
                "Hello {name},\n\n{practice} has invited you to its patient portal, where you can see \
                 your details and appointments and message the clinic.\n\nSet your password here (the \
                 link works once and expires in {INVITATION_TTL_DAYS} days):\n{link}\n"
            ),
        )
    } else {
        (
            format!("You're invited to {practice} on Carebase"),
            format!(
                "Hello {name},\n\nYou have been invited to join {practice} on Carebase as {role}.\n\n\
                 Set your password here (the link works once and expires in {INVITATION_TTL_DAYS} days):\n{link}\n"
            ),
        )
    };
    outbox::enqueue_email(&txn, &state.crypto, email, &subject, &body).await?;
    txn.commit().await?;
    Ok(model)
}

/// Finds the live invitation a token belongs to.
pub async fn find_by_token(db: &impl ConnectionTrait, token: &str) -> ApiResult<invitation::Model> {
    let inv = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await?
        .ok_or_else(invalid_link)?;
    if inv.accepted_at.is_some() || inv.revoked_at.is_some() || inv.expires_at <= Utc::now() {
        return Err(invalid_link());
    }
    Ok(inv)
}

pub fn invalid_link() -> ApiError {
    ApiError::with_detail(
        ErrorCode::InvalidToken,
        "This link has expired or was already used. Ask the practice for a new one.",
    )
}

/// Creates a reset token for an account and queues the email.
pub async fn start_password_reset(state: &AppState, user_id: Uuid, email: &str) -> ApiResult<()> {
    let txn = state.db.begin().await?;
    let token = random_token(32);
    let now = Utc::now();
    password_reset::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + Duration::minutes(RESET_TTL_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let link = format!(
        "{}/reset-password?token={token}",
        state.settings.public_url.trim_end_matches('/')
    );
    outbox::enqueue_email(
        &txn,
        &state.crypto,
        email,
        "Reset your Carebase password",
        &format!(
            "Someone asked to reset the password for this account. If it was you, choose a new \
             password here (the link works once and expires in {RESET_TTL_MINUTES} minutes):\n{link}\n\n\
             If it wasn't you, ignore this email: your password has not changed.\n"
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Consumes a reset token, returning the account it belongs to.
pub async fn consume_reset(db: &impl ConnectionTrait, token: &str) -> ApiResult<Uuid> {
    let reset = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await?
        .ok_or_else(invalid_link)?;
    if reset.used_at.is_some() || reset.expires_at <= Utc::now() {
        return Err(invalid_link());
    }
    let claimed = password_reset::Entity::update_many()
        .col_expr(
            password_reset::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(password_reset::Column::Id.eq(reset.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Err(invalid_link());
    }
    Ok(reset.user_id)
}

/// Invitations not withdrawn, newest first.
pub async fn list(state: &AppState, limit: u64, offset: u64) -> ApiResult<Page<Invitation>> {
    let select = invitation::Entity::find().filter(invitation::Column::RevokedAt.is_null());
    let total = select.clone().count(&state.db).await?;
    let rows = select
        .order_by_desc(invitation::Column::CreatedAt)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    let items = rows
        .iter()
        .map(|m| to_wire(&state.crypto, m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Page::new(items, total, limit, offset))
}

/// Withdraws an invitation that has not been accepted; its link stops working.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    let withdrawn = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if withdrawn == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}
