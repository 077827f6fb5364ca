//! The OpenAPI 3.1 documents: one per version (`schemas/<version>/openapi.json`, served at
//! `GET /openapi/<version>.json`), and the combined one of every version
//! (`schemas/openapi.json`, served at `GET /openapi.json`).

use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use crate::ApiVersion;
use crate::schemas::{Definition, Names};

/// Registers `T` among the components and returns its `$ref`.
fn component<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

/// Which versions a document describes.
#[derive(Debug, Clone, Copy)]
struct Scope {
    versions: &'static [ApiVersion],
    names: Names,
}

impl Scope {
    /// `body` in every version of the scope: its `$ref`, or an `anyOf` of one per version.
    fn body(self, body: Definition, generator: &mut SchemaGenerator) -> Value {
        let mut refs: Vec<Value> = Vec::new();
        for version in self.versions {
            let reference = body.define(*version, generator, &self.names);
            if !refs.contains(&reference) {
                refs.push(reference);
            }
        }
        match <[Value; 1]>::try_from(refs) {
            Ok([one]) => one,
            Err(refs) => json!({"anyOf": refs}),
        }
    }
}

fn json_body(schema: Value, description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn version_header() -> Value {
    json!({
        "Fitmate-Version": {
            "description": "The API version that read the request and rendered this response.",
            "schema": {"$ref": "#/components/schemas/ApiVersion"},
        }
    })
}

fn answer(schema: Value, description: &str) -> Value {
    let mut body = json_body(schema, description);
    body["headers"] = version_header();
    body
}

/// The 429 answer: an answer with `Retry-After` among its headers.
fn rate_limited(schema: Value, description: &str) -> Value {
    let mut body = answer(schema, description);
    body["headers"]["Retry-After"] = json!({
        "description": "Seconds to wait before the next request is accepted.",
        "required": true,
        "schema": {"type": "integer", "minimum": 1},
    });
    body
}

/// The 413 description: the body limit in KiB.
fn too_large() -> String {
    format!("The body is over {} KiB.", fitmate_rules::max_body_kib())
}

const BODY_TIMEOUT: &str = "The body did not arrive within the server's body timeout (10 s by default); nothing was changed and the connection is closed. Send the request again.";

const RATE_LIMITED: &str = "The API key sent more requests than its rate allows (per key, per server replica), or the client's address sent more requests with unknown keys than it may; wait the seconds of `Retry-After`.";

/// The responses every Fitmate endpoint may give besides its own.
fn fitmate_errors(extra: &[(&str, &str)]) -> Map<String, Value> {
    let error = json!({"$ref": "#/components/schemas/ErrorBody"});
    let mut responses = Map::new();
    let mut add = |status: &str, description: &str| {
        responses.insert(status.to_owned(), answer(error.clone(), description));
    };
    add(
        "400",
        "The body breaks a rule (every fault is listed in `errors`), is not JSON, or the Fitmate-Version is unknown (the message lists the supported versions).",
    );
    add("401", "No API key, or an unknown or revoked one.");
    add("408", BODY_TIMEOUT);
    add("413", &too_large());
    add("415", "The body is not sent as application/json.");
    add(
        "500",
        "An unexpected error on the server's side; `requestId` identifies it.",
    );
    add(
        "503",
        "The server could not answer in time, or its database is unavailable for a moment; `requestId` identifies the request. Retry it.",
    );
    for (status, description) in extra {
        add(status, description);
    }
    responses.insert("429".to_owned(), rate_limited(error, RATE_LIMITED));
    responses
}

/// Adds `Idempotency-Key` to a write: the header, the replay header of its answers, the
/// 422 of a key reused with another request and the 409 of one still running.
fn idempotent(operation: &mut Value, error: &Value, reused: &str, in_use: &str) {
    if let Some(parameters) = operation["parameters"].as_array_mut() {
        parameters.push(json!({"$ref": "#/components/parameters/IdempotencyKey"}));
    }
    let responses = &mut operation["responses"];
    let conflict = responses["409"]["description"]
        .as_str()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_owned();
    responses["409"] = answer(
        error.clone(),
        &format!(
            "{conflict}; or {in_use}: a request with this Idempotency-Key is still running, retry after it ends."
        ),
    );
    responses["422"] = answer(
        error.clone(),
        &format!(
            "{reused}: this Idempotency-Key was used with another request (method, path, version or body)."
        ),
    );
    responses["409"]["headers"]["Retry-After"] = json!({
        "description": "With the in-use 409: seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
    });
    // The answers a retry may get replayed: what the write settled.
    for status in ["200", "404", "409"] {
        if let Some(answer) = responses.get_mut(status) {
            answer["headers"]["Idempotent-Replayed"] = json!({
                "description": "`true` when this is the saved answer of an earlier request with the same Idempotency-Key.",
                "schema": {"type": "string", "enum": ["true"]},
            });
        }
    }
}

fn fitmate_operation(
    operation_id: &str,
    summary: &str,
    description: &str,
    (request, request_description): (Value, &str),
    success: Value,
    extra_errors: &[(&str, &str)],
) -> Value {
    let mut responses = fitmate_errors(extra_errors);
    responses.insert("200".to_owned(), answer(success, "Success."));
    json!({
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "parameters": [{"$ref": "#/components/parameters/FitmateVersion"}],
            "requestBody": {
                "required": true,
                "description": request_description,
                "content": {"application/json": {"schema": request}},
            },
            "responses": responses,
        }
    })
}

