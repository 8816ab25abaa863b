//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock drift either way) and
//! single-use recovery codes. A code is accepted once: the last step used is stored, and an
//! equal or earlier step is refused.

use rand::Rng;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use api_types::audit::AuditOutcome;
use chrono::Utc;
use entity::auth::recovery_code;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::audit::AuditEntry;
use crate::auth::lockout;
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::users::UserRecord;
use crate::AppState;

pub const ISSUER: &str = "Carebase";
const STEP: u64 = 30;
pub const RECOVERY_CODE_COUNT: usize = 10;

pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    rand::rngs::OsRng.fill(&mut s[..]);
    s
}

pub fn totp(secret: Vec<u8>, account: &str) -> anyhow::Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        secret,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| anyhow::anyhow!("invalid TOTP parameters: {e}"))
}

/// The step a code matches, if it is valid now and newer than `last_step`.
pub fn verify(totp: &TOTP, code: &str, last_step: Option<i64>, now_unix: u64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now_unix / STEP;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = totp.generate(step * STEP);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            let step = step as i64;
            if last_step.is_some_and(|last| step <= last) {
                return None;
            }
            return Some(step);
        }
    }
    None
}

/// The otpauth URI as an SVG QR code.
pub fn qr_svg(uri: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build())
}

const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Ten codes like `k7m2p-x9qrt`: about 49 bits each.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let mut s = String::with_capacity(11);
            for i in 0..10 {
                if i == 5 {
                    s.push('-');
                }
                s.push(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char);
            }
            s
        })
        .collect()
}

/// Whether the input looks like a recovery code rather than a TOTP code.
pub fn is_recovery_code(code: &str) -> bool {
    normalize_recovery(code).len() == 10
}

fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Recovery codes are stored as keyed hashes of their normalised form.
pub fn recovery_hash(crypto: &Crypto, code: &str) -> String {
    crypto.blind_index("recovery_code", &normalize_recovery(code))
}

/// Deletes the account's recovery codes (its data is being erased).
pub async fn forget_recovery_codes(
    db: &impl sea_orm::ConnectionTrait,
    user_id: uuid::Uuid,
) -> crate::platform::ApiResult<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::auth::recovery_code::Entity::delete_many()
        .filter(entity::auth::recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Checks a TOTP or recovery code for `user`, consuming it. Returns which kind matched.
async fn verify_second_factor(
    state: &AppState,
    user: &UserRecord,
    code: &str,
) -> ApiResult<Option<&'static str>> {
    if is_recovery_code(code) {
        let used = recovery_code::Entity::update_many()
            .col_expr(
                recovery_code::Column::UsedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(recovery_code::Column::UserId.eq(user.model.id))
            .filter(recovery_code::Column::CodeHash.eq(recovery_hash(&state.crypto, code)))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(&state.db)
            .await?
            .rows_affected
            == 1;
        return Ok(used.then_some("recovery_code"));
    }
    let Some(secret) = user.decrypt_mfa_secret(&state.crypto, false)? else {
        return Ok(None);
    };
    let totp = totp(secret, &user.email)?;
    let now = Utc::now().timestamp().max(0) as u64;
    let Some(step) = verify(&totp, code, user.model.totp_last_step, now) else {
        return Ok(None);
    };
    let claimed = crate::users::claim_totp_step(&state.db, user.model.id, step).await?;
    Ok(claimed.then_some("totp"))
}

/// [`verify_second_factor`] behind the account's second-factor lockout: refused while locked,
/// a wrong code counted and audited (as `entry`, failed), a right one clearing the count.
pub async fn checked_second_factor(
    state: &AppState,
    user: &UserRecord,
    code: &str,
    entry: AuditEntry,
) -> ApiResult<Option<&'static str>> {
    // Counted before the code is checked, so parallel guesses get no more evaluated.
    let attempt = match lockout::attempt_second_factor(&state.db, user.model.id).await {
        Ok(attempt) => attempt,
        Err(e) => {
            state
                .audit
                .record(entry.outcome(AuditOutcome::Denied).detail("locked"))
                .await?;
            return Err(e);
        }
    };
    let verified = match verify_second_factor(state, user, code).await {
        Ok(verified) => verified,
        Err(e) => {
            attempt.failed();
            return Err(e);
        }
    };
    match verified {
        Some(method) => {
            attempt.succeeded(&state.db).await?;
            Ok(Some(method))
        }
        None => {
            attempt.failed();
            state
                .audit
                .record(entry.outcome(AuditOutcome::Failure))
                .await?;
            Ok(None)
        }
    }
}

/// Replaces the account's recovery codes with ten new ones, returned once in the clear.
pub async fn replace_recovery_codes(
    db: &impl sea_orm::ConnectionTrait,
    crypto: &Crypto,
    user_id: uuid::Uuid,
) -> ApiResult<Vec<String>> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let codes = new_recovery_codes();
    let now = Utc::now();
    let rows = codes.iter().map(|c| recovery_code::ActiveModel {
        id: sea_orm::ActiveValue::Set(uuid::Uuid::now_v7()),
        user_id: sea_orm::ActiveValue::Set(user_id),
        code_hash: sea_orm::ActiveValue::Set(recovery_hash(crypto, c)),
        used_at: sea_orm::ActiveValue::Set(None),
        created_at: sea_orm::ActiveValue::Set(now),
    });
    recovery_code::Entity::insert_many(rows).exec(db).await?;
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once_and_only_near_its_time() {
        let t = totp(new_secret(), "a@b.c").unwrap();
        let now = 1_800_000_000u64;
        let code = t.generate(now);
        let step = verify(&t, &code, None, now).unwrap();
        assert_eq!(verify(&t, &code, Some(step), now), None, "replay refused");
        assert_eq!(
            verify(&t, &code, None, now + 120),
            None,
            "stale code refused"
        );
        assert_eq!(verify(&t, "12345", None, now), None);
    }

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B, SHA-1 secret, T = 59 → 94287082 (8 digits); 6 digits → 287082.
        let t = TOTP::new(
            Algorithm::SHA1,
            6,
            1,
            30,
            b"12345678901234567890".to_vec(),
            None,
            "x".into(),
        )
        .unwrap();
        assert_eq!(t.generate(59), "287082");
    }

    #[test]
    fn recovery_codes_are_distinct_and_recognisable() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert!(codes.iter().all(|c| is_recovery_code(c)));
        assert!(!is_recovery_code("123456"));
    }
}
