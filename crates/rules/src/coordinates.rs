//! Geographic coordinates of a user's location.

use serde::{Deserializer, Serialize};
use serde_json::Value;
#[cfg(feature = "json-schema")]
use serde_json::json;

use crate::macros::json_schema_of;
use crate::{Code, FromWire, RuleError};

/// A location as the project API takes it: `{"longitude": -118.25, "latitude": 34.05}`, in
/// degrees, longitude -180 to 180 and latitude -90 to 90.
///
/// A latitude out of range whose pair would be valid the other way round is reported as
/// swapped, since that is nearly always what happened:
///
/// ```
/// use fitmate_rules::Coordinates;
/// let err = Coordinates::new(34.05, -118.25).unwrap_err();
/// assert_eq!(err.code().as_str(), "coordinates_swapped");
/// assert!(err.message_for("location").contains("look swapped"));
/// ```
#[derive(Clone, Copy, PartialEq, Serialize)]
pub struct Coordinates {
    longitude: f64,
    latitude: f64,
}

impl Coordinates {
    /// Checks a longitude and latitude; when both are out of range, the error carries both
    /// faults (see [`RuleError::and`]).
    pub fn new(longitude: f64, latitude: f64) -> Result<Self, RuleError> {
        if !LATITUDES.contains(&latitude)
            && LATITUDES.contains(&longitude)
            && LONGITUDES.contains(&latitude)
        {
            return Err(RuleError::new(
                Code::CoordinatesSwapped,
                format!(
                    "{}; longitude and latitude look swapped (send longitude {latitude} and latitude {longitude})",
                    out_of_range(latitude, MAX_LATITUDE)
                ),
            ).at("latitude"));
        }
        let (longitude, latitude) = both(in_longitudes(longitude), in_latitudes(latitude))?;
        Ok(Coordinates {
            longitude,
            latitude,
        })
    }

    /// Checks a JSON value: an object with exactly `longitude` and `latitude`, both numbers.
    /// Every faulty member is reported, not only the first.
    pub fn from_value(value: &Value) -> Result<Self, RuleError> {
        let map = match value {
            Value::Object(map) => map,
            Value::Null => return Err(RuleError::null()),
            _ => {
                return Err(RuleError::new(
                    Code::InvalidCoordinates,
                    "must be an object with longitude and latitude, such as {\"longitude\": -118.25, \"latitude\": 34.05}",
                ));
            }
        };
        if let Some(other) = map.keys().find(|k| *k != "longitude" && *k != "latitude") {
            return Err(RuleError::new(
                Code::InvalidCoordinates,
                format!("must have only longitude and latitude, not {other:?}"),
            ));
        }
        let number = |name: &'static str| match map.get(name) {
            None => Err(RuleError::new(Code::Required, "is required").at(name)),
            Some(Value::Number(n)) => n.as_f64().ok_or_else(|| {
                RuleError::new(Code::InvalidCoordinates, "must be a number").at(name)
            }),
            Some(_) => Err(
                RuleError::new(Code::InvalidCoordinates, "must be a number of degrees").at(name),
            ),
        };
        match (number("longitude"), number("latitude")) {
            (Ok(longitude), Ok(latitude)) => Coordinates::new(longitude, latitude),
            // A member that is no number: each member is reported for its own fault.
            (longitude, latitude) => both(
                longitude.and_then(in_longitudes),
                latitude.and_then(in_latitudes),
            )
            .and_then(|(longitude, latitude)| Coordinates::new(longitude, latitude)),
        }
    }

    /// Degrees east.
    pub fn longitude(self) -> f64 {
        self.longitude
    }
    /// Degrees north.
    pub fn latitude(self) -> f64 {
        self.latitude
    }
}

/// The furthest a longitude goes east or west, in degrees.
pub const MAX_LONGITUDE: f64 = 180.0;
/// The furthest a latitude goes north or south, in degrees.
pub const MAX_LATITUDE: f64 = 90.0;

const LONGITUDES: std::ops::RangeInclusive<f64> = -MAX_LONGITUDE..=MAX_LONGITUDE;
const LATITUDES: std::ops::RangeInclusive<f64> = -MAX_LATITUDE..=MAX_LATITUDE;

/// "is out of range -N to N", for a longitude or latitude.
fn out_of_range(value: f64, max: f64) -> String {
    format!("{value} is out of range -{max} to {max}")
}

fn in_longitudes(longitude: f64) -> Result<f64, RuleError> {
    if LONGITUDES.contains(&longitude) {
        return Ok(longitude);
    }
    Err(RuleError::new(
        Code::InvalidCoordinates,
        out_of_range(longitude, MAX_LONGITUDE),
    )
    .at("longitude"))
}

fn in_latitudes(latitude: f64) -> Result<f64, RuleError> {
    if LATITUDES.contains(&latitude) {
        return Ok(latitude);
    }
    Err(RuleError::new(
        Code::InvalidCoordinates,
        out_of_range(latitude, MAX_LATITUDE),
    )
    .at("latitude"))
}

/// Both members, or every fault among them.
fn both(
    longitude: Result<f64, RuleError>,
    latitude: Result<f64, RuleError>,
) -> Result<(f64, f64), RuleError> {
    match (longitude, latitude) {
        (Ok(longitude), Ok(latitude)) => Ok((longitude, latitude)),
        (Err(longitude), Err(latitude)) => Err(longitude.and(latitude)),
        (Err(only), Ok(_)) | (Ok(_), Err(only)) => Err(only),
    }
}

impl FromWire for Coordinates {
    fn from_wire<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Result<Self, RuleError>, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        Ok(Coordinates::from_value(&value))
    }
}

impl<'de> serde::Deserialize<'de> for Coordinates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Coordinates::from_wire(deserializer)?.map_err(serde::de::Error::custom)
    }
}

json_schema_of!(
    Coordinates,
    json!({
        "type": "object",
        "description": format!("A location in degrees: longitude -{MAX_LONGITUDE} to {MAX_LONGITUDE}, latitude -{MAX_LATITUDE} to {MAX_LATITUDE}."),
        "properties": {
            "longitude": {
                "type": "number", "minimum": -MAX_LONGITUDE, "maximum": MAX_LONGITUDE,
                "description": "Degrees east (negative: west).",
            },
            "latitude": {
                "type": "number", "minimum": -MAX_LATITUDE, "maximum": MAX_LATITUDE,
                "description": "Degrees north (negative: south).",
            },
        },
        "required": ["longitude", "latitude"],
        "additionalProperties": false,
        "examples": [{"longitude": -118.25, "latitude": 34.05}],
    })
);

crate::redacted_debug!(Coordinates);
