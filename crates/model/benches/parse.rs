//! Parse + validate of the seed 001 create payload, beside a bare `serde_json::Value` parse
//! of the same bytes and the `jsonschema` crate validating them against the shipped schema.
//! Three floors set the typed figure in context: a derived struct of owned strings with no
//! rule checked, the same borrowing every string, and serde_json only skipping the bytes.
//!
//! Run: `cargo bench -p fitmate-model --bench parse`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fitmate_model::head::CreateUserRequest;
use serde_json::Value;

const PAYLOAD: &[u8] =
    include_bytes!("../../../tests/fixtures/seeds/001-create-request-payload.json");
const SCHEMA: &str = include_str!("../../../schemas/2023-10-04/create-user.request.schema.json");

/// The seed's fields as plain strings, numbers and a map, with no rule checked: what a bare
/// `#[derive(Deserialize)]` costs, the floor for a typed parse with serde_json.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Unchecked {
    email: String,
    firstname: String,
    lastname: String,
    phonenumber: String,
    date_of_birth: String,
    gender: Option<String>,
    sex: Option<String>,
    height: String,
    pregnant: Option<bool>,
    diabetes: u8,
    glp1drugs: bool,
    payment_plan: u8,
    plan_start_date: String,
    medical_clearance: String,
    medical_clearance_description: Option<String>,
    current_weight: Option<f64>,
    desired_weight: Option<f64>,
    allergies: Option<String>,
    nutrition_preferences: Option<String>,
    religious_dietary_restrictions: Option<String>,
    doctor_fullname: Option<String>,
    metadata: Option<serde_json::Map<String, Value>>,
}

/// The same, borrowing every string from the input and skipping metadata: no allocation at
/// all, the floor for any serde_json reader that hands back owned values.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Borrowed<'a> {
    email: &'a str,
    firstname: &'a str,
    lastname: &'a str,
    phonenumber: &'a str,
    date_of_birth: &'a str,
    gender: Option<&'a str>,
    sex: Option<&'a str>,
    height: &'a str,
    pregnant: Option<bool>,
    diabetes: u8,
    glp1drugs: bool,
    payment_plan: u8,
    plan_start_date: &'a str,
    medical_clearance: &'a str,
    medical_clearance_description: Option<&'a str>,
    current_weight: Option<f64>,
    desired_weight: Option<f64>,
    allergies: Option<&'a str>,
    nutrition_preferences: Option<&'a str>,
    religious_dietary_restrictions: Option<&'a str>,
    doctor_fullname: Option<&'a str>,
    metadata: Option<serde::de::IgnoredAny>,
}

fn parse(c: &mut Criterion) {
    let schema: Value = serde_json::from_str(SCHEMA).expect("shipped schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("shipped schema compiles");
    let instance: Value = serde_json::from_slice(PAYLOAD).expect("seed is JSON");
    assert!(CreateUserRequest::from_slice(PAYLOAD).is_ok() && validator.is_valid(&instance));

    let mut group = c.benchmark_group("seed-001-create");
    group.bench_function("typed parse+validate", |b| {
        b.iter(|| CreateUserRequest::from_slice(black_box(PAYLOAD)).is_ok())
    });
    group.bench_function("unchecked derive parse", |b| {
        b.iter(|| serde_json::from_slice::<Unchecked>(black_box(PAYLOAD)).is_ok())
    });
    group.bench_function("unchecked borrowed parse", |b| {
        b.iter(|| serde_json::from_slice::<Borrowed>(black_box(PAYLOAD)).is_ok())
    });
    group.bench_function("serde_json skip (IgnoredAny)", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(PAYLOAD)).is_ok())
    });
    group.bench_function("serde_json::Value parse", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(PAYLOAD)).is_ok())
    });
    group.bench_function("jsonschema validate (parsed Value)", |b| {
        b.iter(|| validator.is_valid(black_box(&instance)))
    });
    group.bench_function("jsonschema parse+validate", |b| {
        b.iter(|| {
            let value: Value = serde_json::from_slice(black_box(PAYLOAD)).expect("seed is JSON");
            validator.is_valid(&value)
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
