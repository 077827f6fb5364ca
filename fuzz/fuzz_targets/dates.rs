//! The date parsers: `CalendarDate`, `BirthDate` and the project API's `ProjectBirthdate`
//! (a date or an RFC 3339 date-time), on a fixed "today" so runs repeat. The first byte
//! picks the parser. Each must agree with the `pattern` the JSON Schemas ship where the
//! pattern can tell, and an accepted date of birth lies in [1900-01-01, today].

#![no_main]

use std::sync::LazyLock;

use fitmate_rules::{
    BirthDate, CalendarDate, Date, EARLIEST_BIRTH_DATE, ProjectBirthdate, patterns,
};
use libfuzzer_sys::fuzz_target;
use regex::Regex;

static DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(patterns::DATE).unwrap());
static BIRTH_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(&patterns::BIRTH_DATE).unwrap());
static BIRTH_DATE_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&patterns::BIRTH_DATE_TIME).unwrap());

const TODAY: Date = Date::constant(2026, 11, 23);

fn plausible_birth(date: Date, s: &str) {
    assert!(
        date >= EARLIEST_BIRTH_DATE && date <= TODAY,
        "{s:?} -> {date}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    match pick % 3 {
        0 => {
            // The pattern cannot tell 2023-02-29 from 2024-02-29; the parser can.
            let parsed = CalendarDate::parse(s);
            if let Ok(date) = parsed {
                assert!(DATE.is_match(s), "{s:?}");
                assert_eq!(date.to_string(), s);
            }
        }
        1 => {
            let parsed = BirthDate::parse_on(s, TODAY);
            if let Ok(date) = parsed {
                assert!(BIRTH_DATE.is_match(s), "{s:?}");
                assert_eq!(date.to_string(), s);
                plausible_birth(date.date(), s);
            }
        }
        _ => {
            let parsed = ProjectBirthdate::parse_on(s, TODAY);
            if let Ok(date) = parsed {
                assert!(
                    BIRTH_DATE.is_match(s) || BIRTH_DATE_TIME.is_match(s),
                    "{s:?}"
                );
                plausible_birth(date.birth_date().date(), s);
            }
        }
    }
});
