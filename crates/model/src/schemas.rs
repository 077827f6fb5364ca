//! The JSON Schemas shipped in `schemas/`, generated from the types.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use crate::{common, error, projects, v2023_08_01, v2023_10_04};

/// One generated file: its path under `schemas/` and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// The path relative to `schemas/`, e.g. `2023-10-04/create-user.request.schema.json`.
    pub path: String,
    /// Pretty-printed JSON with a final newline.
    pub contents: String,
}

/// The standalone JSON Schema (2020-12) of a type.
pub fn root_schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
}

fn file(path: &str, schema: &serde_json::Value) -> SchemaFile {
    let mut contents = serde_json::to_string_pretty(schema).unwrap_or_default();
    contents.push('\n');
    SchemaFile {
        path: path.to_owned(),
        contents,
    }
}

fn schema_file<T: JsonSchema>(path: &str) -> SchemaFile {
    file(path, root_schema::<T>().as_value())
}

/// Every file of `schemas/`: per version and operation the request and response schemas,
/// the project API's, both error bodies, and `openapi.json`.
pub fn schema_files() -> Vec<SchemaFile> {
    vec![
        schema_file::<v2023_08_01::CreateUserRequest>("2023-08-01/create-user.request.schema.json"),
        schema_file::<common::CreateUserResponse>("2023-08-01/create-user.response.schema.json"),
        schema_file::<v2023_08_01::UpdateUserRequest>("2023-08-01/update-user.request.schema.json"),
        schema_file::<v2023_08_01::UpdateUserResponse>(
            "2023-08-01/update-user.response.schema.json",
        ),
        schema_file::<common::RetrieveUserRequest>("2023-08-01/retrieve-user.request.schema.json"),
        schema_file::<v2023_08_01::RetrieveUserResponse>(
            "2023-08-01/retrieve-user.response.schema.json",
        ),
        schema_file::<v2023_10_04::CreateUserRequest>("2023-10-04/create-user.request.schema.json"),
        schema_file::<common::CreateUserResponse>("2023-10-04/create-user.response.schema.json"),
        schema_file::<v2023_10_04::UpdateUserRequest>("2023-10-04/update-user.request.schema.json"),
        schema_file::<v2023_10_04::UpdateUserResponse>(
            "2023-10-04/update-user.response.schema.json",
        ),
        schema_file::<common::RetrieveUserRequest>("2023-10-04/retrieve-user.request.schema.json"),
        schema_file::<v2023_10_04::RetrieveUserResponse>(
            "2023-10-04/retrieve-user.response.schema.json",
        ),
        schema_file::<projects::UpdateUserRequest>("projects/update-user.request.schema.json"),
        schema_file::<projects::UserProfile>("projects/update-user.response.schema.json"),
        schema_file::<projects::ErrorBody>("projects/error.schema.json"),
        schema_file::<error::ErrorBody>("errors/error.schema.json"),
        file("openapi.json", &crate::openapi()),
    ]
}
