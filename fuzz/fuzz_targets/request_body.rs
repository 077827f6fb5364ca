//! Every request body of the API, read as the server reads it. The first byte picks the
//! endpoint and version; the rest is the body.
//!
//! Beyond "no panic, whatever the bytes": a body that is accepted must survive the trip
//! back out: serialised again, it is accepted again and reads as the same request. That is
//! what a Rust client relies on when it builds a request from one it has read.

#![no_main]

use fitmate_model::{projects, v2023_08_01, v2023_10_04};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;

fn round_trip<T, F>(body: &[u8], read: F)
where
    T: Serialize + PartialEq + std::fmt::Debug,
    F: Fn(&[u8]) -> Result<T, fitmate_rules::Report>,
{
    let Ok(first) = read(body) else {
        return;
    };
    let again = serde_json::to_vec(&first).expect("an accepted request serialises");
    match read(&again) {
        Ok(second) => assert_eq!(first, second, "the request changed on the way back"),
        Err(report) => panic!(
            "an accepted request, serialised as {}, is refused: {report}",
            String::from_utf8_lossy(&again)
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    match pick % 6 {
        0 => round_trip(body, v2023_08_01::CreateUserRequest::from_slice),
        1 => round_trip(body, v2023_10_04::CreateUserRequest::from_slice),
        2 => round_trip(body, v2023_08_01::UpdateUserRequest::from_slice),
        3 => round_trip(body, v2023_10_04::UpdateUserRequest::from_slice),
        4 => round_trip(body, v2023_10_04::RetrieveUserRequest::from_slice),
        _ => round_trip(body, projects::UpdateUserRequest::from_slice),
    }
});
