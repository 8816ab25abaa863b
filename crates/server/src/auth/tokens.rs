//! Signed JWTs: short-lived access tokens, and the MFA challenge token that the password step
//! yields when MFA is on (it grants nothing but the right to present a code).

use api_types::Role;
use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ISSUER: &str = "carebase";
pub const AUDIENCE: &str = "carebase-api";
/// How long an MFA challenge lasts.
pub const MFA_TOKEN_TTL_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenType {
    Access,
    MfaChallenge,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    pub typ: TokenType,
    pub role: Role,
    /// The session (refresh-token family) this access token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    /// A patient account's own patient record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<Uuid>,
    /// MFA is required for this role and not yet set up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_setup: Option<bool>,
}

/// The account a token is issued to.
#[derive(Debug, Clone)]
pub struct Subject {
    pub id: Uuid,
    pub role: Role,
    pub patient_id: Option<Uuid>,
    pub mfa_setup: bool,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl_secs: u64,
    /// Tokens this process has verified, with their claims, until they expire. A signed token
    /// cannot change, so an app sending the same access token with every request has its
    /// signature checked and its claims read once, not each time. Whether its session is still
    /// open is checked on every request all the same (`sessions::is_active`).
    verified: std::sync::Mutex<std::collections::HashMap<String, Claims>>,
}

/// Seconds a token is still accepted after its expiry, for clocks a little apart.
const LEEWAY: i64 = 5;
/// Tokens kept verified at most; past it, the expired are dropped, and if that is not enough,
/// all (they are verified again as they come).
const VERIFIED_MAX: usize = 10_000;

#[derive(Debug, thiserror::Error)]
#[error("invalid token")]
pub struct InvalidToken;

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl_secs: u64) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl_secs,
            verified: Default::default(),
        }
    }

    pub fn issue(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// Builds and signs a token for `subject`.
    pub fn sign(
        &self,
        typ: TokenType,
        subject: &Subject,
        sid: Option<Uuid>,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        self.issue(&Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.id,
            iat: now,
            exp: now + ttl_secs,
            jti: Uuid::now_v7(),
            typ,
            role: subject.role,
            sid,
            pid: subject.patient_id,
            mfa_setup: subject.mfa_setup.then_some(true),
        })
    }

    /// Verifies signature (HS256 only: `alg: none` and every other algorithm are refused),
    /// issuer, audience, expiry and the token type.
    pub fn decode(&self, token: &str, expected: TokenType) -> Result<Claims, InvalidToken> {
        let now = Utc::now().timestamp();
        let seen = self
            .verified
            .lock()
            .ok()
            .and_then(|verified| verified.get(token).cloned());
        if let Some(claims) = seen {
            return (claims.typ == expected && now <= claims.exp + LEEWAY)
                .then_some(claims)
                .ok_or(InvalidToken);
        }
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = LEEWAY as u64;
        let data = decode::<Claims>(token, &self.decoding, &v).map_err(|_| InvalidToken)?;
        if data.claims.typ != expected {
            return Err(InvalidToken);
        }
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= VERIFIED_MAX {
                verified.retain(|_, c| now <= c.exp + LEEWAY);
                if verified.len() >= VERIFIED_MAX {
                    verified.clear();
                }
            }
            verified.insert(token.to_owned(), data.claims.clone());
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject {
        Subject {
            id: Uuid::now_v7(),
            role: Role::Nurse,
            patient_id: None,
            mfa_setup: false,
        }
    }

    #[test]
    fn a_token_verified_once_is_still_refused_once_expired_or_presented_as_another_kind() {
        let keys = JwtKeys::new(b"a secret of thirty-two bytes....", 900);
        let token = keys
            .sign(TokenType::Access, &subject(), Some(Uuid::now_v7()), 900)
            .unwrap();
        assert!(keys.decode(&token, TokenType::Access).is_ok());
        // Again, from what was verified: the same claims, and still not another kind of token.
        assert_eq!(
            keys.decode(&token, TokenType::Access).unwrap().sub,
            keys.decode(&token, TokenType::Access).unwrap().sub
        );
        assert!(keys.decode(&token, TokenType::MfaChallenge).is_err());
        // A token signed with another key, or altered, is checked in full and refused.
        let other = JwtKeys::new(b"another secret of thirty-two....", 900);
        assert!(other.decode(&token, TokenType::Access).is_err());
        let mut altered = token.clone();
        altered.push('x');
        assert!(keys.decode(&altered, TokenType::Access).is_err());
        // Expired past the leeway: refused, though it was verified while it was good.
        let short = keys
            .sign(TokenType::Access, &subject(), None, -LEEWAY + 1)
            .unwrap();
        assert!(keys.decode(&short, TokenType::Access).is_ok());
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert!(keys.decode(&short, TokenType::Access).is_err());
    }
}
