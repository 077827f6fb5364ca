//! `Height::parse` against the `pattern` the JSON Schemas ship: the two must agree on every
//! string, and an accepted height formats back to exactly what was sent.

#![no_main]

use std::sync::LazyLock;

use fitmate_rules::{Height, patterns};
use libfuzzer_sys::fuzz_target;
use regex::Regex;

static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new(patterns::HEIGHT).unwrap());

fuzz_target!(|s: &str| {
    let parsed = Height::parse(s);
    assert_eq!(parsed.is_ok(), PATTERN.is_match(s), "{s:?}: {parsed:?}");
    if let Ok(height) = parsed {
        assert_eq!(height.to_string(), s);
        assert!((1..=8).contains(&height.feet()) && height.inches() <= 11);
    }
});
