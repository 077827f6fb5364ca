#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod choice;
mod coordinates;
mod date;
mod fault;
mod field_value;
mod limits;
mod macros;
mod measures;
mod metadata;
pub mod patterns;
mod text;

#[cfg(feature = "garde")]
#[cfg_attr(docsrs, doc(cfg(feature = "garde")))]
#[path = "garde_rules.rs"]
pub mod garde;

pub use choice::{Diabetes, Gender, MedicalClearance, PaymentPlan, Sex};
pub use coordinates::{Coordinates, MAX_LATITUDE, MAX_LONGITUDE};
pub use date::{BirthDate, CalendarDate, EARLIEST_BIRTH_DATE, ProjectBirthdate, today};
pub use fault::{Code, Fault, Report, RuleError};
pub use field_value::{FromScalar, FromWire, Scalar};
pub use limits::{MAX_BODY_BYTES, TOKEN_BYTES, TOKEN_CHARS, max_body_kib};
pub use measures::{Height, MAX_POUNDS, Pounds};
pub use metadata::{
    METADATA_MAX_BYTES, METADATA_MAX_DEPTH, METADATA_MAX_KEY_CHARS, METADATA_MAX_KEYS, Metadata,
};
pub use text::{
    AVATAR_URL_MAX_CHARS, AvatarUrl, EMAIL_MAX_CHARS, Email, FREE_TEXT_MAX_CHARS, FreeText,
    NAME_MAX_CHARS, Name, PHONE_MAX_DIGITS, PHONE_MIN_DIGITS, PhoneNumber, USERNAME_MAX_CHARS,
    Username,
};

/// The calendar-date type the rules hand out (re-exported from `jiff`).
pub use jiff::civil::Date;
