//! `Username::parse` against the `pattern` the JSON Schemas ship: the two must agree on
//! every string; what is kept is 1 to 30 of `a-z0-9._`, and parsing it again changes nothing.

#![no_main]

use std::sync::LazyLock;

use fitmate_rules::{Username, patterns};
use libfuzzer_sys::fuzz_target;
use regex::Regex;

static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new(&patterns::USERNAME).unwrap());

fuzz_target!(|s: &str| {
    let parsed = Username::parse(s);
    assert_eq!(parsed.is_ok(), PATTERN.is_match(s), "{s:?}: {parsed:?}");
    if let Ok(username) = parsed {
        let kept = username.as_str();
        assert!((1..=30).contains(&kept.len()), "{s:?} -> {kept:?}");
        assert!(
            kept.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'),
            "{s:?} -> {kept:?}"
        );
        assert_eq!(Username::parse(kept).as_ref(), Ok(&username));
    }
});
