//! The project users API (`PATCH /{projectId}/users/{userId}`): the same users as the
//! Fitmate endpoints, seen as profiles.

#[cfg(feature = "json-schema")]
use std::borrow::Cow;
use std::fmt;

use fitmate_rules::{
    AvatarUrl, Code, Coordinates, Fault, FreeText, Metadata, Name, ProjectBirthdate, Report,
    Username,
};
#[cfg(feature = "json-schema")]
use schemars::JsonSchema;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess};
use serde::{Deserialize, Serialize};
use serde_json::Value;
#[cfg(feature = "json-schema")]
use serde_json::json;
use uuid::Uuid;

use crate::ApiVersion;
use crate::body_reader::{Body, Key, RequestBody, join, request, unknown_member};
use crate::canonical::{User, UserChanges};

request! {
    /// The fields a project update may change: all optional, only those given change.
    pub struct UserUpdate / UserUpdateDraft {
        /// Display name.
        "name" => name: optional Name,
        /// Username; stored lowercased with characters outside a-z, 0-9, . and _ removed.
        "username" => username: optional Username,
        /// Avatar URL (http or https).
        "avatar" => avatar: optional AvatarUrl,
        /// Biography.
        "bio" => bio: optional FreeText,
        /// Birthdate: a date or an RFC 3339 date-time.
        "birthdate" => birthdate: optional ProjectBirthdate,
        /// Location as longitude and latitude in degrees.
        "location" => location: optional Coordinates,
        /// Replaces the stored metadata whole.
        "metadata" => metadata: optional Metadata,
        /// Stored and passed to the validation webhook, never returned by any endpoint.
        "secureMetadata" => secure_metadata: optional Metadata,
    }
}

/// `PATCH /{projectId}/users/{userId}`: `{"update": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateUserRequest {
    /// What to change.
    pub update: UserUpdate,
}

/// The sentence of a missing, non-object or empty `update`.
pub const MISSING_DATA: &str = "Missing required data";

fn missing_data() -> Report {
    Fault::new("update", Code::MissingData, MISSING_DATA).into()
}

impl RequestBody for UpdateUserRequest {
    fn visit_members<'de, A: MapAccess<'de>>(
        mut map: A,
        prefix: &str,
        version: ApiVersion,
    ) -> Result<Result<Self, Report>, A::Error> {
        let mut report = Report::new();
        let mut update: Option<Value> = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if &*key.0 == "update" && update.is_none() {
                update = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
                report.push_with(|| {
                    let path = join(prefix, &key.0);
                    if &*key.0 == "update" {
                        Fault::new(path, Code::DuplicateField, "update appears more than once")
                    } else {
                        unknown_member(path, &key.0, &["update"])
                    }
                });
            }
        }
        let update = match update {
            Some(Value::Object(members)) if !members.is_empty() => {
                Body::<UserUpdate>::new("update", version).deserialize(Value::Object(members))
            }
            _ => return Ok(Err(missing_data())),
        };
        // Reading from a `Value` cannot fail for syntax; any fault is in the result.
        let update = match update {
            Ok(result) => result,
            Err(error) => Err(Fault::new("update", Code::InvalidJson, error.to_string()).into()),
        };
        match update {
            Ok(update) if report.is_empty() => Ok(Ok(UpdateUserRequest { update })),
            Ok(_) => Ok(Err(report)),
            Err(faults) => {
                report.append(faults);
                Ok(Err(report))
            }
        }
    }
}

impl UpdateUserRequest {
    /// Reads a request body; `Err` lists every fault, a malformed body included.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Report> {
        crate::body_reader::parse_body(bytes)
    }

    /// The canonical changes.
    pub fn into_changes(self) -> UserChanges {
        let u = self.update;
        UserChanges {
            name: u.name,
            username: u.username,
            avatar: u.avatar,
            bio: u.bio,
            date_of_birth: u.birthdate.map(ProjectBirthdate::birth_date),
            location: u.location,
            metadata: u.metadata,
            secure_metadata: u.secure_metadata,
            ..UserChanges::default()
        }
    }
}

