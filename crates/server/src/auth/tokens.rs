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
}

#[derive(Debug, thiserror::Error)]
#[error("invalid token")]
pub struct InvalidToken;

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl_secs: u64) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl_secs,
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
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = 5;
        let data = decode::<Claims>(token, &self.decoding, &v).map_err(|_| InvalidToken)?;
        if data.claims.typ != expected {
            return Err(InvalidToken);
        }
        Ok(data.claims)
    }
}
