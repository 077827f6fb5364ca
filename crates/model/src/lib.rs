#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod version;

mod body_reader;
mod canonical;
pub mod chain;
mod common;
mod cross_field;
mod endpoint;
pub mod error;
#[cfg(feature = "json-schema")]
mod examples;
pub mod head;
#[cfg(feature = "json-schema")]
mod openapi;
pub mod projects;
#[cfg(feature = "json-schema")]
mod schemas;
mod text;
mod versioned;

// The version list, newest first: the first is the head, the version the types of
// [`head`] are written in. A new version is one line here, at the top, and its module of
// changes beside this file; `docs/api-versions.md` says how.
versions! {
    /// `2023-10-04` (current): `sex` and `currentWeight` replace `gender` and `weight`
    /// (still accepted), the coaching fields arrive, and update may change only the coaching
    /// fields.
    V2023_10_04 = "2023-10-04" => v2023_10_04,
    /// `2023-08-01`: `gender` and `weight`; every create field required.
    V2023_08_01 = "2023-08-01",
}

pub use body_reader::{RequestBody, malformed, parse_body};
pub use canonical::{User, UserChanges};
pub use chain::{Shape, VersionChange, versions_markdown};
pub use common::{CreateUserResponse, RETRIEVED_MESSAGE, RetrieveUserRequest, UPDATED_MESSAGE};
pub use endpoint::{Endpoint, UnknownEndpoint};
#[cfg(feature = "json-schema")]
#[cfg_attr(docsrs, doc(cfg(feature = "json-schema")))]
pub use openapi::{openapi, openapi_for};
#[cfg(feature = "json-schema")]
#[cfg_attr(docsrs, doc(cfg(feature = "json-schema")))]
pub use schemas::{GeneratedFile, SCHEMA_BASE, root_schema, schema_files};
pub use version::UnknownVersion;
pub use versioned::UserAnswer;

/// The rules crate, for the field types these requests are made of.
pub use fitmate_rules as rules;