/// The OpenAPI 3.1 document of every version: each versioned body is a named component per
/// version (`CreateUserRequest_2023_08_01`, ...), and an operation's body is any of them,
/// chosen by the `Fitmate-Version` header.
pub fn openapi() -> Value {
    document(Scope {
        versions: ApiVersion::ALL,
        names: Names::Versioned,
    })
}

/// The OpenAPI 3.1 document of one version: its bodies alone, with plain names, and the
/// `Fitmate-Version` header naming that version.
pub fn openapi_for(version: ApiVersion) -> Value {
    let index = version.index();
    document(Scope {
        versions: &ApiVersion::NEWEST_FIRST[index..=index],
        names: Names::Plain,
    })
}

fn document(scope: Scope) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut g = settings.into_generator();

    let (version_parameter, body_description, title) = match scope.versions {
        [one] => (
            json!({
                "name": "Fitmate-Version",
                "in": "header",
                "required": false,
                "description": format!("The API version this document describes, {one}. Without it, the version the API key is pinned to is used: send it, or use a key pinned to {one}."),
                "schema": {"type": "string", "enum": [one.as_str()]},
            }),
            format!("The body as API version {one} has it."),
            format!("Fitmate partner API, version {one}"),
        ),
        _ => (
            json!({
                "name": "Fitmate-Version",
                "in": "header",
                "required": false,
                "description": "The API version to use; defaults to the version the key is pinned to. An unknown version is a 400 that lists the supported ones.",
                "schema": component::<ApiVersion>(&mut g),
            }),
            format!(
                "The body of the version in use ({}): the Fitmate-Version header, else the key's pinned version. The documents of one version, /openapi/<version>.json, have that version's body alone.",
                ApiVersion::supported()
            ),
            "Fitmate partner API".to_owned(),
        ),
    };
    let version = component::<ApiVersion>(&mut g);
    let mut create = fitmate_operation(
        "createUser",
        "Create a user",
        "Creates a user in the project of the API key. Creating a user also sends a welcome email with a single-use magic link unless the project turned it off.",
        (
            scope.body(Definition::CreateUserRequest, &mut g),
            &body_description,
        ),
        scope.body(Definition::CreateUserResponse, &mut g),
        &[(
            "409",
            "Email already exists, or Phone number already exists.",
        )],
    );
    // What a client does next with a created user: read it back, change its profile.
    create["post"]["responses"]["200"]["links"] = json!({
        "RetrieveCreatedUser": {
            "operationId": "retrieveUser",
            "requestBody": {"email": "$response.body#/email"},
            "description": "The user just created, read back by its email.",
        },
        "UpdateCreatedUserProfile": {
            "operationId": "updateUserProfile",
            "parameters": {"userId": "$response.body#/identifier"},
            "description": "The user just created, by its identifier.",
        },
    });
    let mut update = fitmate_operation(
        "updateUser",
        "Update a user",
        "Changes the fields given of the user with this email; metadata, when given, replaces the stored object whole. In 2023-10-04 only glp1drugs, diabetes, doctorFullname, medicalClearanceDescription and metadata may change. A project with a validation webhook has it approve the update first.",
        (
            scope.body(Definition::UpdateUserRequest, &mut g),
            &body_description,
        ),
        scope.body(Definition::UpdateUserResponse, &mut g),
        &[
            ("404", "User not found."),
            (
                "409",
                "Phone number already exists; or the user kept changing while the validation webhook was asked about the update (three times), and nothing was changed: send it again.",
            ),
            (
                "503",
                "The project's validation webhook could not be asked (nothing was changed), or the server could not answer in time or reach its database.",
            ),
        ],
    );
    let retrieve = fitmate_operation(
        "retrieveUser",
        "Retrieve a user",
        "The user with this email, rendered in the version in use.",
        (
            scope.body(Definition::RetrieveUserRequest, &mut g),
            &body_description,
        ),
        scope.body(Definition::RetrieveUserResponse, &mut g),
        &[("404", "User not found.")],
    );

    let error = scope.body(Definition::ErrorBody, &mut g);
    let project_error = scope.body(Definition::ProjectErrorBody, &mut g);
    let project_errors: Map<String, Value> = [
        ("400", "`user/missing-data` (update missing, not an object or empty), `user/invalid-data` (a field breaks its rule, or the body is not JSON; `errors` names each), `user/unsupported-version` (the Fitmate-Version header is unknown; the message lists the supported ones) or `user/validation-failed` (the webhook said no)."),
        ("401", "`user/unauthenticated`: no API key, or an unknown one."),
        ("403", "`user/not-authorized`: the key belongs to another project."),
        ("404", "`user/not-found`: no such user in this project."),
        ("405", "`user/method-not-allowed`: this path takes PATCH only."),
        ("409", "`user/username-taken`, or `user/conflict`: the user kept changing while the validation webhook was asked about the update (three times); nothing was changed, send it again."),
        ("415", "`user/unsupported-media-type`: the body is not application/json."),
        ("500", "`user/server-error`: `details` holds a request id, never internal error text."),
        ("503", "`user/validation-unavailable`: the validation webhook was unreachable, timed out or answered unsigned; nothing was changed. Or `user/server-error`: the server could not answer in time or reach its database (`details` holds the request id). Retry it."),
    ]
    .into_iter()
    .map(|(status, description)| (status.to_owned(), answer(project_error.clone(), description)))
    .collect();
    let mut project_errors = project_errors;
    project_errors.insert(
        "413".to_owned(),
        answer(
            project_error.clone(),
            &format!("`user/payload-too-large`: {}", too_large()),
        ),
    );
    project_errors.insert(
        "408".to_owned(),
        answer(
            project_error.clone(),
            &format!("`user/request-timeout`: {BODY_TIMEOUT}"),
        ),
    );
    project_errors.insert(
        "429".to_owned(),
        rate_limited(
            project_error.clone(),
            &format!("`user/rate-limited`: {RATE_LIMITED}"),
        ),
    );
    let mut patch_responses = project_errors;
    patch_responses.insert(
        "200".to_owned(),
        answer(
            scope.body(Definition::UserProfile, &mut g),
            "The user's profile after the update.",
        ),
    );
    let mut patch = json!({
        "patch": {
            "operationId": "updateUserProfile",
            "summary": "Update a user's profile",
            "description": "Changes only the fields given. The project's validation webhook, if any, approves the update first (validateUserUpdated). secureMetadata is stored but never returned.",
            "parameters": [
                {"name": "projectId", "in": "path", "required": true, "schema": {"type": "string"}, "description": "The project of the API key."},
                {"name": "userId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}, "description": "The user's identifier, as create answered it."},
            ],
            "requestBody": {
                "required": true,
                "content": {"application/json": {"schema": scope.body(Definition::ProfileUpdateRequest, &mut g)}},
            },
            "responses": patch_responses,
        }
    });

    for (operation, method, error, reused, in_use) in [
        (
            &mut create,
            "post",
            &error,
            "`idempotency_key_reused`",
            "`idempotency_key_in_use`",
        ),
        (
            &mut update,
            "post",
            &error,
            "`idempotency_key_reused`",
            "`idempotency_key_in_use`",
        ),
        (
            &mut patch,
            "patch",
            &project_error,
            "`user/idempotency-key-reused`",
            "`user/idempotency-key-in-use`",
        ),
    ] {
        idempotent(&mut operation[method], error, reused, in_use);
    }
    let mut retrieve = retrieve;
    for (operation, method) in [
        (&mut create, "post"),
        (&mut update, "post"),
        (&mut retrieve, "post"),
        (&mut patch, "patch"),
    ] {
        if let Some(parameters) = operation[method]["parameters"].as_array_mut() {
            parameters.push(json!({"$ref": "#/components/parameters/Prefer"}));
        }
    }

    let redeem = json!({
        "post": {
            "operationId": "redeemMagicLink",
            "summary": "Redeem a magic link",
            "description": "Exchanges the single-use token of a welcome email's magic link for the user's identifier. Needs no API key.",
            "security": [],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"token": {
                    "type": "string",
                    "pattern": fitmate_rules::patterns::MAGIC_LINK_TOKEN.as_str(),
                    "description": format!("The token of the magic link: {} characters of A-Z, a-z, 0-9, - and _.", fitmate_rules::TOKEN_CHARS),
                }},
                "required": ["token"],
                "additionalProperties": false,
            }}}},
            "responses": {
                "200": json_body(json!({
                    "type": "object",
                    "properties": {"identifier": {"type": "string", "format": "uuid"}},
                    "required": ["identifier"],
                }), "The token was valid: it is now used up."),
                "400": json_body(error.clone(), "The body is not {\"token\": string}."),
                "408": json_body(error.clone(), BODY_TIMEOUT),
                "410": json_body(error.clone(), "The token was already used, or has expired."),
                "413": json_body(error.clone(), &too_large()),
                "415": json_body(error.clone(), "The body is not sent as application/json."),
                "429": rate_limited(error.clone(), "The client's address redeemed more links than it may (per address, per server replica); wait the seconds of `Retry-After`."),
                "500": json_body(error.clone(), "An unexpected error on the server's side; `requestId` identifies it."),
                "503": json_body(error.clone(), "The server could not answer in time, or its database is unavailable for a moment. Retry it."),
            },
        }
    });

    let health = json!({
        "get": {
            "operationId": "liveness",
            "summary": "Liveness",
            "security": [],
            "responses": {"200": json_body(json!({
                "type": "object",
                "properties": {"status": {"const": "ok"}},
                "required": ["status"],
            }), "The server process answers (whatever the database does).")},
        }
    });
    let ready = json!({
        "get": {
            "operationId": "readiness",
            "summary": "Readiness",
            "security": [],
            "responses": {
                "200": json_body(json!({
                    "type": "object",
                    "properties": {"status": {"const": "ready"}},
                    "required": ["status"],
                }), "The database answers: send traffic here."),
                "503": json_body(json!({
                    "type": "object",
                    "properties": {"status": {"const": "unavailable"}},
                    "required": ["status"],
                }), "The database does not answer: send traffic elsewhere."),
            },
        }
    });
    let document = json!({
        "get": {
            "operationId": "openApiDocument",
            "summary": "The OpenAPI document of every version",
            "security": [],
            "responses": {"200": json_body(json!({"type": "object"}), "The OpenAPI 3.1 document.")},
        }
    });
    let version_document = json!({
        "get": {
            "operationId": "openApiDocumentOfVersion",
            "summary": "The OpenAPI document of one version",
            "security": [],
            "parameters": [{
                "name": "version",
                "in": "path",
                "required": true,
                "description": "An API version, e.g. 2023-10-04.",
                "schema": version.clone(),
            }],
            "responses": {
                "200": json_body(json!({"type": "object"}), "The OpenAPI 3.1 document of that version."),
                "404": json_body(error.clone(), "No such version."),
            },
        }
    });

    let definitions = g.take_definitions(true);
    let magic_link_page = magic_link_page(&error);
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": env!("CARGO_PKG_VERSION"),
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
            "description": format!(
                "Doctors' information systems create and update their patients in the Fitmate coaching system. Versions: {} (current {}), chosen by the Fitmate-Version header or the API key's pinned version. Bodies are JSON of at most {} KiB; unknown fields are rejected. Schemas use format \"date\" and \"date-time\": enable format assertion in your validator.",
                ApiVersion::supported(), ApiVersion::CURRENT, fitmate_rules::max_body_kib(),
            ),
        },
        "servers": [
            {"url": "https://partners.ftmtapi.com", "description": "Production"},
            {"url": "https://partners-sandbox.ftmtapi.com", "description": "Sandbox"},
            {"url": "http://127.0.0.1:8080", "description": "A local fitmate serve"},
        ],
        "security": [{"bearer": []}],
        "paths": {
            "/users/create": create,
            "/users/update": update,
            "/users/retrieve": retrieve,
            "/{projectId}/users/{userId}": patch,
            "/auth/magic-link/redeem": redeem,
            "/auth/magic-link": magic_link_page,
            "/healthz": health,
            "/readyz": ready,
            "/openapi.json": document,
            "/openapi/{version}.json": version_document,
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key of the project: Authorization: Bearer <key>.",
            }},
            "parameters": {
                "FitmateVersion": version_parameter,
                "Prefer": {
                    "name": "Prefer",
                    "in": "header",
                    "required": false,
                    "description": "Sandbox projects only: `code=NNN` answers the operation's documented error of that status, with nothing changed, so a client can test how it handles it (`Prefer: code=409`). A code the operation does not document is a 400 (`invalid_prefer`) that lists the documented ones. Production projects ignore the header.",
                    "schema": {"type": "string", "maxLength": 200},
                    "example": "code=409",
                },
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "description": "Makes the write safe to retry: the first request's answer is saved and replayed, byte for byte and with `Idempotent-Replayed: true`, to any retry with the same key and the same request (method, path, version and body) for 24 hours unless the server is configured otherwise. Keys are the project's. Use a new key (a UUID) for each new request. A 400 is not saved, so a corrected body may reuse the key. After a 500 or a 503 the key stays held (retries get 409) for twice the server's request timeout, then a retry runs the write again.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 512, "pattern": "^(?:[ -~]{1,255}|\"(?:[ !#-\\[\\]-~]|\\\\[\"\\\\]){1,255}\")$"},
                },
            },
        },
    });
    if let Some(paths) = document["paths"].as_object_mut() {
        paths.extend(sandbox_paths(&error));
        for (path, item) in paths.iter_mut() {
            for operation in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                if operation.get("tags").is_none() {
                    operation["tags"] = json!([tag_of(path)]);
                }
            }
        }
    }
    document["tags"] = json!([
        {"name": "Users", "description": "Create, update and retrieve a project's users by email."},
        {"name": "Project users", "description": "The project users API: a user's profile by identifier."},
        {"name": "Magic links", "description": "The single-use sign-in links of the welcome emails."},
        {"name": "Sandbox", "description": "Sandbox projects only: the request log, the reset, the project clock and the console's reads. A production project's key gets 404 here."},
        {"name": "Operations", "description": "Health, readiness and these documents; no key needed."},
    ]);
    let schemas = crate::schemas::used_definitions(&document, definitions, "#/components/schemas/");
    document["components"]["schemas"] = Value::Object(schemas);
    document
}