impl<'de> Deserialize<'de> for UpdateUserRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Body::<UpdateUserRequest>::new("", ApiVersion::CURRENT)
            .deserialize(deserializer)?
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "json-schema")]
impl JsonSchema for UpdateUserRequest {
    fn schema_name() -> Cow<'static, str> {
        "UpdateUserProfileRequest".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let update = generator.subschema_for::<UserUpdate>();
        crate::body_reader::to_schema(json!({
            "type": "object",
            "properties": {"update": {
                "type": "object",
                "allOf": [update],
                "minProperties": 1,
                "description": "The fields to change; at least one.",
            }},
            "required": ["update"],
            "additionalProperties": false,
        }))
    }
}

/// A GeoJSON point: `{"type": "Point", "coordinates": [longitude, latitude]}`.
#[derive(Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[cfg_attr(feature = "json-schema", schemars(rename = "GeoPoint"))]
pub struct GeoPoint {
    /// Always `Point`.
    #[serde(rename = "type")]
    pub kind: PointKind,
    /// Longitude then latitude, in degrees.
    pub coordinates: [f64; 2],
}

/// The GeoJSON type of a [`GeoPoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PointKind {
    /// `Point`
    Point,
}

#[cfg(feature = "json-schema")]
impl JsonSchema for PointKind {
    fn schema_name() -> Cow<'static, str> {
        "PointKind".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "const": "Point",
            "description": "The GeoJSON type of the location: always Point.",
        })
    }
}

impl From<Coordinates> for GeoPoint {
    fn from(c: Coordinates) -> Self {
        GeoPoint {
            kind: PointKind::Point,
            coordinates: [c.longitude(), c.latitude()],
        }
    }
}

/// An active suspension of a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[cfg_attr(feature = "json-schema", schemars(rename = "Suspension"))]
#[serde(rename_all = "camelCase")]
pub struct Suspension {
    /// Why the user is suspended.
    pub reason: String,
    /// When the suspension began.
    pub start_date: jiff::Timestamp,
    /// When it ends; none for an open-ended suspension.
    pub end_date: Option<jiff::Timestamp>,
}

/// `PATCH /{projectId}/users/{userId}` answered 200: the user's profile after the update.
/// Unset fields are `null`; `secureMetadata` is never included.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[cfg_attr(feature = "json-schema", schemars(rename = "UserProfile"))]
pub struct UserProfile {
    /// The user's identifier (the Fitmate `identifier`).
    pub id: Uuid,
    /// Username.
    pub username: Option<Username>,
    /// Display name (`firstname lastname` until one is set).
    pub name: String,
    /// Avatar URL.
    pub avatar: Option<AvatarUrl>,
    /// Biography.
    pub bio: Option<FreeText>,
    /// Birthdate at midnight UTC, e.g. `1990-01-01T00:00:00.000Z`.
    pub birthdate: String,
    /// Location as a GeoJSON point.
    pub location: Option<GeoPoint>,
    /// The partner's metadata.
    pub metadata: Metadata,
    /// The active suspensions.
    pub suspensions: Vec<Suspension>,
}

impl UserProfile {
    /// The profile of `user`, with its active suspensions.
    pub fn new(id: Uuid, user: &User, suspensions: Vec<Suspension>) -> Self {
        UserProfile {
            id,
            username: user.username.clone(),
            name: user.display_name(),
            avatar: user.avatar.clone(),
            bio: user.bio.clone(),
            birthdate: user.date_of_birth.to_midnight_utc(),
            location: user.location.map(GeoPoint::from),
            metadata: user.metadata.clone(),
            suspensions,
        }
    }
}

