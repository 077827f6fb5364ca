//! End-to-end tests: the server over a real socket, the `fitmate` binary, seed fixtures and
//! shipped schemas.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its message

mod abuse;
mod api;
mod audit;
mod cli;
mod client;
mod docs;
mod harness;
mod idempotency;
mod import;
mod mail;
mod metrics;
mod outage;
mod privacy;
mod replicas;
mod sandbox;
mod schemas;
mod seeds;
mod serve;
mod vectors;
mod webhook;

use std::path::PathBuf;

/// A file of `tests/fixtures/`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The bytes of a file of `tests/fixtures/`.
pub(crate) fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The permission bits of a file.
pub(crate) fn file_mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
