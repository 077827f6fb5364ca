//! Metadata: the partner's own key/value object stored with a user.

use std::io;

use serde::{Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::{Code, FromWire, RuleError};

/// Most keys in a metadata object.
pub const METADATA_MAX_KEYS: usize = 50;
/// Longest metadata key, in characters.
pub const METADATA_MAX_KEY_CHARS: usize = 40;
/// Largest metadata object, in bytes of compact JSON.
pub const METADATA_MAX_BYTES: usize = 8 * 1024;
/// Deepest nesting: the metadata object itself is level 1.
pub const METADATA_MAX_DEPTH: usize = 5;

/// A metadata object (`metadata`, `secureMetadata`): at most 50 top-level keys of 1 to 40
/// characters, at most 8 KiB as compact JSON, nested at most 5 levels deep (the object
/// itself being the first), and no NUL character in any key or string.
///
/// On update a metadata object replaces the stored one whole.
///
/// ```
/// use fitmate_rules::Metadata;
/// let m = Metadata::try_from(serde_json::json!({"theme": "dark"}))?;
/// assert_eq!(m.len(), 1);
/// let deep = serde_json::json!({"a": {"b": {"c": {"d": {"e": {}}}}}});
/// assert_eq!(Metadata::try_from(deep).unwrap_err().code().as_str(), "metadata_too_deep");
/// # Ok::<(), fitmate_rules::RuleError>(())
/// ```
#[derive(Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Metadata(Map<String, Value>);

impl Metadata {
    /// Checks an object against the limits.
    pub fn new(map: Map<String, Value>) -> Result<Self, RuleError> {
        if map.len() > METADATA_MAX_KEYS {
            return Err(RuleError::new(
                Code::MetadataTooManyKeys,
                format!(
                    "must have at most {METADATA_MAX_KEYS} keys, not {}",
                    map.len()
                ),
            ));
        }
        for key in map.keys() {
            let chars = key.chars().count();
            if chars == 0 || chars > METADATA_MAX_KEY_CHARS {
                return Err(RuleError::new(
                    Code::MetadataKeyLength,
                    format!(
                        "keys must be 1 to {METADATA_MAX_KEY_CHARS} characters, and {key:?} is {chars}"
                    ),
                ));
            }
        }
        let mut depth = 0;
        let mut nul = false;
        for value in map.values() {
            depth = depth.max(depth_and_nul(value, &mut nul));
        }
        if nul || map.keys().any(|k| k.contains('\0')) {
            return Err(RuleError::new(
                Code::MetadataNul,
                "must not contain the NUL character",
            ));
        }
        if depth + 1 > METADATA_MAX_DEPTH {
            return Err(RuleError::new(
                Code::MetadataTooDeep,
                format!(
                    "must nest at most {METADATA_MAX_DEPTH} levels deep, counting the object itself"
                ),
            ));
        }
        let bytes = serialized_len(&map);
        if bytes > METADATA_MAX_BYTES {
            return Err(RuleError::new(
                Code::MetadataTooLarge,
                format!("must be at most {METADATA_MAX_BYTES} bytes as compact JSON, not {bytes}"),
            ));
        }
        Ok(Metadata(map))
    }

    /// Checks any JSON value: it must be an object within the limits.
    pub fn from_value(value: Value) -> Result<Self, RuleError> {
        match value {
            Value::Object(map) => Metadata::new(map),
            Value::Null => Err(RuleError::null()),
            other => Err(RuleError::new(
                Code::InvalidMetadata,
                format!(
                    "must be a JSON object of key/value pairs, not {}",
                    kind(&other)
                ),
            )),
        }
    }

    /// The object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
    /// The object, by value.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
    /// The number of top-level keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True for `{}`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Container levels below `value` (0 for a scalar), noting any NUL character on the way.
fn depth_and_nul(value: &Value, nul: &mut bool) -> usize {
    match value {
        Value::String(s) => {
            *nul |= s.contains('\0');
            0
        }
        Value::Array(items) => {
            1 + items
                .iter()
                .map(|v| depth_and_nul(v, nul))
                .max()
                .unwrap_or(0)
        }
        Value::Object(map) => {
            *nul |= map.keys().any(|k| k.contains('\0'));
            1 + map
                .values()
                .map(|v| depth_and_nul(v, nul))
                .max()
                .unwrap_or(0)
        }
        _ => 0,
    }
}

fn serialized_len(map: &Map<String, Value>) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Map` of JSON values into a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, map);
    count.0
}

impl TryFrom<Value> for Metadata {
    type Error = RuleError;
    fn try_from(value: Value) -> Result<Self, RuleError> {
        Metadata::from_value(value)
    }
}

impl TryFrom<Map<String, Value>> for Metadata {
    type Error = RuleError;
    fn try_from(map: Map<String, Value>) -> Result<Self, RuleError> {
        Metadata::new(map)
    }
}

impl FromWire for Metadata {
    fn from_wire<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Result<Self, RuleError>, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        Ok(Metadata::from_value(value))
    }
}

impl<'de> serde::Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Metadata::from_wire(deserializer)?.map_err(serde::de::Error::custom)
    }
}

/// The JSON Schema of metadata: its limits, and its values level by level.
#[cfg(feature = "json-schema")]
mod json_schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator};
    use serde_json::json;

    use super::*;
    use crate::patterns;

    impl JsonSchema for Metadata {
        fn schema_name() -> Cow<'static, str> {
            "Metadata".into()
        }
        fn schema_id() -> Cow<'static, str> {
            "fitmate_rules::Metadata".into()
        }
        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            let values = generator.subschema_for::<MetadataValue<4>>();
            let schema = json!({
                "type": "object",
                "description": format!("Key/value information about the user from the partner's system. At most {METADATA_MAX_KEYS} keys of 1 to {METADATA_MAX_KEY_CHARS} characters, at most {} KiB as compact JSON (not expressible here: checked by the server), nested at most {METADATA_MAX_DEPTH} levels deep counting this object, no NUL character. On update it replaces the stored object whole.", METADATA_MAX_BYTES / 1024),
                "maxProperties": METADATA_MAX_KEYS,
                "propertyNames": {"minLength": 1, "maxLength": METADATA_MAX_KEY_CHARS, "pattern": patterns::NO_NUL},
                "additionalProperties": values,
            });
            Schema::try_from(schema).expect("an object")
        }
    }

    /// The schema of a value inside metadata that may still hold `N` levels of containers.
    struct MetadataValue<const N: u8>;

    macro_rules! metadata_levels {
        ($($n:literal => $inner:literal),*) => {$(
            impl JsonSchema for MetadataValue<$n> {
                fn schema_name() -> Cow<'static, str> {
                    concat!("MetadataValue", $n).into()
                }
                fn schema_id() -> Cow<'static, str> {
                    concat!("fitmate_rules::MetadataValue", $n).into()
                }
                fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                    let mut any_of = vec![
                        json!({"type": ["null", "boolean", "number"]}),
                        json!({"type": "string", "pattern": patterns::NO_NUL}),
                    ];
                    if $n > 0 {
                        let inner = generator.subschema_for::<MetadataValue<$inner>>();
                        any_of.push(json!({"type": "array", "items": inner}));
                        any_of.push(json!({
                            "type": "object",
                            "propertyNames": {"pattern": patterns::NO_NUL},
                            "additionalProperties": inner,
                        }));
                    }
                    let description = if $n > 0 {
                        concat!("A metadata value: null, a boolean, a number, a string, or an array or object of values nested at most ", $n, " more levels.")
                    } else {
                        "A metadata value at the deepest level: null, a boolean, a number or a string."
                    };
                    Schema::try_from(json!({ "anyOf": any_of, "description": description }))
                        .expect("an object")
                }
            }
        )*};
    }
    metadata_levels!(4 => 3, 3 => 2, 2 => 1, 1 => 0, 0 => 0);
}

crate::redacted_debug!(Metadata);
