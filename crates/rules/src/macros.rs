//! The plumbing every rule type shares, so that each module only states its rule.

/// For a type `$ty` holding a validated string, given `fn parse(&str) -> Result<$ty, RuleError>`
/// and `fn as_str(&self) -> &str`: `FromStr`, `TryFrom<&str>`, `TryFrom<String>`, `Display`,
/// `AsRef<str>`, `Serialize`, strict `Deserialize`, [`FromScalar`](crate::FromScalar) and
/// [`FromWire`](crate::FromWire) (expecting `$expected`, e.g. "a string like 5ft 6in"), and
/// `JsonSchema` with the schema `$schema`.
macro_rules! string_rule {
    ($ty:ident, expected = $expected:expr, schema = $schema:expr) => {
        impl std::str::FromStr for $ty {
            type Err = $crate::RuleError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::RuleError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                $ty::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::RuleError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $ty::parse(&s)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl $crate::FromScalar for $ty {
            fn from_scalar(value: $crate::Scalar<'_>) -> Result<Self, $crate::RuleError> {
                match value {
                    $crate::Scalar::Str(s) => $ty::parse(&s),
                    other => Err($crate::RuleError::wrong_type($expected, other.kind())),
                }
            }
        }

        $crate::field_value::wire_via_scalar!($ty);
        $crate::field_value::deserialize_via_scalar!($ty);
        $crate::macros::json_schema_of!($ty, $schema);
    };
}
pub(crate) use string_rule;

/// `JsonSchema` for `$ty`, named after the type and described by `$schema` (a `serde_json`
/// value built from this crate's constants).
macro_rules! json_schema_of {
    ($ty:ident, $schema:expr) => {
        #[cfg(feature = "json-schema")]
        #[cfg_attr(docsrs, doc(cfg(feature = "json-schema")))]
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }
            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!("fitmate_rules::", stringify!($ty)).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let value: serde_json::Value = $schema;
                schemars::Schema::try_from(value)
                    .expect("rule schemas are JSON objects; the schema tests build each")
            }
        }
    };
}
pub(crate) use json_schema_of;

/// `Debug` for types that hold a person's data: it prints `Type(<redacted>)`, so a `{:?}` in
/// a log line, a panic message or a tracing field never carries the value. `Display` and
/// serde still give the value where a program asks for it.
#[doc(hidden)]
#[macro_export]
macro_rules! redacted_debug {
    ($($ty:ident),+ $(,)?) => {$(
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($ty), "(<redacted>)"))
            }
        }
    )+};
}
