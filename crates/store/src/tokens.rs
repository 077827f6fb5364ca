//! Magic-link tokens: [`TOKEN_BYTES`] random bytes, URL-safe, kept only as a SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fitmate_model::rules::{TOKEN_BYTES, TOKEN_CHARS};
use sha2::{Digest, Sha256};

/// A new token and its hash. The token goes into the email and nowhere else.
pub fn new_magic_token() -> Result<(String, [u8; 32]), getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = Sha256::digest(token.as_bytes()).into();
    Ok((token, hash))
}

/// The hash of a presented token, or `None` if it does not have a token's shape.
pub fn magic_token_hash(presented: &str) -> Option<[u8; 32]> {
    let well_formed = presented.len() == TOKEN_CHARS
        && presented
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| Sha256::digest(presented.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_as_made() {
        let (a, hash) = new_magic_token().unwrap();
        let (b, _) = new_magic_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(magic_token_hash(&a), Some(hash));
        assert_eq!(magic_token_hash("short"), None);
        assert_eq!(magic_token_hash(&format!("{}!", &a[..42])), None);
    }
}
