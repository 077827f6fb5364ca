//! One table per rule: every input with its verdict, snapshotted. A verdict is the
//! normalised value for a good input, or `code: message` for a bad one.

use std::fmt::Display;
use std::fmt::Write;

use fitmate_rules::{
    AvatarUrl, BirthDate, CalendarDate, Coordinates, Date, Diabetes, Email, FreeText, FromScalar,
    Gender, Height, MedicalClearance, Metadata, Name, PaymentPlan, PhoneNumber, Pounds,
    ProjectBirthdate, RuleError, Scalar, Sex, Username,
};
use serde_json::json;

/// A fixed "today", so the date tables do not change with the calendar.
fn today() -> Date {
    Date::new(2026, 11, 22).unwrap()
}

fn verdict<T: Display>(field: &str, result: Result<T, RuleError>) -> String {
    match result {
        Ok(value) => format!("ok {value}"),
        Err(error) => format!("{}: {}", error.code(), error.message_for(field)),
    }
}

fn table<T: Display>(
    field: &str,
    inputs: &[&str],
    parse: impl Fn(&str) -> Result<T, RuleError>,
) -> String {
    let mut out = String::new();
    for input in inputs {
        writeln!(out, "{input:?} => {}", verdict(field, parse(input))).unwrap();
    }
    out
}

fn scalar_table<T: Display + FromScalar>(field: &str, inputs: &[serde_json::Value]) -> String {
    let mut out = String::new();
    for input in inputs {
        let text = input.to_string();
        let scalar: Scalar<'_> = serde_json::from_str(&text).unwrap();
        writeln!(out, "{input} => {}", verdict(field, T::from_scalar(scalar))).unwrap();
    }
    out
}

#[test]
fn email() {
    insta::assert_snapshot!(table(
        "email",
        &[
            "jane@doe.com",
            "Jane.Doe+coach@clinic.example.org",
            "a@b.co",
            "jane@",
            "@doe.com",
            "jane doe@doe.com",
            "jane@doe",
            "jane@-doe.com",
            "jane@@doe.com",
            "",
            &format!("{}@doe.com", "a".repeat(247)),
            &format!("{}@doe.com", "a".repeat(246)),
        ],
        Email::parse
    ));
}

#[test]
fn phone_number() {
    insta::assert_snapshot!(table(
        "phonenumber",
        &[
            "1234567890",
            "+1 (555) 010-2030",
            "555.010.2030",
            "1234567",
            "123456789012345",
            "123456",
            "1234567890123456",
            "+",
            "12345678a",
            "++1234567890",
            " +1234567890",
            "",
        ],
        |s| PhoneNumber::parse(s).map(|p| format!("{} (normalised {})", p, p.normalized()))
    ));
}

#[test]
fn names() {
    let long = "x".repeat(101);
    let exact = "x".repeat(100);
    insta::assert_snapshot!(table(
        "firstname",
        &[
            "jane",
            "  Jane  ",
            "Dr. Mike Smith",
            "Zoë",
            "\u{a0}Ana\u{3000}",
            &exact,
            "",
            "   ",
            &long,
            "ja\nne",
            "ja\u{7}ne",
            "ja\u{85}ne",
        ],
        Name::parse
    ));
}

#[test]
fn free_text() {
    let long = "é".repeat(1001);
    let exact = "é".repeat(1000);
    insta::assert_snapshot!(table(
        "allergies",
        &[
            "no allergies",
            "",
            "line one\nline two\ttabbed\r\n",
            &exact,
            &long,
            "nul\u{0}byte",
            "bell\u{7}",
        ],
        |s| FreeText::parse(s).map(|t| format!("{} chars", t.as_str().chars().count()))
    ));
}

#[test]
fn birth_dates() {
    insta::assert_snapshot!(table(
        "dateOfBirth",
        &[
            "1990-12-23",
            "1900-01-01",
            "2024-02-29",
            "2026-11-22",
            "2023-02-29",
            "1899-12-31",
            "2026-11-23",
            "1990-13-01",
            "1990-1-1",
            "90-12-23",
            "1990-12-23T00:00:00Z",
            "",
        ],
        |s| BirthDate::parse_on(s, today())
    ));
}

#[test]
fn project_birthdates() {
    insta::assert_snapshot!(table(
        "birthdate",
        &[
            "1990-01-01",
            "1990-01-01T00:00:00.000Z",
            "1990-01-01T23:30:00-05:00",
            "1990-01-01T10:00:00Z",
            "1990-01-01T24:00:00Z",
            "1990-01-01 00:00:00Z",
            "1990-02-30T00:00:00Z",
            "1899-12-31T00:00:00Z",
            "1990-01-01T00:00:00",
        ],
        |s| ProjectBirthdate::parse_on(s, today()).map(|b| b.birth_date().to_midnight_utc())
    ));
}

#[test]
fn calendar_dates() {
    insta::assert_snapshot!(table(
        "planStartDate",
        &[
            "2023-10-30",
            "2031-01-01",
            "1850-06-01",
            "2023-02-29",
            "2023-04-31",
            "30/10/2023",
            "",
        ],
        CalendarDate::parse
    ));
}

#[test]
fn heights() {
    insta::assert_snapshot!(table(
        "height",
        &[
            "5ft 6in",
            "6ft 1in",
            "5ft 0in",
            "1ft 0in",
            "8ft 11in",
            "9ft 0in",
            "0ft 5in",
            "5ft 12in",
            "5ft 06in",
            "5ft6in",
            "5ft  6in",
            "5 ft 6 in",
            "5'6\"",
            "167cm",
            "",
        ],
        Height::parse
    ));
}

