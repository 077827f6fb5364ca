//! Calendar dates: dates of birth and plan start dates.

use jiff::civil::Date;
#[cfg(feature = "json-schema")]
use serde_json::json;

use crate::field_value::{deserialize_via_scalar, wire_via_scalar};
use crate::macros::json_schema_of;
use crate::{Code, FromScalar, RuleError, Scalar, patterns};

/// The earliest date of birth accepted.
pub const EARLIEST_BIRTH_DATE: Date = jiff::civil::date(1900, 1, 1);

/// Today's date where it is latest on Earth (UTC+14), so that a baby born today anywhere is
/// not "born in the future".
pub fn today() -> Date {
    let now = jiff::Timestamp::now();
    let ahead = now
        .checked_add(jiff::SignedDuration::from_hours(14))
        .unwrap_or(now);
    ahead.to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn real_date(s: &str) -> Result<Date, RuleError> {
    let bad = || {
        RuleError::new(
            Code::InvalidDate,
            format!("must be a real calendar date YYYY-MM-DD, not {s:?}"),
        )
    };
    let year: i16 = s.get(0..4).and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let month: i8 = s.get(5..7).and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let day: i8 = s.get(8..10).and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    Date::new(year, month, day).map_err(|_| bad())
}

/// A day already past when this code was written: dates up to it need no clock reading.
const SURELY_PAST: Date = jiff::civil::date(2026, 1, 1);

fn birth_date_on(date: Date, today: impl FnOnce() -> Date) -> Result<Date, RuleError> {
    if date < EARLIEST_BIRTH_DATE {
        return Err(RuleError::new(
            Code::DateTooEarly,
            format!("must not be before {EARLIEST_BIRTH_DATE}"),
        ));
    }
    if date > SURELY_PAST && date > today() {
        return Err(RuleError::new(
            Code::DateInFuture,
            "must not be in the future",
        ));
    }
    Ok(date)
}

/// A calendar date `YYYY-MM-DD` that exists (`2023-02-29` does not).
///
/// ```
/// use fitmate_rules::CalendarDate;
/// assert_eq!("2024-02-29".parse::<CalendarDate>()?.to_string(), "2024-02-29");
/// assert!("2023-02-29".parse::<CalendarDate>().is_err());
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarDate(Date);

impl CalendarDate {
    /// Checks `s` against the rule.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        if !patterns::DATE_RE.is_match(s) {
            return Err(RuleError::new(
                Code::InvalidDate,
                "must be a date written YYYY-MM-DD",
            ));
        }
        real_date(s).map(CalendarDate)
    }
    /// The date.
    pub fn date(self) -> Date {
        self.0
    }
}

impl From<Date> for CalendarDate {
    fn from(date: Date) -> Self {
        CalendarDate(date)
    }
}

/// A date of birth `YYYY-MM-DD`: a real calendar date, not before 1900-01-01 and not in the
/// future (see [`today`]).
///
/// ```
/// use fitmate_rules::BirthDate;
/// assert!("1990-12-23".parse::<BirthDate>().is_ok());
/// assert_eq!("1899-12-31".parse::<BirthDate>().unwrap_err().code().as_str(), "date_too_early");
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate(Date);

impl BirthDate {
    /// Checks `s` against the rule, today being [`today`] (read only for recent dates).
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        Self::parse_with(s, today)
    }
    /// Checks `s` against the rule as it stands on `today`.
    pub fn parse_on(s: &str, today: Date) -> Result<Self, RuleError> {
        Self::parse_with(s, || today)
    }
    fn parse_with(s: &str, today: impl FnOnce() -> Date) -> Result<Self, RuleError> {
        if !patterns::DATE_RE.is_match(s) {
            return Err(RuleError::new(
                Code::InvalidDate,
                "must be a date written YYYY-MM-DD",
            ));
        }
        birth_date_on(real_date(s)?, today).map(BirthDate)
    }
    /// Checks a date against the rule as it stands on `today`.
    pub fn from_date_on(date: Date, today: Date) -> Result<Self, RuleError> {
        birth_date_on(date, || today).map(BirthDate)
    }
    /// The date.
    pub fn date(self) -> Date {
        self.0
    }
    /// The date at midnight UTC in RFC 3339 with milliseconds, as the project API returns a
    /// birthdate: `1990-01-01T00:00:00.000Z`.
    pub fn to_midnight_utc(self) -> String {
        format!("{}T00:00:00.000Z", self.0)
    }
}

