//! Reading one field of a request as received, so that a bad value becomes a fault of that
//! field instead of ending the parse of the whole payload.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::RuleError;

/// A JSON value as received, reduced to what a scalar rule needs. Arrays and objects are
/// skipped without being built.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// Any JSON number.
    Number(f64),
    /// A string, borrowed from the input where it holds no escapes.
    Str(Cow<'a, str>),
    /// An array (its items are skipped).
    Array,
    /// An object (its members are skipped).
    Object,
}

impl Scalar<'_> {
    /// The JSON type's name, for messages: `a string`, `a number`...
    pub fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Number(_) => "a number",
            Scalar::Str(_) => "a string",
            Scalar::Array => "an array",
            Scalar::Object => "an object",
        }
    }
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

/// A value that can be read from one field of a request as received.
///
/// The outer `Result` fails only when the input is not JSON at all; a value of the wrong
/// type or breaking the rule is the inner `Err`, so the caller can go on with the next field
/// and report every fault at once.
pub trait FromWire: Sized {
    /// Reads the value.
    fn from_wire<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Result<Self, RuleError>, D::Error>;
}

/// A value read from one scalar ([`Scalar`]): strings, numbers, booleans.
pub trait FromScalar: Sized {
    /// Checks one scalar against the rule.
    fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError>;
}

/// Implements [`FromWire`] through [`FromScalar`] for the listed types.
macro_rules! wire_via_scalar {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::FromWire for $ty {
            fn from_wire<'de, D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Result<Self, $crate::RuleError>, D::Error> {
                let scalar = <$crate::Scalar<'de> as serde::Deserialize>::deserialize(deserializer)?;
                Ok(match scalar {
                    $crate::Scalar::Null => Err($crate::RuleError::null()),
                    other => <$ty as $crate::FromScalar>::from_scalar(other),
                })
            }
        }
    )*};
}
pub(crate) use wire_via_scalar;

impl FromScalar for bool {
    fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError> {
        match value {
            Scalar::Bool(b) => Ok(b),
            other => Err(RuleError::wrong_type("true or false", other.kind())),
        }
    }
}

wire_via_scalar!(bool);

/// Strict `Deserialize` for a rule type through its `FromStr` (used where a payload is already
/// trusted to be well-formed, such as a client reading a response).
macro_rules! deserialize_via_scalar {
    ($($ty:ty),* $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let scalar = <$crate::Scalar<'de> as serde::Deserialize>::deserialize(deserializer)?;
                <$ty as $crate::FromScalar>::from_scalar(scalar)
                    .map_err(|e| <D::Error as serde::de::Error>::custom(e))
            }
        }
    )*};
}
pub(crate) use deserialize_via_scalar;