#[test]
fn pounds() {
    insta::assert_snapshot!(scalar_table::<Pounds>(
        "currentWeight",
        &[
            json!(130),
            json!(130.5),
            json!("130"),
            json!("130.5"),
            json!(1500),
            json!("1500.0"),
            json!("0.1"),
            json!(0),
            json!(-5),
            json!(1500.01),
            json!("1500.01"),
            json!("0"),
            json!("0130"),
            json!("1e2"),
            json!("-130"),
            json!(" 130"),
            json!(true),
            json!(null),
        ]
    ));
}

#[test]
fn choices() {
    let mut out = table(
        "sex",
        &["male", "female", "intersex", "Male", "other", ""],
        Sex::parse,
    );
    out += &table("gender", &["male", "female", "intersex"], Gender::parse);
    out += &table(
        "medicalClearance",
        &["full", "low", "nutrition", "none", "FULL"],
        MedicalClearance::parse,
    );
    insta::assert_snapshot!(out);
}

#[test]
fn numeric_choices() {
    let mut out = scalar_table::<Diabetes>(
        "diabetes",
        &[
            json!(0),
            json!(1),
            json!(2),
            json!(3),
            json!(2.0),
            json!(4),
            json!(1.5),
            json!(-1),
            json!("2"),
            json!(true),
        ],
    );
    out += &scalar_table::<PaymentPlan>(
        "paymentPlan",
        &[
            json!(1),
            json!(6),
            json!(12),
            json!(12.0),
            json!(3),
            json!(0),
            json!("12"),
        ],
    );
    insta::assert_snapshot!(out);
}

#[test]
fn usernames() {
    let long = "a".repeat(31);
    insta::assert_snapshot!(table(
        "username",
        &[
            "new_username",
            " New_User-Name! ",
            "jane.doe",
            "ÉLODIE",
            &"b".repeat(30),
            "!!!",
            "",
            &long,
            &format!("{}---", "c".repeat(30)),
        ],
        Username::parse
    ));
}

#[test]
fn avatar_urls() {
    let long = format!("https://example.com/{}", "a".repeat(2030));
    insta::assert_snapshot!(table(
        "avatar",
        &[
            "https://example.com/avatar.jpg",
            "http://127.0.0.1:8080/a.png?size=64#top",
            "https://[::1]/a.png",
            "https://cdn.example.com/caf%C3%A9.png",
            "ftp://example.com/a.png",
            "https://exa mple.com/a.png",
            "https://example.com/a b.png",
            "example.com/a.png",
            "https://",
            &long,
            "javascript:alert(1)",
        ],
        AvatarUrl::parse
    ));
}

#[test]
fn coordinates() {
    let mut out = String::new();
    for value in [
        json!({"longitude": -118.25, "latitude": 34.05}),
        json!({"longitude": 180, "latitude": -90}),
        json!({"longitude": 34.05, "latitude": -118.25}),
        json!({"longitude": 200, "latitude": 95}),
        json!({"longitude": 181, "latitude": 0}),
        json!({"longitude": 10}),
        json!({}),
        json!({"longitude": "10", "latitude": 0}),
        json!({"longitude": "x", "latitude": "y"}),
        json!({"longitude": "x", "latitude": 100}),
        json!({"longitude": 500, "latitude": null}),
        json!({"longitude": 10, "latitude": 0, "altitude": 5}),
        json!([34.05, -118.25]),
        json!(null),
    ] {
        let result = Coordinates::from_value(&value)
            .map(|c| format!("({}, {})", c.longitude(), c.latitude()));
        let shown = match result {
            Ok(ok) => format!("ok {ok}"),
            Err(first) => std::iter::once(&first)
                .chain(first.others())
                .map(|e| {
                    format!(
                        "{}{}: {}",
                        e.code(),
                        e.member().map(|m| format!(" at {m}")).unwrap_or_default(),
                        e.message_for("location")
                    )
                })
                .collect::<Vec<_>>()
                .join(" + "),
        };
        writeln!(out, "{value} => {shown}").unwrap();
    }
    insta::assert_snapshot!(out);
}

#[test]
fn metadata() {
    let many: serde_json::Map<_, _> = (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
    let fifty: serde_json::Map<_, _> = (0..50).map(|i| (format!("k{i}"), json!(i))).collect();
    let big = json!({"blob": "x".repeat(8 * 1024)});
    let mut out = String::new();
    for (label, value) in [
        ("seed", json!({"key": "value", "foodRestricition": "vegan"})),
        ("empty", json!({})),
        ("fifty keys", serde_json::Value::Object(fifty)),
        (
            "five levels",
            json!({"a": {"b": {"c": {"d": 1}}}, "l": [[[[]]]]}),
        ),
        ("fifty-one keys", serde_json::Value::Object(many)),
        ("empty key", json!({"": 1})),
        ("41-char key", json!({"k".repeat(41): 1})),
        (
            "five levels of objects",
            json!({"a": {"b": {"c": {"d": {"e": 1}}}}}),
        ),
        (
            "six levels of objects",
            json!({"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}),
        ),
        ("six levels of arrays", json!({"a": [[[[[]]]]]})),
        ("over 8 KiB", big),
        ("NUL in a nested string", json!({"a": ["ok", "nul\u{0}"]})),
        ("an array", json!(["theme", "dark"])),
        ("a string", json!("theme=dark")),
    ] {
        writeln!(
            out,
            "{label} => {}",
            verdict(
                "metadata",
                Metadata::from_value(value).map(|m| format!("{} keys", m.len()))
            )
        )
        .unwrap();
    }
    insta::assert_snapshot!(out);
}

#[test]
fn height_formats_back_to_its_input() {
    for feet in 1..=8u8 {
        for inches in 0..=11u8 {
            let text = format!("{feet}ft {inches}in");
            assert_eq!(text.parse::<Height>().unwrap().to_string(), text);
        }
    }
}
