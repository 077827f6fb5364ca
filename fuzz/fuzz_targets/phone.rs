//! `PhoneNumber::parse` against the `pattern` the JSON Schemas ship: the two must agree on
//! every string, and an accepted number keeps 7 to 15 digits after normalising.

#![no_main]

use std::sync::LazyLock;

use fitmate_rules::{PhoneNumber, patterns};
use libfuzzer_sys::fuzz_target;
use regex::Regex;

static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new(&patterns::PHONE).unwrap());

fuzz_target!(|s: &str| {
    let parsed = PhoneNumber::parse(s);
    assert_eq!(parsed.is_ok(), PATTERN.is_match(s), "{s:?}: {parsed:?}");
    if let Ok(phone) = parsed {
        assert_eq!(phone.as_str(), s);
        let normalized = phone.normalized();
        let digits = normalized.trim_start_matches('+');
        assert!((7..=15).contains(&digits.len()), "{s:?} -> {normalized:?}");
        assert!(
            digits.bytes().all(|b| b.is_ascii_digit()),
            "{s:?} -> {normalized:?}"
        );
    }
});
