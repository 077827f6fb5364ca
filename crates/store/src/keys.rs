//! API keys: random, shown once, kept as a hash, compared in constant time.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fitmate_model::ApiVersion;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ProjectId;

/// How a key begins, so a leaked one is recognisable in code or logs scanners.
const KEY_MARK: &str = "fm_";
/// Random bytes in a key: 256 bits.
const KEY_BYTES: usize = 32;
/// Characters of a key after its mark: [`KEY_BYTES`] in unpadded URL-safe base64.
const KEY_CHARS: usize = (KEY_BYTES * 8).div_ceil(6);
/// Characters of a key that name it in listings and revocation (the mark and 9 more).
pub const KEY_PREFIX_CHARS: usize = 12;

/// A freshly issued key. It exists only until it is shown: the store keeps its hash.
/// `Debug` prints the prefix alone, so a key never reaches a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A new random key: `fm_` and [`KEY_CHARS`] URL-safe characters.
    pub(crate) fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(ApiKey(format!(
            "{KEY_MARK}{}",
            URL_SAFE_NO_PAD.encode(bytes)
        )))
    }

    /// The whole key, to show to its owner once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The part that names the key.
    pub fn prefix(&self) -> &str {
        &self.0[..KEY_PREFIX_CHARS]
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}…)", self.prefix())
    }
}

/// What the store knows of a key: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key's first characters.
    pub prefix: String,
    /// The project the key serves.
    pub project: ProjectId,
    /// The version requests with this key use when they send no `Fitmate-Version`.
    pub version: ApiVersion,
    /// When the key was issued.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// The SHA-256 of a key. Keys carry 256 random bits, so a fast hash is enough: there is
/// nothing to guess that a slow hash would protect.
pub(crate) fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The prefix of a presented key, if it has the shape of one.
pub(crate) fn prefix_of(presented: &str) -> Option<&str> {
    let well_formed = presented.len() == KEY_MARK.len() + KEY_CHARS
        && presented.starts_with(KEY_MARK)
        && presented[KEY_MARK.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| &presented[..KEY_PREFIX_CHARS])
}

/// Whether `presented` hashes to `stored`, compared in constant time.
pub(crate) fn matches(presented: &str, stored: &[u8]) -> bool {
    hash(presented).ct_eq(stored).into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_random_well_formed_and_match_only_their_hash() {
        let a = ApiKey::generate().unwrap();
        let b = ApiKey::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(prefix_of(a.expose()), Some(a.prefix()));
        assert!(matches(a.expose(), &hash(a.expose())));
        assert!(!matches(b.expose(), &hash(a.expose())));
        assert!(!format!("{a:?}").contains(&a.expose()[KEY_PREFIX_CHARS..]));
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        assert_eq!(prefix_of(""), None);
        assert_eq!(prefix_of("fm_short"), None);
        let wrong_mark = format!("xx_{}", "a".repeat(43));
        assert_eq!(prefix_of(&wrong_mark), None);
        let bad_char = format!("fm_{}!", "a".repeat(42));
        assert_eq!(prefix_of(&bad_char), None);
    }
}
