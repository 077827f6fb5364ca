//! Which request a body is for, and checking a body against it.

use std::fmt;
use std::str::FromStr;

use fitmate_rules::Report;

use crate::ApiVersion;

/// An operation of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /users/create`
    Create,
    /// `POST /users/update`
    Update,
    /// `POST /users/retrieve`
    Retrieve,
    /// `PATCH /{projectId}/users/{userId}` (the same in every version)
    Patch,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::Create,
        Endpoint::Update,
        Endpoint::Retrieve,
        Endpoint::Patch,
    ];

    /// The name used on the command line: `create`, `update`, `retrieve`, `patch`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Endpoint::Create => "create",
            Endpoint::Update => "update",
            Endpoint::Retrieve => "retrieve",
            Endpoint::Patch => "patch",
        }
    }

    /// Checks a request body for this endpoint in `version`, as the server reads it: `Err`
    /// lists every fault.
    ///
    /// ```
    /// use fitmate_model::{ApiVersion, Endpoint};
    /// let report = Endpoint::Retrieve
    ///     .check(ApiVersion::CURRENT, br#"{"email": "jane@", "emial": "x"}"#)
    ///     .unwrap_err();
    /// let fields: Vec<_> = report.faults().iter().map(|f| f.field.as_str()).collect();
    /// assert_eq!(fields, ["emial", "email"]);
    /// ```
    pub fn check(self, version: ApiVersion, body: &[u8]) -> Result<(), Report> {
        match self {
            Endpoint::Create => version.read_create(body).map(drop),
            Endpoint::Update => version.read_update(body).map(drop),
            Endpoint::Retrieve => version.read_retrieve(body).map(drop),
            Endpoint::Patch => version.read_profile_update(body).map(drop),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An endpoint name that is not one of `create`, `update`, `retrieve`, `patch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEndpoint(pub String);

impl fmt::Display for UnknownEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown endpoint {:?}; expected create, update, retrieve or patch",
            self.0
        )
    }
}

impl std::error::Error for UnknownEndpoint {}

impl FromStr for Endpoint {
    type Err = UnknownEndpoint;
    fn from_str(s: &str) -> Result<Self, UnknownEndpoint> {
        Endpoint::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| UnknownEndpoint(s.to_owned()))
    }
}
