//! `secureMetadata` at rest: sealed with AES-256-GCM under the server's secret key, so the
//! database never holds it in clear.
//!
//! A sealed value is `fm1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`: the key id (the
//! first 4 bytes of the key's SHA-256, in hex) says which key opens it, so keys can be
//! rotated: the current key seals, the current and previous keys open. The user's id is
//! bound in as associated data, so a sealed value copied to another user does not open.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::StoreError;

const PREFIX: &str = "fm1:";

/// One AES-256-GCM key and its id.
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn new(bytes: &[u8]) -> Result<Key, InvalidSecretKey> {
        let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|_| InvalidSecretKey::Length)?;
        Ok(Key {
            id: hex_prefix(&Sha256::digest(bytes)),
            cipher,
        })
    }
}

/// The key id a sealed value names, if it is a sealed value.
pub(crate) fn key_id_of(stored: &str) -> Option<&str> {
    stored
        .strip_prefix(PREFIX)?
        .split_once(':')
        .map(|(id, _)| id)
}

fn hex_prefix(digest: &[u8]) -> String {
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// The keys that seal and open `secureMetadata`: the current one, and earlier ones still
/// able to open what they sealed (key rotation).
pub struct SecretKeys {
    current: Key,
    previous: Vec<Key>,
}

impl fmt::Debug for SecretKeys {
    /// Key ids only, never key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeys")
            .field("current", &self.current.id)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A secret key that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidSecretKey {
    /// Not base64.
    #[error(
        "a secret key must be 32 bytes written in base64 (make one with `fitmate keys secret`)"
    )]
    Encoding,
    /// Not 32 bytes.
    #[error("a secret key must be 32 bytes (256 bits); make one with `fitmate keys secret`")]
    Length,
}

impl SecretKeys {
    /// The keys from their base64 forms (standard or URL-safe, padding optional): `current`
    /// seals, `previous` only open.
    pub fn from_base64(current: &str, previous: &[&str]) -> Result<Self, InvalidSecretKey> {
        let decode = |text: &str| -> Result<Key, InvalidSecretKey> {
            let text = text.trim();
            let bytes = STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .map_err(|_| InvalidSecretKey::Encoding)?;
            Key::new(&bytes)
        };
        Ok(SecretKeys {
            current: decode(current)?,
            previous: previous
                .iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| decode(p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// A new random key, in base64 (what [`SecretKeys::from_base64`] reads).
    pub fn generate() -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::corrupt("random key", e))?;
        Ok(STANDARD.encode(bytes))
    }

    /// The id of the key that seals, as sealed values name it.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Whether values sealed with the key `id` open with these keys (current or previous).
    pub fn opens(&self, id: &str) -> bool {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|k| k.id == id)
    }

    /// Seals `plain` for the user `user_id`.
    pub(crate) fn seal(&self, plain: &[u8], user_id: &str) -> Result<String, StoreError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::corrupt("random nonce", e))?;
        let sealed = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: user_id.as_bytes(),
                },
            )
            .map_err(|_| StoreError::corrupt("secure metadata", "sealing failed"))?;
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(out)
        ))
    }

    /// Opens what [`SecretKeys::seal`] made for `user_id`. A value written before sealing
    /// existed (plain JSON) is returned as it is; it is sealed at the user's next write.
    pub(crate) fn open(&self, stored: &str, user_id: &str) -> Result<Vec<u8>, StoreError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.as_bytes().to_vec());
        };
        let unreadable = |reason: &str| StoreError::corrupt("secure metadata", reason);
        let (id, body) = rest
            .split_once(':')
            .ok_or_else(|| unreadable("no key id"))?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| {
                StoreError::corrupt(
                    "secure metadata",
                    format!("sealed with key {id}, which is not configured (current or previous)"),
                )
            })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| unreadable("not base64"))?;
        if bytes.len() < 12 + 16 {
            return Err(unreadable("too short"));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| unreadable("too short"))?;
        key.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: user_id.as_bytes(),
                },
            )
            .map_err(|_| unreadable("does not open with its key (altered, or another user's)"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys() -> SecretKeys {
        SecretKeys::from_base64(&SecretKeys::generate().unwrap(), &[]).unwrap()
    }

    #[test]
    fn sealed_values_open_for_their_user_only() {
        let keys = keys();
        let sealed = keys.seal(br#"{"mrn":"12345"}"#, "user-1").unwrap();
        assert!(sealed.starts_with(&format!("fm1:{}:", keys.current_id())));
        assert!(!sealed.contains("12345"));
        assert_eq!(keys.open(&sealed, "user-1").unwrap(), br#"{"mrn":"12345"}"#);
        assert!(keys.open(&sealed, "user-2").is_err());
        // Two seals of the same value differ (fresh nonces).
        assert_ne!(sealed, keys.seal(br#"{"mrn":"12345"}"#, "user-1").unwrap());
    }

    #[test]
    fn rotated_keys_still_open_what_they_sealed() {
        let old = SecretKeys::generate().unwrap();
        let new = SecretKeys::generate().unwrap();
        let before = SecretKeys::from_base64(&old, &[]).unwrap();
        let sealed = before.seal(b"{}", "u").unwrap();
        let after = SecretKeys::from_base64(&new, &[&old]).unwrap();
        assert_eq!(after.open(&sealed, "u").unwrap(), b"{}");
        assert!(after.seal(b"{}", "u").unwrap().contains(after.current_id()));
        let forgotten = SecretKeys::from_base64(&new, &[]).unwrap();
        let error = forgotten.open(&sealed, "u").unwrap_err().to_string();
        assert!(error.contains("not configured"), "{error}");
    }

    #[test]
    fn altered_values_and_bad_keys_are_refused() {
        let keys = keys();
        let sealed = keys.seal(b"{}", "u").unwrap();
        let at = sealed.len() - 10;
        let flipped = if &sealed[at..=at] == "A" { "B" } else { "A" };
        let sealed = format!("{}{flipped}{}", &sealed[..at], &sealed[at + 1..]);
        assert!(keys.open(&sealed, "u").is_err());
        assert_eq!(
            SecretKeys::from_base64("c2hvcnQ=", &[]).unwrap_err(),
            InvalidSecretKey::Length
        );
        assert_eq!(
            SecretKeys::from_base64("not base64!", &[]).unwrap_err(),
            InvalidSecretKey::Encoding
        );
        // Plain JSON from before sealing is read as it is.
        assert_eq!(keys.open("{}", "u").unwrap(), b"{}");
    }
}
