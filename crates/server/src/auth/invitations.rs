//! Invitations (staff, and patients to the portal) and password resets: single-use, expiring
//! links sent by email through the outbox. Only a hash of each token is stored.

use api_types::admin::Invitation;
use api_types::comms::CorrespondenceKind;
use api_types::Page;
use api_types::{ErrorCode, Role};
use chrono::{Duration, Utc};
use entity::auth::{invitation, password_reset};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::comms;
use crate::platform::crypto::{random_token, sha256_hex, Crypto};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::users::email_bidx;
use crate::AppState;

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
        approved_at: m.approved_at,
    })
}

/// What an invitation is for.
pub struct NewInvitation<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub patient_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    /// Who allowed the link to be sent. `None` keeps it unsent until someone approves it.
    pub approved_by: Option<Uuid>,
}

/// Creates an invitation in `txn`, withdrawing every earlier one still pending for the same
/// person (the patient, or for staff the same email), so that only the newest link can work.
/// An approved invitation's email is queued in the same transaction.
pub async fn create(
    txn: &impl ConnectionTrait,
    state: &AppState,
    new: NewInvitation<'_>,
) -> ApiResult<invitation::Model> {
    if let Err((code, msg)) = api_types::validation::email(new.email) {
        return Err(ApiError::field("email", code, msg));
    }
    crate::users::ensure_email_free(txn, &state.crypto, new.email).await?;
    let email = new.email.trim();
    let bidx = email_bidx(&state.crypto, email);
    let earlier = match new.patient_id {
        Some(p) => sea_orm::Condition::all().add(invitation::Column::PatientId.eq(p)),
        None => sea_orm::Condition::all()
            .add(invitation::Column::EmailBidx.eq(bidx.clone()))
            .add(invitation::Column::PatientId.is_null()),
    };
    withdraw_pending(txn, earlier).await?;
    let id = Uuid::now_v7();
    let now = Utc::now();
    // A link nobody holds until the invitation is approved and its email queued.
    let token = random_token(32);
    let model = invitation::ActiveModel {
        id: Set(id),
        email_enc: Set(state.crypto.encrypt_str(email, &aad(id, "email"))?),
        email_bidx: Set(bidx),
        name_enc: Set(state
            .crypto
            .encrypt_str(new.name.trim(), &aad(id, "name"))?),
        role: Set(new.role.as_str().into()),
        patient_id: Set(new.patient_id),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + Duration::days(INVITATION_TTL_DAYS)),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(new.created_by),
        created_at: Set(now),
        approved_by: Set(None),
        approved_at: Set(None),
    }
    .insert(txn)
    .await?;
    match new.approved_by {
        Some(approver) => send(txn, state, &model, approver).await,
        None => Ok(model),
    }
}

/// Approves an invitation waiting for it and queues its email with a fresh link.
pub async fn approve(
    txn: &impl ConnectionTrait,
    state: &AppState,
    id: Uuid,
    approver: Uuid,
) -> ApiResult<invitation::Model> {
    let inv = invitation::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.revoked_at.is_none())
        .ok_or_else(ApiError::not_found)?;
    if inv.approved_at.is_some() {
        return Err(ApiError::conflict("This invitation was already sent."));
    }
    send(txn, state, &inv, approver).await
}

/// Marks `inv` approved, gives it a new link (valid for the full period from now) and queues the
/// email, in the caller's transaction.
async fn send(
    txn: &impl ConnectionTrait,
    state: &AppState,
    inv: &invitation::Model,
    approver: Uuid,
) -> ApiResult<invitation::Model> {
    let token = random_token(32);
    let now = Utc::now();
    let mut active: invitation::ActiveModel = inv.clone().into();
    active.token_hash = Set(sha256_hex(&token));
    active.expires_at = Set(now + Duration::days(INVITATION_TTL_DAYS));
    active.approved_by = Set(Some(approver));
    active.approved_at = Set(Some(now));
    let model = active.update(txn).await?;
    let wire = to_wire(&state.crypto, &model)?;
    let (email, name, role) = (wire.email, wire.name, wire.role);
    let practice = crate::settings::load(txn).await?.practice_name;
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
    let about = model
        .patient_id
        .map(|p| comms::About::patient(PatientId(p), CorrespondenceKind::Invitation));
    comms::enqueue_secret_email(txn, &state.crypto, &email, &subject, &body, about).await?;
    Ok(model)
}

