//! Every example of the seed documents: requests accepted (but seed 002's swapped
//! coordinates), responses read back.

use fitmate_model::rules::Code;
use fitmate_model::{ApiVersion, CreateUserResponse, Endpoint, projects};

use crate::fixture_bytes;

#[test]
fn seed_000_update_requests_are_accepted_by_2023_08_01() {
    for name in [
        "seeds/000-update-request-payload.json",
        "seeds/000-update-request-axios.json",
    ] {
        let (email, changes) = ApiVersion::V2023_08_01
            .read_update(&fixture_bytes(name))
            .unwrap_or_else(|r| panic!("{name}: {r}"));
        assert_eq!(email.as_str(), "jane@doe.com");
        assert_eq!(changes.height.map(|h| h.total_inches()), Some(66));
        assert_eq!(changes.sex.map(|s| s.as_str()), Some("female"));
        assert_eq!(changes.current_weight.map(|w| w.get()), Some(130.0));
    }
    let (_, changes) = ApiVersion::V2023_08_01
        .read_update(&fixture_bytes("seeds/000-update-request-payload.json"))
        .unwrap();
    let metadata = changes.metadata.expect("metadata given");
    assert_eq!(metadata.as_map()["foodRestricition"], "vegan");
}

#[test]
fn seed_000_update_response_is_what_2023_08_01_renders_for_its_user() {
    let seed: serde_json::Value =
        serde_json::from_slice(&fixture_bytes("seeds/000-update-response.json")).unwrap();
    // The user the seed's payload makes, as a 2023-08-01 create.
    let user = ApiVersion::V2023_08_01
        .read_create(&fixture_bytes("seeds/000-update-request-payload.json"))
        .unwrap();
    let identifier = seed["identifier"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        serde_json::to_value(ApiVersion::V2023_08_01.render_updated(identifier, &user)).unwrap(),
        seed
    );
}

#[test]
fn seed_001_create_requests_are_accepted_by_2023_10_04_with_gender_standing_for_sex() {
    for name in [
        "seeds/001-create-request-payload.json",
        "seeds/001-create-request-axios.json",
    ] {
        let body: serde_json::Value = serde_json::from_slice(&fixture_bytes(name)).unwrap();
        assert!(
            body.get("sex").is_none(),
            "the seed sends only the deprecated gender"
        );
        let user = ApiVersion::V2023_10_04
            .read_create(&fixture_bytes(name))
            .unwrap_or_else(|r| panic!("{name}: {r}"));
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
    let user = ApiVersion::V2023_10_04
        .read_create(&fixture_bytes("seeds/001-create-request-payload.json"))
        .unwrap();
    let old = ApiVersion::V2023_08_01.render_user(&user);
    assert_eq!(old["gender"], "female");
    assert_eq!(old["weight"], 130);
    assert!(old.get("sex").is_none() && old.get("currentWeight").is_none());
    assert!(old.get("diabetes").is_none(), "2023-08-01 had no diabetes");
    let new = ApiVersion::V2023_10_04.render_user(&user);
    assert_eq!(new["sex"], "female");
    assert_eq!(new["currentWeight"], 130);
    assert!(new.get("gender").is_none() && new.get("weight").is_none());
}

#[test]
fn the_endpoint_check_accepts_the_seeds_and_names_each_fault_of_those_it_refuses() {
    /// The faults of a refused seed as (field, code); none for an accepted one.
    type Faults = &'static [(&'static str, Code)];
    let cases: [(Endpoint, ApiVersion, &str, Faults); 4] = [
        (
            Endpoint::Update,
            ApiVersion::V2023_08_01,
            "seeds/000-update-request-payload.json",
            &[],
        ),
        (
            Endpoint::Create,
            ApiVersion::V2023_10_04,
            "seeds/001-create-request-payload.json",
            &[],
        ),
        // The seed's longitude and latitude are swapped.
        (
            Endpoint::Patch,
            ApiVersion::CURRENT,
            "seeds/002-patch-request.json",
            &[("update.location.latitude", Code::CoordinatesSwapped)],
        ),
        // The 2023-10-04 create body has fields 2023-08-01 does not know, and lacks weight.
        (
            Endpoint::Create,
            ApiVersion::V2023_08_01,
            "seeds/001-create-request-payload.json",
            &[
                ("diabetes", Code::UnknownField),
                ("glp1drugs", Code::UnknownField),
                ("paymentPlan", Code::UnknownField),
                ("planStartDate", Code::UnknownField),
                ("medicalClearance", Code::UnknownField),
                ("medicalClearanceDescription", Code::UnknownField),
                ("currentWeight", Code::UnknownField),
                ("desiredWeight", Code::UnknownField),
                ("allergies", Code::UnknownField),
                ("nutritionPreferences", Code::UnknownField),
                ("religiousDietaryRestrictions", Code::UnknownField),
                ("doctorFullname", Code::UnknownField),
                ("weight", Code::Required),
            ],
        ),
    ];
    for (endpoint, version, name, expected) in cases {
        let found: Vec<(String, Code)> = match endpoint.check(version, &fixture_bytes(name)) {
            Ok(()) => Vec::new(),
            Err(report) => report
                .into_faults()
                .into_iter()
                .map(|f| (f.field, f.code))
                .collect(),
        };
        let expected: Vec<(String, Code)> = expected
            .iter()
            .map(|(field, code)| ((*field).to_owned(), *code))
            .collect();
        assert_eq!(found, expected, "{endpoint} {version} {name}");
    }
}
