//! The formats of the API as regular expressions, written once.
//!
//! Each pattern is used twice: compiled with the `regex` crate by the Rust validators, and
//! copied into the `pattern` keyword of the JSON Schemas. A pattern that bounds a number
//! (digits of a phone number, characters of a name, pounds, the earliest year of birth) is
//! built from the constant that states the bound, so the number is written once. They therefore keep to the syntax
//! that Rust's `regex`, ECMAScript (with the `u` flag, as ajv uses), Python's `re` and the
//! `jsonschema` crates read alike: character classes spelled out (`[0-9]`, never `\d`),
//! `\uXXXX` escapes, no look-around, no back-references.

use std::sync::LazyLock;

use regex::Regex;

use crate::{
    EARLIEST_BIRTH_DATE, MAX_POUNDS, NAME_MAX_CHARS, PHONE_MAX_DIGITS, PHONE_MIN_DIGITS,
    USERNAME_MAX_CHARS,
};

/// Email: the WHATWG "valid email address" syntax, with at least one dot in the domain.
/// Length (at most 254) is checked apart.
pub const EMAIL: &str = "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

/// Phone number: an optional leading `+`, then [`PHONE_MIN_DIGITS`] to
/// [`PHONE_MAX_DIGITS`] digits, with the separators space, `-`, `.`, `(` and `)` anywhere
/// after the `+`.
pub static PHONE: LazyLock<String> = LazyLock::new(|| {
    format!(r"^\+?[ .()-]*(?:[0-9][ .()-]*){{{PHONE_MIN_DIGITS},{PHONE_MAX_DIGITS}}}$")
});

/// White space that names may carry at either end (trimmed before storing): the Unicode
/// `White_Space` characters that are not control characters.
pub(crate) const TRIMMED: &str = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Control characters: C0, DEL and C1.
pub(crate) const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

/// A name: 1 to [`NAME_MAX_CHARS`] characters once trimmed, no control characters.
pub static NAME: LazyLock<String> = LazyLock::new(|| {
    let inner = NAME_MAX_CHARS - 2;
    format!(
        "^[{TRIMMED}]*[^{TRIMMED}{CONTROL}](?:[^{CONTROL}]{{0,{inner}}}[^{TRIMMED}{CONTROL}])?[{TRIMMED}]*$"
    )
});

/// Free text: any characters but NUL and the C0 controls other than tab, line feed and
/// carriage return. Length (at most 1000) is checked apart.
pub const FREE_TEXT: &str = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$";

/// A calendar date `YYYY-MM-DD` in the years 0001 to 9999 (ISO 8601's year 0000 is not a
/// date every validator reads); whether the day exists is checked apart.
pub const DATE: &str =
    r"^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}$";

/// The years of birth accepted: four digits, from the year of [`EARLIEST_BIRTH_DATE`] on.
static BIRTH_YEAR: LazyLock<String> =
    LazyLock::new(|| year_at_least(EARLIEST_BIRTH_DATE.year().unsigned_abs()));

/// A date of birth `YYYY-MM-DD` from the year of [`EARLIEST_BIRTH_DATE`] on.
pub static BIRTH_DATE: LazyLock<String> =
    LazyLock::new(|| format!("^{}-[0-9]{{2}}-[0-9]{{2}}$", *BIRTH_YEAR));

/// An RFC 3339 date-time from the year of [`EARLIEST_BIRTH_DATE`] on, as a birthdate may be
/// sent on the project API.
pub static BIRTH_DATE_TIME: LazyLock<String> = LazyLock::new(|| {
    format!(
        r"^({}-[0-9]{{2}}-[0-9]{{2}})T([0-9]{{2}}):([0-9]{{2}}):([0-9]{{2}})(?:\.[0-9]+)?(?:Z|[+-]([0-9]{{2}}):([0-9]{{2}}))$",
        *BIRTH_YEAR
    )
});

/// A height `Xft Yin`: feet 1 to 8, inches 0 to 11, one space, no leading zeros.
pub const HEIGHT: &str = r"^([1-8])ft ([0-9]|1[01])in$";

/// A weight in pounds written as a decimal string, above 0 and at most [`MAX_POUNDS`]: no
/// sign, no exponent, no leading zeros.
pub static POUNDS: LazyLock<String> = LazyLock::new(|| {
    // MAX_POUNDS is a whole number of pounds: the pattern is built from its digits.
    let max = MAX_POUNDS as u32;
    format!(
        r"^(?:0\.[0-9]*[1-9][0-9]*|(?:{})(?:\.[0-9]+)?|{max}(?:\.0+)?)$",
        below(max)
    )
});

