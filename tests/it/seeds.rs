//! Every example of the seed documents: requests accepted (but seed 002's swapped
//! coordinates), responses read back.

use fitmate_model::rules::Code;
use fitmate_model::{ApiVersion, CreateUserResponse, Endpoint, projects, v2023_08_01, v2023_10_04};

use crate::fixture_bytes;

#[test]
fn seed_000_update_requests_are_accepted_by_2023_08_01() {
    for name in [
        "seeds/000-update-request-payload.json",
        "seeds/000-update-request-axios.json",
    ] {
        let request = v2023_08_01::UpdateUserRequest::from_slice(&fixture_bytes(name))
            .unwrap_or_else(|r| panic!("{name}: {r}"));
        assert_eq!(request.email.as_str(), "jane@doe.com");
        assert_eq!(request.height.map(|h| h.total_inches()), Some(66));
    }
    let request = v2023_08_01::UpdateUserRequest::from_slice(&fixture_bytes(
        "seeds/000-update-request-payload.json",
    ))
    .unwrap();
    let (_, changes) = request.into_changes();
    let metadata = changes.metadata.expect("metadata given");
    assert_eq!(metadata.as_map()["foodRestricition"], "vegan");
}

#[test]
fn seed_000_update_response_deserialises() {
    let response: v2023_08_01::UpdateUserResponse =
        serde_json::from_slice(&fixture_bytes("seeds/000-update-response.json")).unwrap();
    assert_eq!(response.message, "User updated successfully");
    assert_eq!(response.data.weight.get(), 130.0);
    assert_eq!(response.data.gender.map(|g| g.as_str()), Some("female"));
}

#[test]
fn seed_001_create_requests_are_accepted_by_2023_10_04_with_gender_standing_for_sex() {
    for name in [
        "seeds/001-create-request-payload.json",
        "seeds/001-create-request-axios.json",
    ] {
        let request = v2023_10_04::CreateUserRequest::from_slice(&fixture_bytes(name))
            .unwrap_or_else(|r| panic!("{name}: {r}"));
        assert!(
            request.sex.is_none(),
            "the seed sends only the deprecated gender"
        );
        let user = request.into_user().unwrap();
        assert_eq!(user.sex.as_str(), "female");
        assert_eq!(user.current_weight.get(), 130.0);
        assert_eq!(user.desired_weight.map(|w| w.get()), Some(110.0));
    }
}

#[test]
fn seed_001_create_response_deserialises() {
    let response: CreateUserResponse =
        serde_json::from_slice(&fixture_bytes("seeds/001-create-response.json")).unwrap();
    assert_eq!(response.message, CreateUserResponse::MESSAGE);
    assert_eq!(response.email, "jane@doe.com");
}

#[test]
fn seed_002_patch_request_is_rejected_because_the_coordinates_look_swapped() {
    let report =
        projects::UpdateUserRequest::from_slice(&fixture_bytes("seeds/002-patch-request.json"))
            .unwrap_err();
    assert_eq!(report.len(), 1, "{report}");
    let fault = &report.faults()[0];
    assert_eq!(fault.field, "update.location.latitude");
    assert_eq!(fault.code, Code::CoordinatesSwapped);
    assert!(
        fault.message.contains("-118.25 is out of range -90 to 90"),
        "{}",
        fault.message
    );
    assert!(fault.message.contains("look swapped"), "{}", fault.message);
    let body = projects::ErrorBody::from_report(report);
    assert_eq!(body.code, projects::ErrorCode::InvalidData);
}

#[test]
fn seed_002_request_with_the_pair_put_right_is_accepted_and_sanitised() {
    let body = br#"{"update": {"username": " New_Username! ", "location": {"longitude": -118.25, "latitude": 34.05}, "metadata": {"theme": "dark"}}}"#;
    let changes = projects::UpdateUserRequest::from_slice(body)
        .unwrap()
        .into_changes();
    assert_eq!(changes.username.unwrap().as_str(), "new_username");
    let location = changes.location.unwrap();
    assert_eq!(
        (location.longitude(), location.latitude()),
        (-118.25, 34.05)
    );
}

#[test]
fn seed_002_responses_deserialise() {
    let profile: projects::UserProfile =
        serde_json::from_slice(&fixture_bytes("seeds/002-patch-response.json")).unwrap();
    assert_eq!(profile.location.unwrap().coordinates, [34.05, -118.25]);
    assert!(profile.suspensions.is_empty());
    for (name, code) in [
        (
            "seeds/002-error-missing-data.json",
            projects::ErrorCode::MissingData,
        ),
        (
            "seeds/002-error-not-found.json",
            projects::ErrorCode::NotFound,
        ),
        (
            "seeds/002-error-server.json",
            projects::ErrorCode::ServerError,
        ),
    ] {
        let body: projects::ErrorBody = serde_json::from_slice(&fixture_bytes(name)).unwrap();
        assert_eq!(body.code, code, "{name}");
    }
}

#[test]
fn a_2023_10_04_user_renders_in_2023_08_01_and_back() {
    let user = v2023_10_04::CreateUserRequest::from_slice(&fixture_bytes(
        "seeds/001-create-request-payload.json",
    ))
    .unwrap()
    .into_user()
    .unwrap();
    let old = serde_json::to_value(v2023_08_01::User::from(&user)).unwrap();
    assert_eq!(old["gender"], "female");
    assert_eq!(old["weight"], 130);
    assert!(old.get("sex").is_none() && old.get("currentWeight").is_none());
    let new = serde_json::to_value(v2023_10_04::User::from(&user)).unwrap();
    assert_eq!(new["sex"], "female");
    assert_eq!(new["currentWeight"], 130);
    assert!(new.get("gender").is_none() && new.get("weight").is_none());
}

#[test]
fn the_endpoint_check_agrees_with_the_typed_readers_on_the_seeds() {
    let cases = [
        (
            Endpoint::Update,
            ApiVersion::V2023_08_01,
            "seeds/000-update-request-payload.json",
            true,
        ),
        (
            Endpoint::Create,
            ApiVersion::V2023_10_04,
            "seeds/001-create-request-payload.json",
            true,
        ),
        (
            Endpoint::Patch,
            ApiVersion::CURRENT,
            "seeds/002-patch-request.json",
            false,
        ),
        // The 2023-10-04 create body has fields 2023-08-01 does not know.
        (
            Endpoint::Create,
            ApiVersion::V2023_08_01,
            "seeds/001-create-request-payload.json",
            false,
        ),
    ];
    for (endpoint, version, name, valid) in cases {
        assert_eq!(
            endpoint.check(version, &fixture_bytes(name)).is_ok(),
            valid,
            "{endpoint} {version} {name}"
        );
    }
}
