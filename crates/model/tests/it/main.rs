//! Generated payloads: valid ones round-trip and pass; one broken field is rejected naming
//! that field; the shipped schema gives the Rust verdict on every one.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod agreement;
mod reports;