/// The tag of the operations of `path`, the sandbox's excepted (they carry theirs).
fn tag_of(path: &str) -> &'static str {
    if path.starts_with("/users/") {
        "Users"
    } else if path.starts_with("/auth/") {
        "Magic links"
    } else if path.starts_with("/{projectId}/") {
        "Project users"
    } else {
        "Operations"
    }
}

/// `GET /auth/magic-link`: the page a welcome email's link opens on a local server.
fn magic_link_page(error: &Value) -> Value {
    let page = |description: &str| json!({"description": description, "content": {"text/html": {"schema": {"type": "string"}}}});
    json!({
        "get": {
            "operationId": "openMagicLink",
            "summary": "Open a magic link (page)",
            "description": "The page a welcome email's link opens when the server's links point at itself (the default of a local `fitmate serve`): it redeems the token, as redeemMagicLink does, and says whether the user is now signed in. Deployments whose links open their own app (`--magic-link-base`) send nobody here.",
            "security": [],
            "parameters": [{
                "name": "token",
                "in": "query",
                "required": false,
                "description": "The token of the magic link.",
                "schema": {"type": "string"},
            }],
            "responses": {
                "200": page("Signed in: the token was valid and is now used up."),
                "400": page("The address has no token, or a broken one."),
                "410": page("The token was already used, or has expired."),
                "429": rate_limited(error.clone(), "The client's address opened more links than it may; wait the seconds of `Retry-After`."),
                "500": json_body(error.clone(), "An unexpected error on the server's side; `requestId` identifies it."),
                "503": json_body(error.clone(), "The server could not answer in time, or its database is unavailable for a moment. Retry it."),
            },
        }
    })
}

