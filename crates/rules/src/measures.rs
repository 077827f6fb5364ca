//! Body measures: height in feet and inches, weight in pounds.

#[cfg(feature = "json-schema")]
use serde_json::json;

use crate::field_value::{deserialize_via_scalar, wire_via_scalar};
use crate::macros::json_schema_of;
use crate::{Code, FromScalar, RuleError, Scalar, patterns};

/// The heaviest weight accepted, in pounds.
pub const MAX_POUNDS: f64 = 1500.0;

/// A height in feet and inches, written `Xft Yin`: feet 1 to 8, inches 0 to 11, one space.
///
/// Formatting a parsed height gives the input back.
///
/// ```
/// use fitmate_rules::Height;
/// let h: Height = "5ft 6in".parse()?;
/// assert_eq!((h.feet(), h.inches(), h.total_inches()), (5, 6, 66));
/// assert_eq!(h.to_string(), "5ft 6in");
/// assert_eq!(
///     "5'6\"".parse::<Height>().unwrap_err().message_for("height"),
///     "height must look like 5ft 6in (feet 1 to 8, inches 0 to 11, one space)",
/// );
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Height {
    feet: u8,
    inches: u8,
}

impl Height {
    /// A height from feet (1 to 8) and inches (0 to 11).
    pub fn new(feet: u8, inches: u8) -> Result<Self, RuleError> {
        Height::parse(&format!("{feet}ft {inches}in"))
    }
    /// Checks `s` against the rule.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        let bad = || {
            RuleError::new(
                Code::InvalidHeight,
                "must look like 5ft 6in (feet 1 to 8, inches 0 to 11, one space)",
            )
        };
        if !patterns::HEIGHT_RE.is_match(s) {
            return Err(bad());
        }
        // The pattern admits `Nft Min` only: one digit of feet, then the inches before "in".
        let digits = |part: &str| part.bytes().fold(0u8, |n, b| n * 10 + (b - b'0'));
        let inches = s.get(4..s.len() - 2).ok_or_else(bad)?;
        Ok(Height {
            feet: digits(&s[..1]),
            inches: digits(inches),
        })
    }
    /// The feet.
    pub fn feet(self) -> u8 {
        self.feet
    }
    /// The inches beyond the feet.
    pub fn inches(self) -> u8 {
        self.inches
    }
    /// The whole height in inches.
    pub fn total_inches(self) -> u16 {
        u16::from(self.feet) * 12 + u16::from(self.inches)
    }
}

impl std::fmt::Display for Height {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}ft {}in", self.feet, self.inches)
    }
}

impl std::str::FromStr for Height {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        Height::parse(s)
    }
}

impl serde::Serialize for Height {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromScalar for Height {
    fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError> {
        match value {
            Scalar::Str(s) => Height::parse(&s),
            other => Err(RuleError::wrong_type("a string like 5ft 6in", other.kind())),
        }
    }
}
wire_via_scalar!(Height);
deserialize_via_scalar!(Height);
json_schema_of!(
    Height,
    json!({
        "type": "string",
        "pattern": patterns::HEIGHT,
        "description": "Height in feet and inches: Xft Yin with feet 1 to 8 and inches 0 to 11, e.g. 6ft 1in or 5ft 0in.",
        "examples": ["5ft 6in"],
    })
);

/// A weight in pounds, above 0 and at most 1500. Sent as a JSON number or a decimal string
/// (`130`, `"130.5"`); always returned as a JSON number (a whole number without `.0`).
///
/// ```
/// use fitmate_rules::Pounds;
/// assert_eq!("130.5".parse::<Pounds>()?.get(), 130.5);
/// assert_eq!(serde_json::to_string(&Pounds::new(130.0)?).unwrap(), "130");
/// assert!(Pounds::new(0.0).is_err());
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, Copy, PartialEq, PartialOrd)]
pub struct Pounds(f64);

impl Pounds {
    fn out_of_range() -> RuleError {
        RuleError::new(
            Code::InvalidWeight,
            format!("must be a number of pounds above 0 and at most {MAX_POUNDS}"),
        )
    }
    /// A weight from a number of pounds.
    pub fn new(pounds: f64) -> Result<Self, RuleError> {
        if pounds.is_finite() && pounds > 0.0 && pounds <= MAX_POUNDS {
            Ok(Pounds(pounds))
        } else {
            Err(Self::out_of_range())
        }
    }
    /// A weight from a decimal string such as `130` or `130.5`.
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        if !patterns::POUNDS_RE.is_match(s) {
            return Err(RuleError::new(
                Code::InvalidWeight,
                format!(
                    "must be a number of pounds above 0 and at most {MAX_POUNDS}, as a JSON number or a decimal string like \"130.5\""
                ),
            ));
        }
        s.parse::<f64>()
            .map_err(|_| Self::out_of_range())
            .and_then(Pounds::new)
    }
    /// The pounds.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The JSON Schema of a weight in an answer: always a JSON number, never a string.
    #[cfg(feature = "json-schema")]
    #[cfg_attr(docsrs, doc(cfg(feature = "json-schema")))]
    pub fn answer_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": MAX_POUNDS,
            "description": format!("Weight in pounds, above 0 and at most {MAX_POUNDS}."),
        })
    }
}

impl std::fmt::Display for Pounds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for Pounds {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        Pounds::parse(s)
    }
}

impl serde::Serialize for Pounds {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Whole weights go out as integers (`130`, as the documentation shows), others as is.
        if self.0.fract() == 0.0 {
            serializer.serialize_u64(self.0 as u64)
        } else {
            serializer.serialize_f64(self.0)
        }
    }
}

impl FromScalar for Pounds {
    fn from_scalar(value: Scalar<'_>) -> Result<Self, RuleError> {
        match value {
            Scalar::Number(n) => Pounds::new(n),
            Scalar::Str(s) => Pounds::parse(&s),
            other => Err(RuleError::wrong_type("a number of pounds", other.kind())),
        }
    }
}
wire_via_scalar!(Pounds);
deserialize_via_scalar!(Pounds);
json_schema_of!(
    Pounds,
    json!({
        "description": format!("Weight in pounds, above 0 and at most {MAX_POUNDS}: a JSON number or a decimal string such as \"130.5\". Always returned as a JSON number."),
        "anyOf": [
            {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_POUNDS},
            {"type": "string", "pattern": patterns::POUNDS.as_str()},
        ],
        "examples": [130, "130.5"],
    })
);

crate::redacted_debug!(Height, Pounds);
