//! The shipped schemas: current with the types, and agreeing with the Rust side.

use std::path::PathBuf;

use fitmate_model::{ApiVersion, schema_files};
use serde_json::Value;

use crate::fixture_bytes;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

/// A change to a type or to the version chain without regenerating fails here, for the
/// schemas and for `docs/api-versions.md`. `FITMATE_UPDATE_SCHEMAS=1` rewrites them.
#[test]
fn shipped_schemas_are_what_the_types_generate() {
    let update = std::env::var_os("FITMATE_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    let docs = fitmate_model::GeneratedFile {
        path: "../docs/api-versions.md".to_owned(),
        contents: fitmate_model::versions_markdown(),
    };
    for file in schema_files().into_iter().chain([docs]) {
        let path = schemas_dir().join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(file.contents.as_str()) {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &file.contents).unwrap();
            } else {
                stale.push(file.path);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas {stale:?}: run `cargo run -- schemas` (or FITMATE_UPDATE_SCHEMAS=1 cargo test)"
    );
}

fn shipped(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(schemas_dir().join(path)).unwrap()).unwrap()
}

fn validator(path: &str) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&shipped(path))
        .unwrap()
}

/// Every `*.schema.json` file under `schemas/`, as shipped: its path under `schemas/` and
/// its content.
fn shipped_schema_files() -> Vec<(String, Value)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, Value)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.to_string_lossy().ends_with(".schema.json") {
                let name = path
                    .strip_prefix(schemas_dir())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((
                    name,
                    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap(),
                ));
            }
        }
    }
    let mut files = Vec::new();
    walk(&schemas_dir(), &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

#[test]
fn every_shipped_schema_is_a_valid_2020_12_schema() {
    let files = shipped_schema_files();
    assert_eq!(
        files.len(),
        6 * ApiVersion::ALL.len() + 4,
        "six a version, the project API's three, the errors'"
    );
    for (path, schema) in files {
        assert!(
            jsonschema::meta::is_valid(&schema),
            "{path} is not a valid schema"
        );
    }
}

/// Every schema under `value` (the file itself, its `$defs`, nested schemas), with its
/// JSON pointer: the object schemas, and the pointers of boolean ones.
fn walk_schemas<'a>(
    pointer: String,
    value: &'a Value,
    objects: &mut Vec<(String, &'a Value)>,
    booleans: &mut Vec<String>,
) {
    let object = match value {
        Value::Object(object) => object,
        Value::Bool(_) => return booleans.push(pointer),
        _ => return,
    };
    objects.push((pointer.clone(), value));
    for keyword in ["properties", "$defs"] {
        if let Some(Value::Object(members)) = object.get(keyword) {
            for (name, schema) in members {
                walk_schemas(
                    format!("{pointer}/{keyword}/{name}"),
                    schema,
                    objects,
                    booleans,
                );
            }
        }
    }
    for keyword in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(items)) = object.get(keyword) {
            for (i, schema) in items.iter().enumerate() {
                walk_schemas(
                    format!("{pointer}/{keyword}/{i}"),
                    schema,
                    objects,
                    booleans,
                );
            }
        }
    }
    for keyword in ["items", "if", "then", "else", "not", "propertyNames"] {
        if let Some(schema) = object.get(keyword) {
            walk_schemas(format!("{pointer}/{keyword}"), schema, objects, booleans);
        }
    }
    // `additionalProperties: false` is how a closed object is said; only an object there
    // is a schema to look into.
    if let Some(schema @ Value::Object(_)) = object.get("additionalProperties") {
        walk_schemas(
            format!("{pointer}/additionalProperties"),
            schema,
            objects,
            booleans,
        );
    }
}

