//! Mailgun inbound routes: a route's `forward()` posts each email to the practice as a form
//! (`multipart/form-data` when it has attachments) with `sender`, `from`, `subject`,
//! `body-plain`, `stripped-text`, `Message-Id`, `attachment-count`, `attachment-1…n`, and the
//! signature fields `timestamp`, `token` and `signature` = hex(HMAC-SHA256(webhook signing key,
//! timestamp + token)). The signature covers only the timestamp and the token, so a receiver
//! also refuses old timestamps and remembers tokens it has seen.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a call's `timestamp` may be from now, in seconds.
pub const MAX_AGE_SECS: i64 = 300;

/// The practice's Mailgun webhook signing key. `Debug` leaves it out.
#[derive(Clone)]
pub struct MailgunInbound {
    signing_key: String,
}

impl std::fmt::Debug for MailgunInbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailgunInbound")
            .field("signing_key", &"<redacted>")
            .finish()
    }
}

/// Why a call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Stale,
    Mismatch,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Missing => "no timestamp, token or signature",
            Refusal::Stale => "the timestamp is more than five minutes from now",
            Refusal::Mismatch => "the signature does not match",
        }
    }
}

/// The signature Mailgun sends for `timestamp` and `token`.
pub fn sign(signing_key: &str, timestamp: &str, token: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(signing_key.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl MailgunInbound {
    pub fn new(signing_key: impl Into<String>) -> MailgunInbound {
        MailgunInbound {
            signing_key: signing_key.into(),
        }
    }

    /// Whether the call is Mailgun's: signed with the practice's key, at a time within
    /// [`MAX_AGE_SECS`] of `now` (unix seconds). Remembering the token is the caller's part.
    pub fn verify(
        &self,
        timestamp: &str,
        token: &str,
        signature: &str,
        now: i64,
    ) -> Result<(), Refusal> {
        if self.signing_key.is_empty()
            || timestamp.is_empty()
            || token.is_empty()
            || signature.is_empty()
        {
            return Err(Refusal::Missing);
        }
        let at: i64 = timestamp.parse().map_err(|_| Refusal::Stale)?;
        if now.abs_diff(at) > MAX_AGE_SECS.unsigned_abs() {
            return Err(Refusal::Stale);
        }
        let expected = sign(&self.signing_key, timestamp, token);
        if bool::from(
            expected
                .as_bytes()
                .ct_eq(signature.to_ascii_lowercase().as_bytes()),
        ) {
            Ok(())
        } else {
            Err(Refusal::Mismatch)
        }
    }
}

/// The address in a `From` header such as `Mia Nguyen <mia@example.com>`.
pub fn address_of(from: &str) -> &str {
    match (from.rfind('<'), from.rfind('>')) {
        (Some(open), Some(close)) if open < close => from[open + 1..close].trim(),
        _ => from.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
    const NOW: i64 = 1_764_892_800;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_timestamp_and_token() {
        // As `printf '1764892800abc' | openssl dgst -sha256 -hmac $KEY` gives it.
        let sig = sign(KEY, "1764892800", "abc");
        assert_eq!(
            sig,
            "9f450c44cfc16dfcc2ea03bebbbe157ac84947913014e83edf92e62121238169"
        );
        assert_eq!(
            sig,
            sign(KEY, "176489280", "0abc"),
            "the two are joined as one text"
        );
        let inbound = MailgunInbound::new(KEY);
        assert_eq!(inbound.verify("1764892800", "abc", &sig, NOW), Ok(()));
        assert_eq!(
            inbound.verify("1764892800", "abc", &sig.to_uppercase(), NOW),
            Ok(())
        );
    }

    #[test]
    fn a_wrong_key_token_or_old_timestamp_is_refused() {
        let inbound = MailgunInbound::new(KEY);
        let ts = NOW.to_string();
        let sig = sign(KEY, &ts, "token-1");
        assert_eq!(
            inbound.verify(&ts, "token-2", &sig, NOW),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            MailgunInbound::new("another-key").verify(&ts, "token-1", &sig, NOW),
            Err(Refusal::Mismatch)
        );
        let old = (NOW - 301).to_string();
        let old_sig = sign(KEY, &old, "token-1");
        assert_eq!(
            inbound.verify(&old, "token-1", &old_sig, NOW),
            Err(Refusal::Stale)
        );
        assert_eq!(inbound.verify(&ts, "", &sig, NOW), Err(Refusal::Missing));
        assert_eq!(
            inbound.verify("soon", "token-1", &sig, NOW),
            Err(Refusal::Stale)
        );
        assert_eq!(
            inbound.verify(&i64::MIN.to_string(), "token-1", &sig, NOW),
            Err(Refusal::Stale)
        );
    }

    #[test]
    fn the_address_is_read_from_a_from_header() {
        assert_eq!(
            address_of("Mia Nguyen <mia@example.com>"),
            "mia@example.com"
        );
        assert_eq!(address_of("mia@example.com"), "mia@example.com");
    }
}
