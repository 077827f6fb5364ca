//! The JSON Schemas shipped in `schemas/`, generated from the head types and the chain of
//! changes, written for code generators as well as validators: definition names without
//! dots, a `title` and a `description` on every body and on every property, `$id` on every
//! file, the seed payloads as `examples`.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::versioned::schema;
use crate::{ApiVersion, CreateUserResponse, RetrieveUserRequest, error, examples, projects};

/// Where the schema files say they live: each file's `$id` is this followed by its path
/// under `schemas/`. An identifier, not a promise that the file is served there.
pub const SCHEMA_BASE: &str = "https://partners.ftmtapi.com/schemas/";

/// One generated file: its path (under `schemas/` for the schemas) and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
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

/// A body of the API with a schema of its own: a named definition of the schema files and
/// the OpenAPI documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Definition {
    CreateUserRequest,
    CreateUserResponse,
    UpdateUserRequest,
    UpdateUserResponse,
    RetrieveUserRequest,
    RetrieveUserResponse,
    /// The `data` of a retrieve answer.
    User,
    /// The `data` of an update answer.
    UpdatedUser,
    ProfileUpdateRequest,
    UserProfile,
    ProjectErrorBody,
    ErrorBody,
}

impl Definition {
    /// The bodies each version has a file for, in file order.
    pub(crate) const VERSIONED_FILES: [Definition; 6] = [
        Definition::CreateUserRequest,
        Definition::CreateUserResponse,
        Definition::UpdateUserRequest,
        Definition::UpdateUserResponse,
        Definition::RetrieveUserRequest,
        Definition::RetrieveUserResponse,
    ];