macro_rules! date_text {
    ($($ty:ident),*) => {$(
        impl std::str::FromStr for $ty {
            type Err = RuleError;
            fn from_str(s: &str) -> Result<Self, RuleError> {
                $ty::parse(s)
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }
        impl FromScalar for $ty {
            fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError> {
                match value {
                    Scalar::Str(s) => $ty::parse(&s),
                    other => Err(RuleError::wrong_type("a date string YYYY-MM-DD", other.kind())),
                }
            }
        }
        wire_via_scalar!($ty);
        deserialize_via_scalar!($ty);
    )*};
}
date_text!(CalendarDate, BirthDate);

json_schema_of!(
    CalendarDate,
    json!({
        "type": "string",
        "format": "date",
        "pattern": patterns::DATE,
        "description": "A real calendar date YYYY-MM-DD.",
        "examples": ["2023-10-30"],
    })
);

json_schema_of!(
    BirthDate,
    json!({
        "type": "string",
        "format": "date",
        "pattern": patterns::BIRTH_DATE.as_str(),
        "description": format!("A date of birth YYYY-MM-DD: a real calendar date, not before {EARLIEST_BIRTH_DATE} and not in the future (judged at UTC+14)."),
        "examples": ["1990-12-23"],
    })
);

/// A birthdate as the project API takes it: a date `YYYY-MM-DD` or an RFC 3339 date-time,
/// whose calendar date (as written, in its own offset) is the date of birth. The same limits
/// as [`BirthDate`] apply.
///
/// ```
/// use fitmate_rules::ProjectBirthdate;
/// let b: ProjectBirthdate = "1990-01-01T08:30:00+02:00".parse()?;
/// assert_eq!(b.birth_date().to_midnight_utc(), "1990-01-01T00:00:00.000Z");
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectBirthdate(BirthDate);

impl ProjectBirthdate {
    /// Checks `s` against the rule, today being [`today`].
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        Self::parse_on(s, today())
    }
    /// Checks `s` against the rule as it stands on `today`.
    pub fn parse_on(s: &str, today: Date) -> Result<Self, RuleError> {
        if patterns::DATE_RE.is_match(s) {
            return BirthDate::parse_on(s, today).map(ProjectBirthdate);
        }
        let bad = || {
            RuleError::new(
                Code::InvalidDate,
                "must be a date YYYY-MM-DD or an RFC 3339 date-time such as 1990-01-01T00:00:00.000Z",
            )
        };
        let caps = patterns::BIRTH_DATE_TIME_RE.captures(s).ok_or_else(bad)?;
        let number = |i: usize| {
            caps.get(i)
                .map_or(Some(0), |m| m.as_str().parse::<u8>().ok())
        };
        let in_range = |i: usize, max: u8| number(i).is_some_and(|n| n <= max);
        if !(in_range(2, 23)
            && in_range(3, 59)
            && in_range(4, 60)
            && in_range(5, 23)
            && in_range(6, 59))
        {
            return Err(bad());
        }
        let date = caps.get(1).map_or("", |m| m.as_str());
        let date = real_date(date).map_err(|_| bad())?;
        birth_date_on(date, || today).map(|d| ProjectBirthdate(BirthDate(d)))
    }
    /// The date of birth.
    pub fn birth_date(self) -> BirthDate {
        self.0
    }
}

impl std::str::FromStr for ProjectBirthdate {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        ProjectBirthdate::parse(s)
    }
}

impl serde::Serialize for ProjectBirthdate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl FromScalar for ProjectBirthdate {
    fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError> {
        match value {
            Scalar::Str(s) => ProjectBirthdate::parse(&s),
            other => Err(RuleError::wrong_type(
                "a date or date-time string",
                other.kind(),
            )),
        }
    }
}
wire_via_scalar!(ProjectBirthdate);

json_schema_of!(
    ProjectBirthdate,
    json!({
        "description": format!("A birthdate: a date YYYY-MM-DD or an RFC 3339 date-time whose date part is taken as written. Not before {EARLIEST_BIRTH_DATE} and not in the future (judged at UTC+14)."),
        "anyOf": [
            {"type": "string", "format": "date", "pattern": patterns::BIRTH_DATE.as_str()},
            {"type": "string", "format": "date-time", "pattern": patterns::BIRTH_DATE_TIME.as_str()},
        ],
        "examples": ["1990-01-01", "1990-01-01T00:00:00.000Z"],
    })
);

crate::redacted_debug!(BirthDate, ProjectBirthdate);
