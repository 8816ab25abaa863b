//! Field encryption (AES-256-GCM under a versioned key, so keys can rotate) and blind indexes
//! (keyed hashes of normalised values, in the manner of CipherSweet) for finding encrypted values.
//!
//! Ciphertext format: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The associated data
//! binds each value to where it is stored (`table.column:row id`), so a value copied into another
//! row or column fails to decrypt.

use std::collections::BTreeMap;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{anyhow, bail, Context};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::KeySettings;

type HmacSha256 = Hmac<Sha256>;

pub struct Crypto {
    keys: BTreeMap<u32, Aes256Gcm>,
    active: u32,
    blind_index_key: [u8; 32],
    jwt_secret: Vec<u8>,
}

/// Generated key material for the embedded default.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    encryption_keys: BTreeMap<u32, String>,
    active_key_id: u32,
    blind_index_key: String,
    jwt_secret: String,
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn key32(b64: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD
        .decode(b64.trim())
        .with_context(|| format!("{what} is not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow!("{what} must be exactly 32 bytes"))
}

impl Crypto {
    /// Keys from configuration, or from (and if need be, into) `data_dir/keys.json`.
    pub fn load(settings: &KeySettings, data_dir: &Path) -> anyhow::Result<Crypto> {
        match (&settings.encryption_keys, &settings.blind_index_key, &settings.jwt_secret) {
            (Some(enc), Some(bidx), Some(jwt)) => {
                let mut keys = BTreeMap::new();
                for part in enc.expose_secret().split(',').filter(|p| !p.trim().is_empty()) {
                    let (id, key) = part
                        .split_once(':')
                        .context("encryption_keys entries look like `1:base64key`")?;
                    let id: u32 = id.trim().parse().context("encryption key id must be a number")?;
                    keys.insert(id, key32(key, "an encryption key")?);
                }
                let jwt = STANDARD
                    .decode(jwt.expose_secret().trim())
                    .context("jwt_secret is not valid base64")?;
                Crypto::new(keys, settings.active_key_id, key32(bidx.expose_secret(), "blind_index_key")?, jwt)
            }
            (None, None, None) => Crypto::from_key_file(&data_dir.join("keys.json")),
            _ => bail!(
                "set all of keys.encryption_keys, keys.blind_index_key and keys.jwt_secret, or none \
                 of them to use a generated key file"
            ),
        }
    }

    fn from_key_file(path: &Path) -> anyhow::Result<Crypto> {
        if !path.exists() {
            let file = KeyFile {
                encryption_keys: BTreeMap::from([(1, STANDARD.encode(random_bytes::<32>()))]),
                active_key_id: 1,
                blind_index_key: STANDARD.encode(random_bytes::<32>()),
                jwt_secret: STANDARD.encode(random_bytes::<48>()),
            };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("Failed to create {}", dir.display()))?;
            }
            write_private(path, &serde_json::to_vec_pretty(&file)?)?;
            tracing::info!(path = %path.display(), "generated a new key file");
        }
        let file: KeyFile = serde_json::from_slice(
            &std::fs::read(path).with_context(|| format!("Failed to read {}", path.display()))?,
        )
        .context("The key file is not valid")?;
        let mut keys = BTreeMap::new();
        for (id, k) in &file.encryption_keys {
            keys.insert(*id, key32(k, "an encryption key")?);
        }
        Crypto::new(
            keys,
            Some(file.active_key_id),
            key32(&file.blind_index_key, "blind_index_key")?,
            STANDARD
                .decode(&file.jwt_secret)
                .context("jwt_secret is not valid base64")?,
        )
    }

    pub fn new(
        keys: BTreeMap<u32, [u8; 32]>,
        active: Option<u32>,
        blind_index_key: [u8; 32],
        jwt_secret: Vec<u8>,
    ) -> anyhow::Result<Crypto> {
        let active = active
            .or_else(|| keys.keys().max().copied())
            .context("at least one encryption key is required")?;
        if !keys.contains_key(&active) {
            bail!("the active key id {active} has no key");
        }
        if jwt_secret.len() < 32 {
            bail!("jwt_secret must be at least 32 bytes");
        }
        let keys = keys
            .into_iter()
            .map(|(id, k)| (id, Aes256Gcm::new(&k.into())))
            .collect();
        Ok(Crypto {
            keys,
            active,
            blind_index_key,
            jwt_secret,
        })
    }

    /// Random keys held only in memory, for tests and throwaway tools.
    pub fn ephemeral() -> anyhow::Result<Crypto> {
        let keys = BTreeMap::from([(1, random_bytes::<32>())]);
        Crypto::new(
            keys,
            Some(1),
            random_bytes::<32>(),
            random_bytes::<48>().to_vec(),
        )
    }

    pub fn jwt_secret(&self) -> &[u8] {
        &self.jwt_secret
    }

    /// AES-256-GCM under the active key: a fresh nonce and the ciphertext with its tag.
    fn seal(&self, plaintext: &[u8], aad: &str) -> anyhow::Result<([u8; 12], Vec<u8>)> {
        let cipher = self.keys.get(&self.active).context("active key missing")?;
        let nonce = random_bytes::<12>();
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| anyhow!("encryption failed"))?;
        Ok((nonce, ct))
    }

    fn open(&self, kid: u32, nonce_and_ct: &[u8], aad: &str) -> anyhow::Result<Vec<u8>> {
        let cipher = self
            .keys
            .get(&kid)
            .with_context(|| format!("no key with id {kid} is configured"))?;
        if nonce_and_ct.len() < 12 + 16 {
            bail!("ciphertext too short");
        }
        let (nonce, ct) = nonce_and_ct.split_at(12);
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| anyhow!("decryption failed (wrong key or tampered value)"))
    }

    pub fn encrypt(&self, plaintext: &[u8], aad: &str) -> anyhow::Result<String> {
        let (nonce, ct) = self.seal(plaintext, aad)?;
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(format!(
            "v1.{}.{}",
            self.active,
            URL_SAFE_NO_PAD.encode(out)
        ))
    }

    pub fn decrypt(&self, value: &str, aad: &str) -> anyhow::Result<Vec<u8>> {
        let mut parts = value.splitn(3, '.');
        let (Some("v1"), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("unrecognised ciphertext format");
        };
        let kid: u32 = kid.parse().context("bad key id")?;
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .context("bad ciphertext encoding")?;
        self.open(kid, &raw, aad)
    }

    /// For files: the same AES-256-GCM as `encrypt`, as raw bytes (`v1`, the key id as four
    /// big-endian bytes, the nonce, the ciphertext) rather than text.
    pub fn encrypt_bytes(&self, plaintext: &[u8], aad: &str) -> anyhow::Result<Vec<u8>> {
        let (nonce, ct) = self.seal(plaintext, aad)?;
        let mut out = Vec::with_capacity(6 + 12 + ct.len());
        out.extend_from_slice(b"v1");
        out.extend_from_slice(&self.active.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn decrypt_bytes(&self, value: &[u8], aad: &str) -> anyhow::Result<Vec<u8>> {
        if value.len() < 6 || &value[..2] != b"v1" {
            bail!("unrecognised ciphertext format");
        }
        let kid = u32::from_be_bytes([value[2], value[3], value[4], value[5]]);
        self.open(kid, &value[6..], aad)
    }

    pub fn encrypt_str(&self, plaintext: &str, aad: &str) -> anyhow::Result<String> {
        self.encrypt(plaintext.as_bytes(), aad)
    }

    pub fn decrypt_str(&self, value: &str, aad: &str) -> anyhow::Result<String> {
        String::from_utf8(self.decrypt(value, aad)?).context("decrypted value is not UTF-8")
    }

    pub fn encrypt_json<T: Serialize>(&self, value: &T, aad: &str) -> anyhow::Result<String> {
        self.encrypt(&serde_json::to_vec(value)?, aad)
    }

    pub fn decrypt_json<T: for<'de> Deserialize<'de>>(
        &self,
        value: &str,
        aad: &str,
    ) -> anyhow::Result<T> {
        serde_json::from_slice(&self.decrypt(value, aad)?).context("decrypted JSON is not valid")
    }

    /// The id of the key new values are encrypted under.
    pub fn active_key_id(&self) -> u32 {
        self.active
    }

    /// Whether a value is encrypted under an older key and should be re-encrypted.
    pub fn needs_rotation(&self, value: &str) -> bool {
        !value.starts_with(&format!("v1.{}.", self.active))
    }

    /// A blind index: the first 16 bytes of HMAC-SHA256 over `domain ‖ 0 ‖ value`, hex.
    /// `domain` separates kinds of value, so equal strings in different fields don't collide.
    pub fn blind_index(&self, domain: &str, value: &str) -> String {
        let Ok(mut mac) = <HmacSha256 as Mac>::new_from_slice(&self.blind_index_key) else {
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// An OAuth `state`: `fields`, an expiry `minutes` from now and a nonce, signed with the
    /// blind-index key under `domain`, so that nobody can forge a callback. Fields must not
    /// contain `.`.
    pub fn sign_state(&self, domain: &str, fields: &[&str], minutes: i64) -> String {
        let expires = (chrono::Utc::now() + chrono::Duration::minutes(minutes)).timestamp();
        let payload = format!("{}.{expires}.{}", fields.join("."), random_token(12));
        let mac = self.blind_index(domain, &payload);
        format!("{payload}.{mac}")
    }

    /// The fields of a `state` made by `sign_state` under `domain`, if its signature holds
    /// (compared in constant time) and it has not expired.
    pub fn verify_state(&self, domain: &str, value: &str, count: usize) -> Option<Vec<String>> {
        let (payload, mac) = value.rsplit_once('.')?;
        let expected = self.blind_index(domain, payload);
        let same = mac.len() == expected.len()
            && mac
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0;
        if !same {
            return None;
        }
        let parts: Vec<&str> = payload.split('.').collect();
        if parts.len() != count + 2 {
            return None;
        }
        let expires: i64 = parts[count].parse().ok()?;
        (chrono::Utc::now().timestamp() <= expires)
            .then(|| parts[..count].iter().map(|p| (*p).to_owned()).collect())
    }
}

/// SHA-256 of a high-entropy secret (refresh tokens, reset links, API keys), hex.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// A random URL-safe secret of `n` bytes.
pub fn random_token(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("Failed to create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("Failed to create {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_states_hold_only_untampered_in_their_domain_and_before_they_expire() {
        let c = Crypto::ephemeral().unwrap();
        let state = c.sign_state("test.oauth", &["patient-1", "user-2"], 15);
        assert_eq!(
            c.verify_state("test.oauth", &state, 2),
            Some(vec!["patient-1".to_owned(), "user-2".to_owned()])
        );
        assert_eq!(c.verify_state("other.oauth", &state, 2), None);
        assert_eq!(c.verify_state("test.oauth", &state, 1), None);
        let tampered = state.replacen("patient-1", "patient-9", 1);
        assert_eq!(c.verify_state("test.oauth", &tampered, 2), None);
        let expired = c.sign_state("test.oauth", &["a", "b"], -1);
        assert_eq!(c.verify_state("test.oauth", &expired, 2), None);
        assert_eq!(c.verify_state("test.oauth", "garbage", 2), None);
    }

    #[test]
    fn round_trips_and_binds_to_its_place() {
        let c = Crypto::ephemeral().unwrap();
        let ct = c.encrypt_str("Jane Citizen", "patients.data:1").unwrap();
        assert!(!ct.contains("Jane"));
        assert_eq!(
            c.decrypt_str(&ct, "patients.data:1").unwrap(),
            "Jane Citizen"
        );
        assert!(c.decrypt_str(&ct, "patients.data:2").is_err());
    }

    #[test]
    fn old_keys_still_decrypt_after_rotation() {
        let k1 = [1u8; 32];
        let k2 = [2u8; 32];
        let old = Crypto::new(BTreeMap::from([(1, k1)]), None, [9; 32], vec![7; 32]).unwrap();
        let ct = old.encrypt_str("x", "a").unwrap();
        let new = Crypto::new(
            BTreeMap::from([(1, k1), (2, k2)]),
            None,
            [9; 32],
            vec![7; 32],
        )
        .unwrap();
        assert!(new.needs_rotation(&ct));
        assert_eq!(new.decrypt_str(&ct, "a").unwrap(), "x");
        assert!(!new.needs_rotation(&new.encrypt_str("x", "a").unwrap()));
    }

    #[test]
    fn blind_indexes_are_keyed_and_domain_separated() {
        let a = Crypto::ephemeral().unwrap();
        let b = Crypto::ephemeral().unwrap();
        assert_eq!(
            a.blind_index("email", "x@y.z"),
            a.blind_index("email", "x@y.z")
        );
        assert_ne!(
            a.blind_index("email", "x@y.z"),
            a.blind_index("phone", "x@y.z")
        );
        assert_ne!(
            a.blind_index("email", "x@y.z"),
            b.blind_index("email", "x@y.z")
        );
    }
}