/// A username as sent: 1 to 30 of `[A-Za-z0-9._]` among any other characters, which are
/// removed (and the letters lowercased) before storing.
pub static USERNAME: LazyLock<String> = LazyLock::new(|| {
    format!(r"^[^A-Za-z0-9._]*(?:[A-Za-z0-9._][^A-Za-z0-9._]*){{1,{USERNAME_MAX_CHARS}}}$")
});

/// An avatar URL: `http` or `https`, a host name or bracketed IPv6 address, an optional
/// port, and a path, query and fragment of URI characters (anything else percent-encoded).
pub const AVATAR_URL: &str = r"^https?://(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:[/?#](?:[A-Za-z0-9._~:/?#@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)?$";

/// The token of a magic link: [`TOKEN_CHARS`](crate::TOKEN_CHARS) characters of unpadded
/// URL-safe base64.
pub static MAGIC_LINK_TOKEN: LazyLock<String> =
    LazyLock::new(|| format!("^[A-Za-z0-9_-]{{{}}}$", crate::TOKEN_CHARS));

/// A string without the NUL character (which PostgreSQL cannot store).
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// A pattern of the whole numbers from 1 up to but not including `max`, without leading
/// zeros: every shorter number, then those of its length below it, digit by digit.
fn below(max: u32) -> String {
    let digits: Vec<u32> = max
        .to_string()
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let len = digits.len();
    let mut alternatives = Vec::new();
    match len {
        0 | 1 => {}
        2 => alternatives.push("[1-9]".to_owned()),
        _ => alternatives.push(format!("[1-9][0-9]{{0,{}}}", len - 2)),
    }
    for (i, &digit) in digits.iter().enumerate() {
        let lowest = u32::from(i == 0);
        if digit > lowest {
            let prefix: String = digits[..i].iter().map(u32::to_string).collect();
            let tail = any_digits(len - i - 1);
            alternatives.push(format!("{prefix}{}{tail}", one_of(lowest, digit - 1)));
        }
    }
    alternatives.join("|")
}

/// A pattern of the four-digit years from `earliest` on.
fn year_at_least(earliest: u16) -> String {
    let text = format!("{earliest:04}");
    // Trailing zeros match any digit: 1900 on is (19 or more) then two digits.
    let significant = text.trim_end_matches('0');
    let free = text.len() - significant.len();
    let digits: Vec<u32> = significant.bytes().map(|b| u32::from(b - b'0')).collect();
    let mut alternatives = Vec::new();
    for (i, &digit) in digits.iter().enumerate() {
        if digit < 9 {
            let prefix: String = digits[..i].iter().map(u32::to_string).collect();
            let tail = any_digits(digits.len() - i - 1);
            alternatives.push(format!("{prefix}{}{tail}", one_of(digit + 1, 9)));
        }
    }
    alternatives.push(significant.to_owned());
    format!("(?:{}){}", alternatives.join("|"), any_digits(free))
}

/// One digit from `low` to `high`.
fn one_of(low: u32, high: u32) -> String {
    if low == high {
        low.to_string()
    } else {
        format!("[{low}-{high}]")
    }
}

/// `count` digits of any value.
fn any_digits(count: usize) -> String {
    match count {
        0 => String::new(),
        1 => "[0-9]".to_owned(),
        _ => format!("[0-9]{{{count}}}"),
    }
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the patterns of this module are valid; a unit test compiles each")
}

