#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod canonical;
mod checks;
mod common;
mod endpoint;
pub mod error;
mod openapi;
pub mod projects;
mod schemas;
pub mod v2023_08_01;
pub mod v2023_10_04;
mod version;
mod wire;

pub use canonical::{User, UserChanges};
pub use common::{CreateUserResponse, RETRIEVED_MESSAGE, RetrieveUserRequest, UPDATED_MESSAGE};
pub use endpoint::{Endpoint, UnknownEndpoint};
pub use openapi::openapi;
pub use schemas::{SchemaFile, root_schema, schema_files};
pub use version::{ApiVersion, UnknownVersion};
pub use wire::{RequestBody, malformed, parse_body};

/// The rules crate, for the field types these requests are made of.
pub use fitmate_rules as rules;
