//! The shared test vectors of `tests/vectors/`: the server's rules and the shipped schemas
//! (read by the `jsonschema` crate, with format checks) give each vector its verdict, and
//! the server's report names exactly the vector's fields. ajv and Python jsonschema read
//! the same files in `.ci/run`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use fitmate_model::{ApiVersion, Endpoint};
use serde_json::Value;

fn vectors() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for vector in file["vectors"].as_array().unwrap() {
            all.push((name.clone(), vector.clone()));
        }
    }
    all
}

fn endpoint(operation: &str) -> Endpoint {
    match operation {
        "create-user" => Endpoint::Create,
        "update-user" => Endpoint::Update,
        "retrieve-user" => Endpoint::Retrieve,
        "patch-user" => Endpoint::Patch,
        other => panic!("unknown operation {other}"),
    }
}

#[test]
fn the_server_and_the_shipped_schemas_give_every_vector_its_verdict() {
    let vectors = vectors();
    assert!(vectors.len() >= 300, "only {} vectors", vectors.len());
    let schemas = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut disagreements = Vec::new();
    for (file, vector) in &vectors {
        let description = vector["description"].as_str().unwrap();
        let version: ApiVersion = vector["version"].as_str().unwrap().parse().unwrap();
        let body = serde_json::to_vec(&vector["payload"]).unwrap();
        let expected: BTreeSet<&str> = vector["faults"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let faults: BTreeSet<String> =
            match endpoint(vector["operation"].as_str().unwrap()).check(version, &body) {
                Ok(()) => BTreeSet::new(),
                Err(report) => report.faults().iter().map(|f| f.field.clone()).collect(),
            };
        let faults: BTreeSet<&str> = faults.iter().map(String::as_str).collect();
        if faults != expected {
            disagreements.push(format!(
                "{file}: {description}: the server faults {faults:?}, the vector {expected:?}"
            ));
        }

        let schema: Value = serde_json::from_slice(
            &std::fs::read(schemas.join(vector["schema"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        // Where JSON Schema cannot state the rule, the schema accepts what the server refuses.
        let schema_verdict =
            vector["valid"].as_bool().unwrap() || vector.get("schemaCannotTell").is_some();
        if validator.is_valid(&vector["payload"]) != schema_verdict {
            disagreements.push(format!(
                "{file}: {description}: the schema says valid={}, the vector {schema_verdict}",
                !schema_verdict
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