pub(crate) static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| compile(EMAIL));
pub(crate) static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| compile(&PHONE));
pub(crate) static NAME_RE: LazyLock<Regex> = LazyLock::new(|| compile(&NAME));
pub(crate) static FREE_TEXT_RE: LazyLock<Regex> = LazyLock::new(|| compile(FREE_TEXT));
pub(crate) static DATE_RE: LazyLock<Regex> = LazyLock::new(|| compile(DATE));
pub(crate) static BIRTH_DATE_TIME_RE: LazyLock<Regex> = LazyLock::new(|| compile(&BIRTH_DATE_TIME));
pub(crate) static HEIGHT_RE: LazyLock<Regex> = LazyLock::new(|| compile(HEIGHT));
pub(crate) static POUNDS_RE: LazyLock<Regex> = LazyLock::new(|| compile(&POUNDS));
pub(crate) static USERNAME_RE: LazyLock<Regex> = LazyLock::new(|| compile(&USERNAME));
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

    /// Each pattern, compiled, takes an input it must and refuses one it must not: a
    /// pattern that compiles but says something else fails here.
    #[test]
    fn every_pattern_takes_its_format_and_refuses_a_near_miss() {
        let cases: [(&str, &Regex, &str, &str); 10] = [
            ("email", &EMAIL_RE, "jane@doe.com", "jane@doe"),
            ("phone", &PHONE_RE, "+1 (555) 010-2030", "123456"),
            ("name", &NAME_RE, " Jane ", "\u{7}Jane"),
            ("free text", &FREE_TEXT_RE, "line\nbreak", "nul\u{0}"),
            ("date", &DATE_RE, "0001-01-01", "0000-01-01"),
            (
                "birth date-time",
                &BIRTH_DATE_TIME_RE,
                "1900-01-01T00:00:00Z",
                "1899-12-31T00:00:00Z",
            ),
            ("height", &HEIGHT_RE, "5ft 11in", "5ft 12in"),
            ("pounds", &POUNDS_RE, "1500.0", "1500.5"),
            ("username", &USERNAME_RE, "Jane.Doe!", "!!!"),
            (
                "avatar",
                &AVATAR_URL_RE,
                "https://x.example/a.png",
                "ftp://x.example/a.png",
            ),
        ];
        for (what, re, good, bad) in cases {
            assert!(re.is_match(good), "{what} refuses {good:?}");
            assert!(!re.is_match(bad), "{what} takes {bad:?}");
        }
        for (pattern, good, bad) in [
            (NO_NUL, "text", "a\u{0}b"),
            (&BIRTH_DATE, "1900-01-01", "1899-12-31"),
        ] {
            let re = compile(pattern);
            assert!(re.is_match(good) && !re.is_match(bad), "{pattern}");
        }
    }

    /// The bounds come from the constants: the patterns built from them are the ones the
    /// schemas have always shipped.
    #[test]
    fn patterns_built_from_the_bounds_are_the_shipped_ones() {
        assert_eq!(*PHONE, r"^\+?[ .()-]*(?:[0-9][ .()-]*){7,15}$");
        assert_eq!(
            *POUNDS,
            r"^(?:0\.[0-9]*[1-9][0-9]*|(?:[1-9][0-9]{0,2}|1[0-4][0-9]{2})(?:\.[0-9]+)?|1500(?:\.0+)?)$"
        );
        assert_eq!(
            *BIRTH_DATE,
            r"^(?:[2-9][0-9]|19)[0-9]{2}-[0-9]{2}-[0-9]{2}$"
        );
        assert!(NAME.contains("{0,98}"));
        assert_eq!(below(10), "[1-9]");
        assert_eq!(below(250), "[1-9][0-9]{0,1}|1[0-9]{2}|2[0-4][0-9]");
        assert_eq!(
            year_at_least(1985),
            "(?:[2-9][0-9]{3}|199[0-9]|198[6-9]|1985)"
        );
    }

    /// Every number from 1 to 2000, and every year from 1000 to 2999: the built patterns
    /// draw the line where the bound is.
    #[test]
    fn the_built_ranges_cut_exactly_at_their_bounds() {
        let below_1500 = compile(&format!("^(?:{})$", below(1500)));
        for n in 0..=2000u32 {
            assert_eq!(
                below_1500.is_match(&n.to_string()),
                (1..1500).contains(&n),
                "{n}"
            );
        }
        for earliest in [1900u16, 1985, 2000] {
            let years = compile(&format!("^{}$", year_at_least(earliest)));
            for year in 1000..=2999u16 {
                assert_eq!(
                    years.is_match(&year.to_string()),
                    year >= earliest,
                    "{earliest} {year}"
                );
            }
        }
    }

    #[test]
    fn trimmed_set_matches_the_pattern_class() {
        let class = compile(&format!("^[{TRIMMED}]$"));
        for c in (0..=0x3100u32).filter_map(char::from_u32) {
            assert_eq!(class.is_match(&c.to_string()), is_trimmed(c), "{c:?}");
        }
    }
}
