//! The rules as [garde](https://docs.rs/garde) custom validators, for downstream structs that
//! keep plain strings and numbers:
//!
//! ```
//! use garde::Validate;
//!
//! #[derive(Validate)]
//! struct Signup {
//!     #[garde(custom(fitmate_rules::garde::email))]
//!     email: String,
//!     #[garde(custom(fitmate_rules::garde::height))]
//!     height: String,
//! }
//!
//! let report = Signup { email: "jane@doe.com".into(), height: "5ft 13in".into() }
//!     .validate()
//!     .unwrap_err();
//! assert_eq!(
//!     report.to_string().trim_end(),
//!     "height: height must look like 5ft 6in (feet 1 to 8, inches 0 to 11, one space)",
//! );
//! ```
//!
//! Each validator checks exactly what the matching type's parser checks (it calls it), so a
//! value these accept is one [`crate::Height`] and friends can hold.

use crate::{
    AvatarUrl, BirthDate, CalendarDate, Coordinates, Diabetes, Email, FreeText, Gender, Height,
    MedicalClearance, Metadata, Name, PaymentPlan, PhoneNumber, Pounds, ProjectBirthdate,
    RuleError, Sex, Username,
};

fn to_garde<T>(result: Result<T, RuleError>, field: &str) -> garde::Result {
    result
        .map(drop)
        .map_err(|e| garde::Error::new(e.message_for(field)))
}

macro_rules! string_validators {
    ($($(#[$doc:meta])* $name:ident => $ty:ty, $field:literal;)*) => {$(
        $(#[$doc])*
        pub fn $name<C>(value: &impl AsRef<str>, _context: &C) -> garde::Result {
            to_garde(<$ty>::parse(value.as_ref()), $field)
        }
    )*};
}

string_validators! {
    /// [`Email`]: `Invalid email address`.
    email => Email, "email";
    /// [`PhoneNumber`]: `Invalid phone number`.
    phone_number => PhoneNumber, "phonenumber";
    /// [`Name`]: 1 to 100 characters once trimmed, no control characters.
    name => Name, "name";
    /// [`FreeText`]: at most 1000 characters.
    free_text => FreeText, "text";
    /// [`BirthDate`]: a real date, 1900-01-01 to today.
    birth_date => BirthDate, "dateOfBirth";
    /// [`ProjectBirthdate`]: a birth date or an RFC 3339 date-time.
    project_birthdate => ProjectBirthdate, "birthdate";
    /// [`CalendarDate`]: a real date `YYYY-MM-DD`.
    calendar_date => CalendarDate, "date";
    /// [`Height`]: `Xft Yin`.
    height => Height, "height";
    /// [`Pounds`] written as a decimal string.
    pounds_text => Pounds, "weight";
    /// [`Sex`]: `male`, `female` or `intersex`.
    sex => Sex, "sex";
    /// [`Gender`]: `male` or `female`.
    gender => Gender, "gender";
    /// [`MedicalClearance`]: `full`, `low` or `nutrition`.
    medical_clearance => MedicalClearance, "medicalClearance";
    /// [`Username`]: 1 to 30 characters once sanitised.
    username => Username, "username";
    /// [`AvatarUrl`]: an http or https URL.
    avatar_url => AvatarUrl, "avatar";
}

/// [`Pounds`] as a number: above 0 and at most 1500.
pub fn pounds<C>(value: &f64, _context: &C) -> garde::Result {
    to_garde(Pounds::new(*value), "weight")
}

/// [`Diabetes`]: 0, 1, 2 or 3.
pub fn diabetes<C>(value: &u8, _context: &C) -> garde::Result {
    to_garde(Diabetes::try_from(*value), "diabetes")
}

/// [`PaymentPlan`]: 1, 6 or 12.
pub fn payment_plan<C>(value: &u8, _context: &C) -> garde::Result {
    to_garde(PaymentPlan::try_from(*value), "paymentPlan")
}

/// [`Coordinates`] given as `(longitude, latitude)`.
pub fn coordinates<C>(value: &(f64, f64), _context: &C) -> garde::Result {
    to_garde(Coordinates::new(value.0, value.1), "location")
}

/// [`Metadata`]: a JSON object within the limits.
pub fn metadata<C>(value: &serde_json::Value, _context: &C) -> garde::Result {
    to_garde(Metadata::from_value(value.clone()), "metadata")
}
