//! API versions, chosen per request by the `Fitmate-Version` header.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A version of the Fitmate API, as sent in the `Fitmate-Version` header.
///
/// ```
/// use fitmate_model::ApiVersion;
/// let v: ApiVersion = "2023-08-01".parse()?;
/// assert_eq!(v.as_str(), "2023-08-01");
/// assert_eq!(ApiVersion::CURRENT, ApiVersion::V2023_10_04);
/// let err = "2024-01-01".parse::<ApiVersion>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown Fitmate-Version 2024-01-01; supported versions: 2023-08-01, 2023-10-04");
/// # Ok::<(), fitmate_model::UnknownVersion>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2023-08-01`: `gender` and `weight`; every field of create required.
    V2023_08_01,
    /// `2023-10-04`: `sex` and `currentWeight` replace `gender` and `weight` (still accepted),
    /// plus the coaching fields (diabetes, GLP-1 drugs, payment plan, clearance...).
    V2023_10_04,
}

impl ApiVersion {
    /// The current version: what a new API key is pinned to unless told otherwise.
    pub const CURRENT: ApiVersion = ApiVersion::V2023_10_04;

    /// Every supported version, oldest first.
    pub const ALL: &'static [ApiVersion] = &[ApiVersion::V2023_08_01, ApiVersion::V2023_10_04];

    /// The version as written in the header.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2023_08_01 => "2023-08-01",
            ApiVersion::V2023_10_04 => "2023-10-04",
        }
    }

    /// The supported versions as the header writes them, comma-separated.
    pub fn supported() -> String {
        ApiVersion::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `Fitmate-Version` that is not a supported version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVersion(pub String);

impl fmt::Display for UnknownVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown Fitmate-Version {}; supported versions: {}",
            self.0,
            ApiVersion::supported()
        )
    }
}

impl std::error::Error for UnknownVersion {}

impl FromStr for ApiVersion {
    type Err = UnknownVersion;
    fn from_str(s: &str) -> Result<Self, UnknownVersion> {
        ApiVersion::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVersion(s.chars().take(40).collect()))
    }
}

impl Serialize for ApiVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for ApiVersion {
    fn schema_name() -> Cow<'static, str> {
        "ApiVersion".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
        crate::wire::to_schema(serde_json::json!({
            "type": "string",
            "enum": names,
            "description": "A Fitmate API version (the Fitmate-Version header).",
        }))
    }
}
