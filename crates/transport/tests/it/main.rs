//! The client against a fault-injecting server (wiremock): timeouts, retries, and how an
//! unknown create is settled.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its message

mod faults;
