//! The formats of the API as regular expressions, written once.
//!
//! Each constant is used twice: compiled with the `regex` crate by the Rust validators, and
//! copied into the `pattern` keyword of the JSON Schemas. They therefore keep to the syntax
//! that Rust's `regex`, ECMAScript (with the `u` flag, as ajv uses), Python's `re` and the
//! `jsonschema` crates read alike: character classes spelled out (`[0-9]`, never `\d`),
//! `\uXXXX` escapes, no look-around, no back-references.

use std::sync::LazyLock;

use regex::Regex;

/// Email: the WHATWG "valid email address" syntax, with at least one dot in the domain.
/// Length (at most 254) is checked apart.
pub const EMAIL: &str = "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

/// Phone number: an optional leading `+`, then 7 to 15 digits, with the separators
/// space, `-`, `.`, `(` and `)` anywhere after the `+`.
pub const PHONE: &str = r"^\+?[ .()-]*(?:[0-9][ .()-]*){7,15}$";

/// White space that names may carry at either end (trimmed before storing): the Unicode
/// `White_Space` characters that are not control characters.
pub(crate) const TRIMMED: &str = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Control characters: C0, DEL and C1.
pub(crate) const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

/// A name: 1 to 100 characters once trimmed, no control characters.
pub static NAME: LazyLock<String> = LazyLock::new(|| {
    format!(
        "^[{TRIMMED}]*[^{TRIMMED}{CONTROL}](?:[^{CONTROL}]{{0,98}}[^{TRIMMED}{CONTROL}])?[{TRIMMED}]*$"
    )
});

/// Free text: any characters but NUL and the C0 controls other than tab, line feed and
/// carriage return. Length (at most 1000) is checked apart.
pub const FREE_TEXT: &str = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$";

/// A calendar date `YYYY-MM-DD` in the years 0001 to 9999 (ISO 8601's year 0000 is not a
/// date every validator reads); whether the day exists is checked apart.
pub const DATE: &str =
    r"^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}$";

/// A date of birth `YYYY-MM-DD` from the year 1900 on.
pub const BIRTH_DATE: &str = r"^(?:19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$";

/// An RFC 3339 date-time from the year 1900 on, as a birthdate may be sent on the project API.
pub const BIRTH_DATE_TIME: &str = r"^((?:19|[2-9][0-9])[0-9]{2}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:Z|[+-]([0-9]{2}):([0-9]{2}))$";

/// A height `Xft Yin`: feet 1 to 8, inches 0 to 11, one space, no leading zeros.
pub const HEIGHT: &str = r"^([1-8])ft ([0-9]|1[01])in$";

/// A weight in pounds written as a decimal string, above 0 and at most 1500: no sign, no
/// exponent, no leading zeros.
pub const POUNDS: &str = r"^(?:0\.[0-9]*[1-9][0-9]*|[1-9][0-9]{0,2}(?:\.[0-9]+)?|1[0-4][0-9]{2}(?:\.[0-9]+)?|1500(?:\.0+)?)$";

/// A username as sent: 1 to 30 of `[A-Za-z0-9._]` among any other characters, which are
/// removed (and the letters lowercased) before storing.
pub const USERNAME: &str = r"^[^A-Za-z0-9._]*(?:[A-Za-z0-9._][^A-Za-z0-9._]*){1,30}$";

/// An avatar URL: `http` or `https`, a host name or bracketed IPv6 address, an optional
/// port, and a path, query and fragment of URI characters (anything else percent-encoded).
pub const AVATAR_URL: &str = r"^https?://(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:[/?#](?:[A-Za-z0-9._~:/?#@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)?$";

/// A string without the NUL character (which PostgreSQL cannot store).
pub const NO_NUL: &str = r"^[^\u0000]*$";

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the patterns of this module are valid; a unit test compiles each")
}

pub(crate) static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| compile(EMAIL));
pub(crate) static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| compile(PHONE));
pub(crate) static NAME_RE: LazyLock<Regex> = LazyLock::new(|| compile(&NAME));
pub(crate) static FREE_TEXT_RE: LazyLock<Regex> = LazyLock::new(|| compile(FREE_TEXT));
pub(crate) static DATE_RE: LazyLock<Regex> = LazyLock::new(|| compile(DATE));
pub(crate) static BIRTH_DATE_TIME_RE: LazyLock<Regex> = LazyLock::new(|| compile(BIRTH_DATE_TIME));
pub(crate) static HEIGHT_RE: LazyLock<Regex> = LazyLock::new(|| compile(HEIGHT));
pub(crate) static POUNDS_RE: LazyLock<Regex> = LazyLock::new(|| compile(POUNDS));
pub(crate) static USERNAME_RE: LazyLock<Regex> = LazyLock::new(|| compile(USERNAME));
pub(crate) static AVATAR_URL_RE: LazyLock<Regex> = LazyLock::new(|| compile(AVATAR_URL));

/// True for the characters [`NAME`] trims.
pub(crate) fn is_trimmed(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for re in [
            &EMAIL_RE,
            &PHONE_RE,
            &NAME_RE,
            &FREE_TEXT_RE,
            &DATE_RE,
            &BIRTH_DATE_TIME_RE,
            &HEIGHT_RE,
            &POUNDS_RE,
            &USERNAME_RE,
            &AVATAR_URL_RE,
        ] {
            assert!(!re.as_str().is_empty());
        }
        compile(NO_NUL);
        compile(BIRTH_DATE);
    }

    #[test]
    fn trimmed_set_matches_the_pattern_class() {
        let class = compile(&format!("^[{TRIMMED}]$"));
        for c in (0..=0x3100u32).filter_map(char::from_u32) {
            assert_eq!(class.is_match(&c.to_string()), is_trimmed(c), "{c:?}");
        }
    }
}
