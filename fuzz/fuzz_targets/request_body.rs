//! Every request body of the API in every version, read as the server reads it. The first
//! byte picks the endpoint and version; the rest is the body.
//!
//! Beyond "no panic, whatever the bytes": a body that is accepted must survive the trip
//! back out. A typed head request serialised again reads as the same request (what a Rust
//! client relies on); a user or an update read in any version, rendered in that version
//! (as answers and the validation webhook carry it), reads as the same user or changes.

#![no_main]

use fitmate_model::{ApiVersion, head, projects};
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

/// A create body read in `version`, the user rendered in that version and read again.
fn create_in(version: ApiVersion, body: &[u8]) {
    let Ok(user) = version.read_create(body) else {
        return;
    };
    let rendered = serde_json::to_vec(&version.render_user(&user)).expect("a user serialises");
    assert_eq!(
        version.read_create(&rendered).as_ref(),
        Ok(&user),
        "{version}: the user as rendered does not read back as itself"
    );
}

/// An update body read in `version`, its changes rendered in that version and read again.
fn update_in(version: ApiVersion, body: &[u8]) {
    let Ok((email, changes)) = version.read_update(body) else {
        return;
    };
    let mut rendered = version.render_changes(&changes);
    rendered.insert("email".to_owned(), email.as_str().into());
    let rendered = serde_json::to_vec(&rendered).expect("changes serialise");
    assert_eq!(
        version.read_update(&rendered),
        Ok((email, changes)),
        "{version}: the changes as rendered do not read back as themselves"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let versions = ApiVersion::NEWEST_FIRST;
    let version = versions[usize::from(pick / 8) % versions.len()];
    match pick % 8 {
        0 => create_in(version, body),
        1 => update_in(version, body),
        2 => round_trip(body, head::CreateUserRequest::from_slice),
        3 => round_trip(body, head::UpdateUserRequest::from_slice),
        4 => round_trip(body, head::RetrieveUserRequest::from_slice),
        5 => round_trip(body, projects::UpdateUserRequest::from_slice),
        6 => drop(version.read_retrieve(body)),
        _ => drop(version.read_profile_update(body)),
    }
});
