//! Ending an account. Deactivation ends every credential the account holds, at once and in the
//! same transaction: its sessions, unused password-reset links, the invitations it sent that are
//! still pending, the API keys it made, its break-the-glass access, its calendar feed and its
//! Google Calendar connection. Reactivating the account gives none of them back.

use api_types::admin::UserStatus;
use chrono::Utc;
use entity::users::user;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::queries::{aad, email_bidx};
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::platform::{PatientId, UserId};

/// Deactivates the account and ends everything it holds.
pub async fn deactivate(db: &impl ConnectionTrait, user_id: UserId, reason: &str) -> ApiResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(UserStatus::Deactivated))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    end_credentials(db, user_id, reason).await
}

/// Ends every credential the account holds (see the module's documentation).
pub async fn end_credentials(
    db: &impl ConnectionTrait,
    user_id: UserId,
    reason: &str,
) -> ApiResult<()> {
    crate::auth::revoke_sessions(db, user_id.0, None, reason).await?;
    crate::auth::end_password_resets(db, user_id.0).await?;
    crate::auth::withdraw_invitations_sent_by(db, user_id.0).await?;
    crate::auth::revoke_api_keys_made_by(db, user_id.0).await?;
    crate::patients::end_break_glass_of(db, user_id).await?;
    crate::scheduling::end_feed_for(db, user_id.0).await?;
    crate::integrations::end_google_calendar_of(db, UserId(user_id.0)).await?;
    Ok(())
}

/// Removes a deactivated account's way back in and what identifies it: its password, second
/// factor and recovery codes, and its email and name (replaced by placeholders, which frees the
/// address). For a patient whose data was erased.
pub async fn forget_credentials(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    user_id: Uuid,
) -> ApiResult<()> {
    let placeholder = format!("erased-{}@invalid", user_id.simple());
    user::Entity::update_many()
        .col_expr(
            user::Column::PasswordHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(user::Column::MfaEnabled, Expr::value(false))
        .col_expr(
            user::Column::MfaSecretEnc,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            user::Column::MfaPendingSecretEnc,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            user::Column::EmailEnc,
            Expr::value(crypto.encrypt_str(&placeholder, &aad(user_id, "email"))?),
        )
        .col_expr(
            user::Column::EmailBidx,
            Expr::value(email_bidx(crypto, &placeholder)),
        )
        .col_expr(
            user::Column::NameEnc,
            Expr::value(crypto.encrypt_str("Erased patient", &aad(user_id, "name"))?),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    crate::auth::forget_recovery_codes(db, user_id).await?;
    Ok(())
}

/// The accounts' part of an erasure: each of the patient's accounts is deactivated, ending every
/// credential it holds, and forgets its way back in and what identifies it.
pub async fn erase_patient(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: PatientId,
) -> ApiResult<usize> {
    let accounts = super::queries::accounts_of_patient(db, patient_id.0).await?;
    for account in &accounts {
        deactivate(db, UserId(*account), "patient data erased").await?;
        forget_credentials(db, crypto, *account).await?;
    }
    Ok(accounts.len())
}

/// Retention: at the end of an erased patient's retention their portal accounts (deactivated and
/// stripped at erasure) go. Sign-in's records of them go first (`auth::destroy_patient`).
pub async fn destroy_patient(db: &impl ConnectionTrait, patient_id: PatientId) -> ApiResult<u64> {
    Ok(crate::delete_patient_rows!(db, patient_id, [user]))
}
