//! The shipped schemas: current with the types, and agreeing with the Rust side.

use std::path::PathBuf;

use fitmate_model::schema_files;
use serde_json::Value;

use crate::fixture_bytes;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

/// A change to a type without regenerating fails here. `FITMATE_UPDATE_SCHEMAS=1` rewrites.
#[test]
fn shipped_schemas_are_what_the_types_generate() {
    let update = std::env::var_os("FITMATE_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for file in schema_files() {
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

#[test]
fn every_shipped_schema_is_a_valid_2020_12_schema() {
    for file in schema_files()
        .iter()
        .filter(|f| f.path.ends_with(".schema.json"))
    {
        let schema: Value = serde_json::from_str(&file.contents).unwrap();
        assert!(
            jsonschema::meta::is_valid(&schema),
            "{} is not a valid schema",
            file.path
        );
    }
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
    let report = fitmate_model::head::CreateUserRequest::from_slice(body.to_string().as_bytes())
        .unwrap_err();
    assert_eq!(
        report.faults()[0].message,
        "emial is not a field of this request; did you mean email?"
    );
}
