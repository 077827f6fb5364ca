//! Tables of valid and invalid values for each rule, with snapshots of what each answers.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod garde_adapters;
mod tables;