/// Withdraws the patient's pending portal invitations (their data is being erased).
pub async fn withdraw_for_patient(
    db: &impl ConnectionTrait,
    patient_id: PatientId,
) -> ApiResult<u64> {
    withdraw_pending(
        db,
        sea_orm::Condition::all().add(invitation::Column::PatientId.eq(patient_id)),
    )
    .await
}

/// Withdraws the pending invitations an account sent (it is being deactivated).
pub async fn withdraw_sent_by(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<u64> {
    withdraw_pending(
        db,
        sea_orm::Condition::all().add(invitation::Column::CreatedBy.eq(user_id)),
    )
    .await
}

/// Withdraws every pending (unaccepted, unwithdrawn) invitation matching `which`.
async fn withdraw_pending(db: &impl ConnectionTrait, which: sea_orm::Condition) -> ApiResult<u64> {
    Ok(invitation::Entity::update_many()
        .col_expr(
            invitation::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(which)
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// The invitation a patient has waiting (unsent or unaccepted), if any.
pub async fn pending_for_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Option<invitation::Model>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::PatientId.eq(patient_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(invitation::Column::CreatedAt)
        .one(db)
        .await?)
}

/// Finds the live invitation a token belongs to.
pub async fn find_by_token(db: &impl ConnectionTrait, token: &str) -> ApiResult<invitation::Model> {
    let inv = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await?
        .ok_or_else(invalid_link)?;
    if inv.accepted_at.is_some()
        || inv.revoked_at.is_some()
        || inv.approved_at.is_none()
        || inv.expires_at <= Utc::now()
    {
        return Err(invalid_link());
    }
    Ok(inv)
}

/// Marks the invitation accepted; false when it already was (the link is single-use).
pub async fn claim(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<bool> {
    let claimed = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    Ok(claimed == 1)
}

pub fn invalid_link() -> ApiError {
    ApiError::with_detail(
        ErrorCode::InvalidToken,
        "This link has expired or was already used. Ask the practice for a new one.",
    )
}

/// Creates a reset token for an account and queues the email, in the caller's transaction.
/// Earlier unused links for the account stop working.
pub async fn start_password_reset(
    txn: &impl ConnectionTrait,
    state: &AppState,
    user_id: Uuid,
    email: &str,
) -> ApiResult<()> {
    end_password_resets(txn, user_id).await?;
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
    .insert(txn)
    .await?;
    let link = format!(
        "{}/reset-password?token={token}",
        state.settings.public_url.trim_end_matches('/')
    );
    comms::enqueue_secret_email(
        txn,
        &state.crypto,
        email,
        "Reset your Carebase password",
        &format!(
            "Someone asked to reset the password for this account. If it was you, choose a new \
             password here (the link works once and expires in {RESET_TTL_MINUTES} minutes):\n{link}\n\n\
             If it wasn't you, ignore this email: your password has not changed.\n"
        ),
        None,
    )
    .await?;
    Ok(())
}

/// Makes every unused reset link of the account stop working.
pub async fn end_password_resets(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    password_reset::Entity::update_many()
        .col_expr(
            password_reset::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?;
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
    let (total, rows) = crate::platform::db::counted_page(
        &state.db,
        select,
        |s| s.order_by_desc(invitation::Column::CreatedAt),
        limit,
        offset,
    )
    .await?;
    let items = rows
        .iter()
        .map(|m| to_wire(&state.crypto, m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Page::new(items, total, limit, offset))
}

/// Withdraws an invitation that has not been accepted; its link stops working. Returns the
/// patient it was for, if any.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<Uuid>> {
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
    Ok(invitation::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|i| i.patient_id))
}