/// What code generators need of every shipped schema: a title and a description on every
/// body, a description on every property of a body, no `true` or `false` subschema.
#[test]
fn every_body_and_property_of_every_shipped_schema_is_described() {
    let mut missing = Vec::new();
    for (path, file) in shipped_schema_files() {
        for key in ["$id", "title", "description", "examples"] {
            if file.get(key).is_none() {
                missing.push(format!("{path}: no {key}"));
            }
        }
        let (mut schemas, mut booleans) = (Vec::new(), Vec::new());
        walk_schemas(String::new(), &file, &mut schemas, &mut booleans);
        for pointer in booleans {
            missing.push(format!("{path}#{pointer}: a boolean subschema"));
        }
        for (pointer, schema) in schemas {
            // A body: an object with named properties, outside the rules across fields.
            let is_body = schema.get("type") == Some(&Value::from("object"))
                && schema.get("properties").is_some();
            let in_rule = ["/allOf/", "/anyOf/", "/if", "/then"]
                .iter()
                .any(|k| pointer.contains(k));
            if is_body && !in_rule {
                if schema.get("description").is_none() {
                    missing.push(format!("{path}#{pointer}: no description"));
                }
                for (name, property) in schema["properties"].as_object().unwrap() {
                    if property.get("description").is_none() {
                        missing.push(format!(
                            "{path}#{pointer}/properties/{name}: no description"
                        ));
                    }
                }
            }
        }
    }
    // The OpenAPI documents' components are the same definitions.
    let documents = ApiVersion::ALL
        .iter()
        .map(|v| format!("{v}/openapi.json"))
        .chain(["openapi.json".to_owned()]);
    for document in documents {
        let document = shipped(&document);
        let components = serde_json::json!({"$defs": document["components"]["schemas"]});
        let (mut schemas, mut booleans) = (Vec::new(), Vec::new());
        walk_schemas(String::new(), &components, &mut schemas, &mut booleans);
        missing.extend(
            booleans
                .into_iter()
                .map(|p| format!("openapi {p}: a boolean subschema")),
        );
        for (pointer, schema) in schemas
            .into_iter()
            .filter(|(p, _)| p.matches('/').count() == 2)
        {
            if schema.get("description").is_none() {
                missing.push(format!("openapi #{pointer}: no description"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn gender_and_weight_are_deprecated_in_2023_10_04_only() {
    for (version, deprecated) in [("2023-10-04", true), ("2023-08-01", false)] {
        let create = shipped(&format!("{version}/create-user.request.schema.json"));
        for field in ["gender", "weight"] {
            let property = &create["properties"][field];
            assert_eq!(
                property.get("deprecated") == Some(&Value::Bool(true)),
                deprecated,
                "{version} {field}: {property}"
            );
            let description = property["description"].as_str().unwrap();
            assert_eq!(
                description.contains("Deprecated"),
                deprecated,
                "{version} {field}"
            );
        }
    }
}

/// Each `examples` entry of every shipped schema, the file's and its definitions', is valid
/// against the schema it stands in.
#[test]
fn every_example_in_the_shipped_schemas_is_valid() {
    let mut checked = 0;
    for (path, file) in shipped_schema_files() {
        let mut schemas = vec![(String::new(), file.clone())];
        if let Some(Value::Object(defs)) = file.get("$defs") {
            for (name, schema) in defs {
                // A definition checked on its own, with the file's definitions beside it.
                let mut standalone = schema.clone();
                standalone["$defs"] = file["$defs"].clone();
                schemas.push((format!("/$defs/{name}"), standalone));
            }
        }
        for (pointer, schema) in schemas {
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap();
            for example in schema["examples"].as_array().into_iter().flatten() {
                let errors: Vec<String> = validator
                    .iter_errors(example)
                    .map(|e| e.to_string())
                    .collect();
                assert!(errors.is_empty(), "{path}#{pointer}: {example}: {errors:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 30, "only {checked} examples");
}

#[test]
fn shipped_schemas_give_the_seed_fixtures_the_rust_verdict() {
    // The same table drives the Python check in .ci/validate_schemas.py.
    let cases: Vec<Value> = serde_json::from_slice(&fixture_bytes("seeds/verdicts.json")).unwrap();
    assert_eq!(cases.len(), 11, "every seed fixture has a verdict");
    for case in cases {
        let (schema, fixture) = (
            case["schema"].as_str().unwrap(),
            case["fixture"].as_str().unwrap(),
        );
        let instance: Value =
            serde_json::from_slice(&fixture_bytes(&format!("seeds/{fixture}"))).unwrap();
        assert_eq!(
            validator(schema).is_valid(&instance),
            case["valid"],
            "{schema} on {fixture}"
        );
    }
}

#[test]
fn request_schemas_reject_unknown_fields_as_the_rust_side_does() {
    let mut body: Value =
        serde_json::from_slice(&fixture_bytes("seeds/001-create-request-payload.json")).unwrap();
    body["emial"] = Value::from("typo@doe.com");
    assert!(!validator("2023-10-04/create-user.request.schema.json").is_valid(&body));
    let report = ApiVersion::V2023_10_04
        .read_create(body.to_string().as_bytes())
        .unwrap_err();
    assert_eq!(
        report.faults()[0].message,
        "emial is not a field of this request; did you mean email?"
    );
}
