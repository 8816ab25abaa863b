//! Password hashing (argon2id) and the password policy.

use anyhow::anyhow;
use api_types::validation;
use api_types::ErrorCode;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::platform::crypto::random_token;
use crate::platform::ApiError;

pub struct Passwords {
    /// A hash of a random password, verified against when there is no account, so that a
    /// missing account takes as long to refuse as a wrong password.
    dummy_hash: String,
    /// Each hash takes 19 MiB and a core for tens of milliseconds: running more at once than
    /// there are cores only adds memory and latency, so hashing waits its turn here.
    slots: tokio::sync::Semaphore,
}

impl Passwords {
    pub fn new() -> anyhow::Result<Passwords> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Passwords {
            dummy_hash: hash_blocking(&random_token(24))?,
            slots: tokio::sync::Semaphore::new(cores),
        })
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let _slot = self.slots.acquire().await?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there is none.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let has_hash = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy_hash).to_owned();
        let password = password.to_owned();
        let Ok(_slot) = self.slots.acquire().await else {
            return false;
        };
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).is_ok_and(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        ok && has_hash
    }
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), OWASP's recommended minimum.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("password hashing failed: {e}"))
}

/// At least 12 characters, and not easy to guess (zxcvbn score 3 of 4 or better), given what
/// else we know about the person.
pub fn check_policy(password: &str, field: &str, user_inputs: &[&str]) -> Result<(), ApiError> {
    if let Err((code, message)) = validation::password_length(password) {
        return Err(ApiError::field(field, code, message));
    }
    let estimate = zxcvbn::zxcvbn(password, user_inputs);
    if u8::from(estimate.score()) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "This password would be easy to guess.".into());
        return Err(ApiError::Validation(vec![api_types::FieldError::new(
            field,
            ErrorCode::WeakPassword.as_str(),
            format!("{hint} Add more unrelated words or characters."),
        )]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_and_guessable_passwords() {
        assert!(check_policy("short", "password", &[]).is_err());
        assert!(check_policy("password1234", "password", &[]).is_err());
        assert!(check_policy(
            "jane.citizen@example.com",
            "password",
            &["jane.citizen@example.com"]
        )
        .is_err());
        assert!(check_policy("Correct-Horse-Battery-42", "password", &[]).is_ok());
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_blocking("Correct-Horse-Battery-42").unwrap();
        assert!(h.starts_with("$argon2id$"));
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default()
            .verify_password(b"Correct-Horse-Battery-42", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
    }
}
