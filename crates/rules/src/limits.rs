//! Limits of the API that are not one field's: the largest body, and the shape of the
//! random tokens it hands out (magic links).

/// The largest request body read, in bytes; a longer one is refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Random bytes in a magic-link token.
pub const TOKEN_BYTES: usize = 32;

/// Characters of a magic-link token: [`TOKEN_BYTES`] in unpadded URL-safe base64.
pub const TOKEN_CHARS: usize = (TOKEN_BYTES * 8).div_ceil(6);

/// The largest request body in KiB, as the documentation says it.
pub const fn max_body_kib() -> usize {
    MAX_BODY_BYTES / 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_of_32_bytes_is_43_characters_of_base64url() {
        assert_eq!(TOKEN_CHARS, 43);
        assert_eq!(max_body_kib(), 64);
    }
}
