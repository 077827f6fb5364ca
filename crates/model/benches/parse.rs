//! Parse + validate of the seed 001 create payload, beside a bare `serde_json::Value` parse
//! of the same bytes and the `jsonschema` crate validating them against the shipped schema.
//!
//! Run: `cargo bench -p fitmate-model --bench parse`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fitmate_model::v2023_10_04::CreateUserRequest;
use serde_json::Value;

const PAYLOAD: &[u8] =
    include_bytes!("../../../tests/fixtures/seeds/001-create-request-payload.json");
const SCHEMA: &str = include_str!("../../../schemas/2023-10-04/create-user.request.schema.json");

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