    /// The bodies that are the same in every version, with their files.
    pub(crate) const SHARED_FILES: [(Definition, &'static str); 4] = [
        (
            Definition::ProfileUpdateRequest,
            "projects/update-user.request.schema.json",
        ),
        (
            Definition::UserProfile,
            "projects/update-user.response.schema.json",
        ),
        (Definition::ProjectErrorBody, "projects/error.schema.json"),
        (Definition::ErrorBody, "errors/error.schema.json"),
    ];

    /// The name of its definition (and its `title`).
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Definition::CreateUserRequest => "CreateUserRequest",
            Definition::CreateUserResponse => "CreateUserResponse",
            Definition::UpdateUserRequest => "UpdateUserRequest",
            Definition::UpdateUserResponse => "UpdateUserResponse",
            Definition::RetrieveUserRequest => "RetrieveUserRequest",
            Definition::RetrieveUserResponse => "RetrieveUserResponse",
            Definition::User => "User",
            Definition::UpdatedUser => "UpdatedUser",
            Definition::ProfileUpdateRequest => "UpdateUserProfileRequest",
            Definition::UserProfile => "UserProfile",
            Definition::ProjectErrorBody => "ProjectErrorBody",
            Definition::ErrorBody => "ErrorBody",
        }
    }

    /// Its file name within a version's folder.
    const fn file_name(self) -> &'static str {
        match self {
            Definition::CreateUserRequest => "create-user.request.schema.json",
            Definition::CreateUserResponse => "create-user.response.schema.json",
            Definition::UpdateUserRequest => "update-user.request.schema.json",
            Definition::UpdateUserResponse => "update-user.response.schema.json",
            Definition::RetrieveUserRequest => "retrieve-user.request.schema.json",
            Definition::RetrieveUserResponse => "retrieve-user.response.schema.json",
            _ => "",
        }
    }

    /// Whether its form changes between versions.
    pub(crate) const fn is_versioned(self) -> bool {
        matches!(
            self,
            Definition::CreateUserRequest
                | Definition::UpdateUserRequest
                | Definition::UpdateUserResponse
                | Definition::RetrieveUserResponse
                | Definition::User
                | Definition::UpdatedUser
        )
    }

    /// Its description for people, in `version`.
    pub(crate) fn description(self, version: ApiVersion) -> String {
        match self {
            Definition::CreateUserRequest => format!("The body of POST /users/create in API version {version}."),
            Definition::CreateUserResponse => "The 200 answer of POST /users/create: the new user's email and identifier.".to_owned(),
            Definition::UpdateUserRequest => format!("The body of POST /users/update in API version {version}: the email names the user, and the fields given change."),
            Definition::UpdateUserResponse => format!("The 200 answer of POST /users/update in API version {version}."),
            Definition::RetrieveUserRequest => "The body of POST /users/retrieve: the email of the user to read.".to_owned(),
            Definition::RetrieveUserResponse => format!("The 200 answer of POST /users/retrieve in API version {version}."),
            Definition::User => format!("A user as API version {version} renders it. Fields the user was created without are absent."),
            Definition::UpdatedUser => format!("The data of an update answer in API version {version}: the email and the fields update may change."),
            Definition::ProfileUpdateRequest => "The body of PATCH /{projectId}/users/{userId}: the fields to change, under update.".to_owned(),
            Definition::UserProfile => "The 200 answer of PATCH /{projectId}/users/{userId}: the user's profile after the update. secureMetadata is never included.".to_owned(),
            Definition::ProjectErrorBody => "An error of the project users API: a sentence, a stable code and, for invalid data, every fault.".to_owned(),
            Definition::ErrorBody => "An error of the /users endpoints: the first fault's sentence and every fault of the request.".to_owned(),
        }
    }

    /// Its schema in `version`, its nested bodies registered as definitions of `generator`
    /// named by `names`.
    pub(crate) fn schema(
        self,
        version: ApiVersion,
        generator: &mut SchemaGenerator,
        names: &Names,
    ) -> Value {
        match self {
            Definition::CreateUserRequest => schema::create_request(version, generator),
            Definition::UpdateUserRequest => schema::update_request(version, generator),
            Definition::User => schema::user(version, generator),
            Definition::UpdatedUser => schema::updated_user(version, generator),
            Definition::UpdateUserResponse => answer(
                Definition::UpdatedUser,
                version,
                generator,
                names,
                "User updated successfully",
            ),
            Definition::RetrieveUserResponse => answer(
                Definition::User,
                version,
                generator,
                names,
                "User retrieved successfully",
            ),
            Definition::CreateUserResponse => inline::<CreateUserResponse>(generator),
            Definition::RetrieveUserRequest => inline::<RetrieveUserRequest>(generator),
            Definition::ProfileUpdateRequest => inline::<projects::UpdateUserRequest>(generator),
            Definition::UserProfile => inline::<projects::UserProfile>(generator),
            Definition::ProjectErrorBody => inline::<projects::ErrorBody>(generator),
            Definition::ErrorBody => inline::<error::ErrorBody>(generator),
        }
    }

    /// Registers the body in `version` as a definition of `generator`, with its title and
    /// description, and returns its `$ref`.
    pub(crate) fn define(
        self,
        version: ApiVersion,
        generator: &mut SchemaGenerator,
        names: &Names,
    ) -> Value {
        let name = names.of(self, version);
        if !generator.definitions().contains_key(&name) {
            let schema = self.titled(version, generator, names);
            generator.definitions_mut().insert(name.clone(), schema);
        }
        let path = generator.settings().definitions_path.clone();
        json!({"$ref": format!("#{path}/{name}")})
    }

    /// Its schema with `title`, `description` and `examples`.
    fn titled(self, version: ApiVersion, generator: &mut SchemaGenerator, names: &Names) -> Value {
        let mut schema = self.schema(version, generator, names);
        if let Value::Object(object) = &mut schema {
            object.insert("title".to_owned(), Value::from(self.name()));
            object.insert(
                "description".to_owned(),
                Value::from(self.description(version)),
            );
            let examples = examples::of(self, version);
            if !examples.is_empty() {
                object.insert("examples".to_owned(), Value::Array(examples));
            }
        }
        schema
    }
}

/// How definitions are named: plainly in a document of one version, with the version in
/// the name for versioned bodies in the document of every version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// One version's documents: `User`.
    Plain,
    /// The combined document: `User_2023_08_01`.
    Versioned,
}