/// The `/_sandbox` endpoints: a sandbox project's request log, reset, clock, and the reads
/// of its web console. Every one answers 404 to a production project's key.
fn sandbox_paths(error: &Value) -> Map<String, Value> {
    let described =
        |kind: &str, description: &str| json!({"type": kind, "description": description});
    let nullable =
        |kind: &str, description: &str| json!({"type": [kind, "null"], "description": description});
    let any = |description: &str| json!({"description": description});
    // The errors of an operation that reads a JSON body: `bad` for the 400.
    let too_large = too_large();
    let with_body = |bad| {
        [
            ("400", bad),
            ("408", BODY_TIMEOUT),
            ("413", too_large.as_str()),
            ("415", "The body is not sent as application/json."),
        ]
    };
    let limit = |default: u32, most: u32| {
        json!({
            "name": "limit",
            "in": "query",
            "required": false,
            "description": format!("How many, the newest first: 1 to {most}, {default} unless given."),
            "schema": {"type": "integer", "minimum": 1, "maximum": most},
        })
    };
    let list = |title: &str, item: Value| {
        json!({
            "type": "object",
            "title": title,
            "description": format!("{title}, the newest first."),
            "properties": {"data": {"type": "array", "items": item, "description": "The entries."}},
            "required": ["data"],
        })
    };
    let clock = json!({
        "type": "object",
        "title": "SandboxClock",
        "description": "The project's clock, which magic-link expiry and suspensions follow.",
        "properties": {
            "now": described("string", "The time by the project's clock (RFC 3339, UTC)."),
            "offsetSeconds": described("integer", "How far the project's clock runs ahead of the real time, in seconds."),
        },
        "required": ["now", "offsetSeconds"],
    });
    let user_item = json!({
        "type": "object",
        "description": "A user of the project.",
        "properties": {
            "identifier": {"type": "string", "format": "uuid", "description": "The user's identifier."},
            "email": described("string", "The user's email."),
            "firstName": described("string", "The user's first name."),
            "lastName": described("string", "The user's last name."),
        },
        "required": ["identifier", "email", "firstName", "lastName"],
    });
    let request_item = json!({
        "type": "object",
        "description": "A request of the project's API, as answered. No header is kept: not the API key.",
        "properties": {
            "requestId": described("string", "The request id (X-Request-Id)."),
            "time": described("string", "When it arrived (RFC 3339, real time)."),
            "method": described("string", "The method."),
            "path": described("string", "The path, without the query."),
            "version": described("string", "The API version it used."),
            "status": described("integer", "The status answered."),
            "latencyMs": described("number", "How long the answer took, in milliseconds."),
            "requestBody": any("The body sent: JSON as sent, or text; null when there was none."),
            "responseBody": any("The body answered: JSON as answered, or text; null when there was none."),
            "webhook": {
                "type": ["object", "null"],
                "description": "The validation webhook call the request made, if any.",
                "properties": {
                    "url": nullable("string", "The webhook's URL."),
                    "outcome": described("string", "approved, rejected, or why no usable answer came (refused, timeout, unreachable, error_status, bad_answer)."),
                    "latencyMs": described("number", "How long the call took, in milliseconds."),
                    "message": nullable("string", "The rejection's message, or what went wrong."),
                },
            },
        },
        "required": ["requestId", "time", "method", "path", "version", "status", "latencyMs", "requestBody", "responseBody", "webhook"],
    });
    let email_item = json!({
        "type": "object",
        "description": "A welcome email of the project.",
        "properties": {
            "id": described("integer", "The outbox entry."),
            "userIdentifier": {"type": "string", "format": "uuid", "description": "The recipient's identifier."},
            "status": {"type": "string", "enum": ["pending", "delivered", "bounced"], "description": "Whether it went out: pending while it waits to be (re)tried."},
            "queuedAt": described("string", "When it was queued (RFC 3339)."),
            "deliveredAt": nullable("string", "When it was delivered (RFC 3339)."),
            "attempts": described("integer", "Attempts made so far."),
            "lastError": nullable("string", "Why the last attempt failed, in the server's words."),
            "to": nullable("string", "The recipient's address, once delivered."),
            "subject": nullable("string", "The subject, once delivered."),
            "text": nullable("string", "The plain-text body, once delivered."),
            "html": nullable("string", "The HTML body, once delivered."),
            "link": nullable("string", "The magic link in it, once delivered."),
        },
        "required": ["id", "userIdentifier", "status", "queuedAt", "deliveredAt", "attempts", "lastError", "to", "subject", "text", "html", "link"],
    });
    let record = json!({
        "type": "object",
        "title": "SandboxUserRecord",
        "description": "A user as each version renders it, the newest version first.",
        "properties": {
            "identifier": {"type": "string", "format": "uuid", "description": "The user's identifier."},
            "versions": {
                "type": "array",
                "description": "One entry per version.",
                "items": {
                    "type": "object",
                    "description": "The user in one version.",
                    "properties": {
                        "version": described("string", "The API version."),
                        "record": {"type": "object", "description": "The user as that version renders it."},
                    },
                    "required": ["version", "record"],
                },
            },
        },
        "required": ["identifier", "versions"],
    });
    let reset = json!({
        "type": "object",
        "title": "SandboxReset",
        "description": "What the reset erased.",
        "properties": {"deleted": {
            "type": "object",
            "description": "How many of each were erased.",
            "properties": {
                "users": described("integer", "Users, with their suspensions and magic links."),
                "emails": described("integer", "Welcome emails."),
                "requests": described("integer", "Entries of the request log."),
            },
            "required": ["users", "emails", "requests"],
        }},
        "required": ["deleted"],
    });
    let operation = |id: &str,
                     summary: &str,
                     description: &str,
                     success: Value,
                     extra: &[(&str, &str)]| {
        let mut responses = Map::new();
        responses.insert("200".to_owned(), json_body(success, "Success."));
        let mut add = |status: &str, text: &str| {
            responses.insert(status.to_owned(), json_body(error.clone(), text));
        };
        add("401", "No API key, or an unknown or revoked one.");
        add(
            "404",
            "The key is not a sandbox project's: production projects have no /_sandbox endpoints.",
        );
        add(
            "500",
            "An unexpected error on the server's side; `requestId` identifies it.",
        );
        add(
            "503",
            "The server could not answer in time, or its database is unavailable for a moment. Retry it.",
        );
        for (status, text) in extra {
            add(status, text);
        }
        responses.insert("429".to_owned(), rate_limited(error.clone(), RATE_LIMITED));
        json!({
            "operationId": id,
            "summary": summary,
            "description": description,
            "tags": ["Sandbox"],
            "responses": responses,
        })
    };
    let mut requests = operation(
        "listSandboxRequests",
        "The request log",
        "The project's last API requests (1,000 are kept), the newest first: method, path, version, status, latency, the bodies sent and answered (a `secureMetadata` value replaced by a placeholder), and the validation webhook call made. The /_sandbox requests themselves are not logged. Each user an entry concerns gets a `retrieve` audit event.",
        list("SandboxRequests", request_item),
        &[(
            "400",
            "`limit` is not a whole number from 1 to 1000, or the query names another parameter.",
        )],
    );
    requests["parameters"] = json!([limit(50, 1000)]);
    let mut users = operation(
        "listSandboxUsers",
        "The project's users",
        "The project's newest users. Each user listed gets a `retrieve` audit event.",
        list("SandboxUsers", user_item.clone()),
        &[(
            "400",
            "`limit` is not a whole number from 1 to 500, or the query names another parameter.",
        )],
    );
    users["parameters"] = json!([limit(50, 500)]);
    let mut search = operation(
        "searchSandboxUsers",
        "Search the project's users by email",
        "The project's users whose email contains `email` (case-insensitively), the newest first. The email is sent in the body, not the URL, so that no access log records it. Each user listed gets a `retrieve` audit event.",
        list("SandboxUsers", user_item),
        &with_body("The body is not {\"email\": string, \"limit\": 1 to 500}."),
    );
    search["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {"schema": {
            "type": "object",
            "title": "SandboxUserSearch",
            "description": "What to search the project's users for.",
            "properties": {
                "email": {"type": "string", "description": "Part of the email, compared case-insensitively.", "examples": ["@clinic.example"]},
                "limit": {"type": "integer", "minimum": 1, "maximum": 500, "description": "How many at most, the newest first; 50 unless given."},
            },
            "required": ["email"],
            "additionalProperties": false,
        }}},
    });
    let mut user = operation(
        "getSandboxUser",
        "A user in every version",
        "The user as each version renders it, the newest version first. Audited as a retrieve.",
        record,
        &[],
    );
    user["parameters"] = json!([{"name": "identifier", "in": "path", "required": true, "description": "The user's identifier.", "schema": {"type": "string"}}]);
    user["responses"]["404"]["description"] =
        json!("No such user in the project, or the key is not a sandbox project's.");
    let mut emails = operation(
        "listSandboxEmails",
        "The welcome emails",
        "The project's welcome emails, the newest first; once delivered, each as it was sent, with its magic link. Each recipient of a delivered email listed gets a `retrieve` audit event.",
        list("SandboxEmails", email_item),
        &[(
            "400",
            "`limit` is not a whole number from 1 to 500, or the query names another parameter.",
        )],
    );
    emails["parameters"] = json!([limit(50, 500)]);
    let reset = operation(
        "resetSandbox",
        "Start again from empty",
        "Erases the project's users (with their suspensions, magic links, emails and idempotency keys) and its request log, and sets its clock back to the real time. Audit events stay: each erased user gets a `delete` event.",
        reset,
        &[],
    );
    let get_clock = operation(
        "getSandboxClock",
        "The project clock",
        "The time by the project's clock, which magic-link expiry and suspensions follow.",
        clock.clone(),
        &[],
    );
    let mut advance = operation(
        "advanceSandboxClock",
        "Move the project clock forward",
        "Moves the project's clock forward by `advance`, to at most 10 years ahead of the real time; it goes back only with a reset.",
        clock,
        &with_body(
            "`advance` is not a positive duration, the clock would then run more than 10 years ahead of the real time, or the body is not {\"advance\": string}.",
        ),
    );
    advance["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {"schema": {
            "type": "object",
            "title": "SandboxClockAdvance",
            "description": "How far to move the project clock forward.",
            "properties": {"advance": {
                "type": "string",
                "description": "A duration: `25h`, `2d 3h`, `90m` (a day is 24 hours) or ISO 8601 `PT25H`.",
                "examples": ["25h"],
            }},
            "required": ["advance"],
            "additionalProperties": false,
        }}},
    });
    [
        ("/_sandbox/requests", json!({"get": requests})),
        ("/_sandbox/users", json!({"get": users})),
        ("/_sandbox/users/search", json!({"post": search})),
        ("/_sandbox/users/{identifier}", json!({"get": user})),
        ("/_sandbox/emails", json!({"get": emails})),
        ("/_sandbox/reset", json!({"post": reset})),
        (
            "/_sandbox/clock",
            json!({"get": get_clock, "post": advance}),
        ),
    ]
    .into_iter()
    .map(|(path, item)| (path.to_owned(), item))
    .collect()
}
