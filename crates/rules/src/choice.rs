//! Closed sets of values: sex, gender, medical clearance, diabetes, payment plan.

#[cfg(feature = "json-schema")]
use serde_json::json;

use crate::field_value::{deserialize_via_scalar, wire_via_scalar};
use crate::macros::json_schema_of;
use crate::{Code, FromScalar, RuleError, Scalar};

/// A closed set of string values: the enum, its wire names, and every trait the other rule
/// types have.
macro_rules! string_choice {
    (
        $(#[$meta:meta])*
        $ty:ident, code = $code:expr, describe = $describe:literal,
        { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $ty {
            /// Every value, in documentation order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)*];
            /// The value as written on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text,)* }
            }
            /// Checks `s` against the set.
            pub fn parse(s: &str) -> Result<Self, RuleError> {
                match s {
                    $($text => Ok($ty::$variant),)*
                    _ => Err(RuleError::new($code, concat!("must be one of ", $(concat!("`", $text, "` ")),*).trim_end().to_owned()))
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = RuleError;
            fn from_str(s: &str) -> Result<Self, RuleError> {
                $ty::parse(s)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl FromScalar for $ty {
            fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError> {
                match value {
                    Scalar::Str(s) => $ty::parse(&s),
                    other => Err(RuleError::wrong_type("a string", other.kind())),
                }
            }
        }
        wire_via_scalar!($ty);
        deserialize_via_scalar!($ty);
        json_schema_of!($ty, json!({
            "type": "string",
            "enum": [$($text),*],
            "description": $describe,
        }));
    };
}

string_choice! {
    /// Sex at birth (API 2023-10-04).
    Sex, code = Code::InvalidSex, describe = "Sex at birth: male, female or intersex.",
    {
        /// `male`
        Male = "male",
        /// `female`
        Female = "female",
        /// `intersex`
        Intersex = "intersex",
    }
}

string_choice! {
    /// Gender at birth: the deprecated field of API 2023-08-01 that `sex` replaces.
    Gender, code = Code::InvalidGender, describe = "Gender at birth: male or female.",
    {
        /// `male`
        Male = "male",
        /// `female`
        Female = "female",
    }
}

impl From<Gender> for Sex {
    fn from(gender: Gender) -> Sex {
        match gender {
            Gender::Male => Sex::Male,
            Gender::Female => Sex::Female,
        }
    }
}

impl Sex {
    /// The deprecated `gender` for this sex; none for `intersex`, which `gender` cannot say.
    pub fn gender(self) -> Option<Gender> {
        match self {
            Sex::Male => Some(Gender::Male),
            Sex::Female => Some(Gender::Female),
            Sex::Intersex => None,
        }
    }
}

string_choice! {
    /// The medical clearance for exercise.
    MedicalClearance, code = Code::InvalidMedicalClearance,
    describe = "Medical clearance for exercise: full, low or nutrition (nutrition only).",
    {
        /// Cleared for every exercise.
        Full = "full",
        /// Cleared for low-intensity exercise.
        Low = "low",
        /// Not cleared for exercise: nutrition coaching only.
        Nutrition = "nutrition",
    }
}

/// A closed set of small integers. `2.0` counts as `2` (JSON does not tell them apart);
/// `1.5`, `"2"` and values outside the set are faults.
macro_rules! number_choice {
    (
        $(#[$meta:meta])*
        $ty:ident, code = $code:expr, describe = $describe:literal, expected = $expected:literal,
        { $( $(#[$vmeta:meta])* $variant:ident = $n:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $ty {
            /// Every value, in documentation order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)*];
            /// The number as written on the wire.
            pub const fn get(self) -> u8 {
                match self { $($ty::$variant => $n,)* }
            }
            /// Checks a number against the set.
            pub fn from_number(n: f64) -> Result<Self, RuleError> {
                $(if n == f64::from($n as u8) { return Ok($ty::$variant); })*
                Err(RuleError::new($code, concat!("must be ", $expected)))
            }
        }

        impl TryFrom<u8> for $ty {
            type Error = RuleError;
            fn try_from(n: u8) -> Result<Self, RuleError> {
                $ty::from_number(f64::from(n))
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.get(), f)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u8(self.get())
            }
        }
        impl FromScalar for $ty {
            fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError> {
                match value {
                    Scalar::Number(n) => $ty::from_number(n),
                    other => Err(RuleError::new($code, format!(concat!("must be the number ", $expected, ", not {}"), other.kind()))),
                }
            }
        }
        wire_via_scalar!($ty);
        deserialize_via_scalar!($ty);
        json_schema_of!($ty, json!({
            "type": "integer",
            "enum": [$($n),*],
            "description": $describe,
        }));
    };
}

number_choice! {
    /// Whether the patient has diabetes, and which kind.
    Diabetes, code = Code::InvalidDiabetes,
    describe = "Diabetes: 0 none, 1 pre-diabetes, 2 type 1, 3 type 2.",
    expected = "0 (none), 1 (pre-diabetes), 2 (type 1) or 3 (type 2)",
    {
        /// `0`: no diabetes.
        None = 0,
        /// `1`: pre-diabetes.
        PreDiabetes = 1,
        /// `2`: type 1 diabetes.
        Type1 = 2,
        /// `3`: type 2 diabetes.
        Type2 = 3,
    }
}

number_choice! {
    /// How often the plan is paid, in months.
    PaymentPlan, code = Code::InvalidPaymentPlan,
    describe = "Payment plan periodicity in months: 1, 6 or 12.",
    expected = "1, 6 or 12 (months)",
    {
        /// Paid every month.
        Monthly = 1,
        /// Paid every six months.
        SixMonths = 6,
        /// Paid every year.
        Yearly = 12,
    }
}