/// The `code` of a project API error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[cfg_attr(feature = "json-schema", schemars(rename = "ProjectErrorCode"))]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: `update` missing, not an object or empty.
    #[serde(rename = "user/missing-data")]
    MissingData,
    /// 400: a field breaks its rule (the `errors` list names each).
    #[serde(rename = "user/invalid-data")]
    InvalidData,
    /// 401: no API key, or an unknown one.
    #[serde(rename = "user/unauthenticated")]
    Unauthenticated,
    /// 403: the key belongs to another project.
    #[serde(rename = "user/not-authorized")]
    NotAuthorized,
    /// 404: no such user in this project.
    #[serde(rename = "user/not-found")]
    NotFound,
    /// 409: another user of the project has the username.
    #[serde(rename = "user/username-taken")]
    UsernameTaken,
    /// 409: the user kept changing while the validation webhook was asked about the update;
    /// nothing was changed. Send the update again.
    #[serde(rename = "user/conflict")]
    Conflict,
    /// 422: the `Idempotency-Key` was used with another request.
    #[serde(rename = "user/idempotency-key-reused")]
    IdempotencyKeyReused,
    /// 409: a request with this `Idempotency-Key` is still running.
    #[serde(rename = "user/idempotency-key-in-use")]
    IdempotencyKeyInUse,
    /// 400: the `Fitmate-Version` header names no supported version.
    #[serde(rename = "user/unsupported-version")]
    UnsupportedVersion,
    /// 405: the path takes another method (this API has only `PATCH`).
    #[serde(rename = "user/method-not-allowed")]
    MethodNotAllowed,
    /// 408: the body did not arrive in time; nothing was changed, and the connection is
    /// closed. Send the request again.
    #[serde(rename = "user/request-timeout")]
    RequestTimeout,
    /// 413: the body is too large.
    #[serde(rename = "user/payload-too-large")]
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    #[serde(rename = "user/unsupported-media-type")]
    UnsupportedMediaType,
    /// 400: the project's validation webhook rejected the update.
    #[serde(rename = "user/validation-failed")]
    ValidationFailed,
    /// 503: the validation webhook could not be asked, or its answer was not signed.
    #[serde(rename = "user/validation-unavailable")]
    ValidationUnavailable,
    /// 429: the API key sent more requests than its rate allows; `Retry-After` says when
    /// to try again.
    #[serde(rename = "user/rate-limited")]
    RateLimited,
    /// 500: something unexpected; `details` holds a request id to quote.
    #[serde(rename = "user/server-error")]
    ServerError,
}

impl ErrorCode {
    /// The code as the body writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MissingData => "user/missing-data",
            ErrorCode::InvalidData => "user/invalid-data",
            ErrorCode::Unauthenticated => "user/unauthenticated",
            ErrorCode::NotAuthorized => "user/not-authorized",
            ErrorCode::NotFound => "user/not-found",
            ErrorCode::UsernameTaken => "user/username-taken",
            ErrorCode::Conflict => "user/conflict",
            ErrorCode::IdempotencyKeyReused => "user/idempotency-key-reused",
            ErrorCode::IdempotencyKeyInUse => "user/idempotency-key-in-use",
            ErrorCode::UnsupportedVersion => "user/unsupported-version",
            ErrorCode::MethodNotAllowed => "user/method-not-allowed",
            ErrorCode::RequestTimeout => "user/request-timeout",
            ErrorCode::PayloadTooLarge => "user/payload-too-large",
            ErrorCode::UnsupportedMediaType => "user/unsupported-media-type",
            ErrorCode::ValidationFailed => "user/validation-failed",
            ErrorCode::ValidationUnavailable => "user/validation-unavailable",
            ErrorCode::RateLimited => "user/rate-limited",
            ErrorCode::ServerError => "user/server-error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error body of the project API: `{"error": "User not found", "code": "user/not-found"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(JsonSchema))]
#[cfg_attr(feature = "json-schema", schemars(rename = "ProjectErrorBody"))]
pub struct ErrorBody {
    /// A sentence for people (the first fault's message for invalid data).
    pub error: String,
    /// The stable code.
    pub code: ErrorCode,
    /// For `user/server-error`: the request id to quote to support. Never internal error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// For `user/invalid-data` and `user/missing-data`: every fault, each naming its field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Fault>,
}

impl ErrorBody {
    /// The body for a request whose faults are `report`: missing data if that is what it
    /// says, invalid data otherwise.
    pub fn from_report(report: Report) -> Self {
        let code = if report.faults().iter().any(|f| f.code == Code::MissingData) {
            ErrorCode::MissingData
        } else {
            ErrorCode::InvalidData
        };
        ErrorBody {
            error: report.first_message().unwrap_or(MISSING_DATA).to_owned(),
            code,
            details: None,
            errors: report.into_faults(),
        }
    }

    /// A body with just a sentence and a code.
    pub fn new(code: ErrorCode, error: impl Into<String>) -> Self {
        ErrorBody {
            error: error.into(),
            code,
            details: None,
            errors: Vec::new(),
        }
    }
}

fitmate_rules::redacted_debug!(GeoPoint, UserProfile);
