//! API versions, chosen per request by the `Fitmate-Version` header.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ApiVersion;

/// Declares the version list, newest first: the head version first, then each older one.
/// A version that changed something from the one before it names its module of changes
/// (`=> vYYYY_MM_DD`, a file beside `lib.rs` holding `pub const CHANGES`); the oldest names
/// none. From the list come the modules, [`ApiVersion`] and every match on it.
macro_rules! versions {
    (@changes) => { &[] };
    (@changes $module:ident) => { $module::CHANGES };
    (
        $(
            $(#[doc = $doc:literal])*
            $variant:ident = $name:literal $(=> $module:ident)?,
        )+
    ) => {
        $( $(
            /// What this version changed, as the way back to the version before it.
            pub mod $module;
        )? )+

        /// A version of the Fitmate API, as sent in the `Fitmate-Version` header.
        ///
        /// ```
        /// use fitmate_model::ApiVersion;
        /// let v: ApiVersion = "2023-08-01".parse()?;
        /// assert_eq!(v.as_str(), "2023-08-01");
        /// assert_eq!(ApiVersion::CURRENT, ApiVersion::NEWEST_FIRST[0]);
        /// let err = "1999-01-01".parse::<ApiVersion>().unwrap_err();
        /// assert!(err.to_string().starts_with("unknown Fitmate-Version 1999-01-01; supported versions: 2023-08-01, 2023-10-04"));
        /// # Ok::<(), fitmate_model::UnknownVersion>(())
        /// ```
        ///
        /// Versions order by date, oldest first (`V2023_08_01 < V2023_10_04`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiVersion {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl ApiVersion {
            /// Every supported version, newest first, as the version list declares them.
            pub const NEWEST_FIRST: &'static [ApiVersion] = &[$(ApiVersion::$variant),+];

            /// The version as written in the header.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( ApiVersion::$variant => $name, )+
                }
            }

            /// What this version changed from the one before it (none for the first), each
            /// change a description for people and what every field it touched was before.
            pub fn changes(self) -> &'static [$crate::VersionChange] {
                match self {
                    $( ApiVersion::$variant => versions!(@changes $($module)?), )+
                }
            }
        }
    };
}

impl ApiVersion {
    /// The current version: the head, and what a new API key is pinned to unless told
    /// otherwise.
    pub const CURRENT: ApiVersion = ApiVersion::NEWEST_FIRST[0];

    /// Every supported version, oldest first.
    pub const ALL: &'static [ApiVersion] = &oldest_first();

    /// The version's place in [`ApiVersion::NEWEST_FIRST`].
    pub(crate) fn index(self) -> usize {
        ApiVersion::NEWEST_FIRST
            .iter()
            .position(|v| *v == self)
            .unwrap_or(0)
    }

    /// The supported versions as the header writes them, comma-separated, oldest first.
    pub fn supported() -> String {
        ApiVersion::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

const COUNT: usize = ApiVersion::NEWEST_FIRST.len();

const fn oldest_first() -> [ApiVersion; COUNT] {
    let mut out = [ApiVersion::CURRENT; COUNT];
    let mut i = 0;
    while i < COUNT {
        out[i] = ApiVersion::NEWEST_FIRST[COUNT - 1 - i];
        i += 1;
    }
    out
}

impl PartialOrd for ApiVersion {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ApiVersion {
    /// By date: the names are ISO dates, which order as text.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
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

#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for ApiVersion {
    fn schema_name() -> Cow<'static, str> {
        "ApiVersion".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
        crate::body_reader::to_schema(serde_json::json!({
            "type": "string",
            "enum": names,
            "description": "A Fitmate API version (the Fitmate-Version header).",
        }))
    }
}