impl Names {
    pub(crate) fn of(self, body: Definition, version: ApiVersion) -> String {
        match self {
            Names::Versioned if body.is_versioned() => {
                format!("{}_{}", body.name(), version.as_str().replace('-', "_"))
            }
            _ => body.name().to_owned(),
        }
    }
}

/// The schema of an answer `{"message", "identifier", "data"}`.
fn answer(
    data: Definition,
    version: ApiVersion,
    generator: &mut SchemaGenerator,
    names: &Names,
    message: &str,
) -> Value {
    let mut data_ref = data.define(version, generator, names);
    data_ref["description"] = Value::from(data.description(version));
    json!({
        "type": "object",
        "properties": {
            "message": {"type": "string", "const": message, "description": format!("`{message}`.")},
            "identifier": {"type": "string", "format": "uuid", "description": "The user's identifier: also the userId of the project API."},
            "data": data_ref,
        },
        "required": ["message", "identifier", "data"],
    })
}

/// The schema of `T` written out, not as a `$ref`.
fn inline<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    T::json_schema(generator).to_value()
}

/// The generator for standalone files: definitions under `$defs`.
fn file_generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12().into_generator()
}

/// A standalone schema file: the body as its root, every definition it uses under `$defs`.
fn body_file(path: String, body: Definition, version: ApiVersion) -> GeneratedFile {
    let mut generator = file_generator();
    let root = body.titled(version, &mut generator, &Names::Plain);
    let mut file = Map::new();
    file.insert(
        "$schema".to_owned(),
        Value::from("https://json-schema.org/draft/2020-12/schema"),
    );
    file.insert(
        "$id".to_owned(),
        Value::from(format!("{SCHEMA_BASE}{path}")),
    );
    if let Value::Object(root) = root {
        file.extend(root);
    }
    let definitions = generator.take_definitions(true);
    let definitions = used_definitions(&Value::Object(file.clone()), definitions, "#/$defs/");
    if !definitions.is_empty() {
        file.insert("$defs".to_owned(), Value::Object(definitions));
    }
    json_file(path, &Value::Object(file))
}

/// The definitions that `root` refers to (`$ref: "<prefix><name>"`), directly or through
/// other definitions: a version's chain removes fields, and the definitions only they used
/// go with them.
pub(crate) fn used_definitions(
    root: &Value,
    mut definitions: Map<String, Value>,
    prefix: &str,
) -> Map<String, Value> {
    fn refs(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(target)) = object.get("$ref")
                    && let Some(name) = target.strip_prefix(prefix)
                {
                    out.push(name.to_owned());
                }
                object.values().for_each(|v| refs(v, prefix, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, prefix, out)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    refs(root, prefix, &mut pending);
    let mut used = Map::new();
    while let Some(name) = pending.pop() {
        if let Some(schema) = definitions.remove(&name) {
            refs(&schema, prefix, &mut pending);
            used.insert(name, schema);
        }
    }
    used
}

pub(crate) fn json_file(path: String, value: &Value) -> GeneratedFile {
    let mut contents = serde_json::to_string_pretty(value).unwrap_or_default();
    contents.push('\n');
    GeneratedFile { path, contents }
}

/// Every file of `schemas/`: per version its request and answer schemas and its OpenAPI
/// document; the project API's schemas and both error bodies; and the OpenAPI document of
/// every version.
pub fn schema_files() -> Vec<GeneratedFile> {
    let mut files = Vec::new();
    for version in ApiVersion::ALL.iter().copied() {
        for body in Definition::VERSIONED_FILES {
            let path = format!("{version}/{}", body.file_name());
            files.push(body_file(path, body, version));
        }
        files.push(json_file(
            format!("{version}/openapi.json"),
            &crate::openapi_for(version),
        ));
    }
    for (body, path) in Definition::SHARED_FILES {
        files.push(body_file(path.to_owned(), body, ApiVersion::CURRENT));
    }
    files.push(json_file("openapi.json".to_owned(), &crate::openapi()));
    files
}
