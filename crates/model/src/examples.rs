//! The examples of the schemas and the OpenAPI documents: the seed payloads of Fitmate's
//! partner documentation, and answers rendered from them through the chain. A test holds the
//! seeds here to the fixtures in `tests/fixtures/seeds/`.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::ApiVersion;
use crate::schemas::Definition;

/// The 2023-08-01 update payload of the documentation (every field): also a valid
/// 2023-08-01 create.
pub(crate) const SEED_UPDATE_2023_08_01: &str = r#"{
  "email": "jane@doe.com",
  "firstname": "jane",
  "lastname": "doe",
  "phonenumber": "1234567890",
  "dateOfBirth": "1990-12-23",
  "gender": "female",
  "height": "5ft 6in",
  "weight": 130,
  "pregnant": false,
  "metadata": {
    "key": "value",
    "foodRestricition": "vegan"
  }
}"#;

/// The 2023-10-04 create payload of the documentation.
pub(crate) const SEED_CREATE_2023_10_04: &str = r#"{
  "email": "jane@doe.com",
  "firstname": "jane",
  "lastname": "doe",
  "phonenumber": "1234567890",
  "dateOfBirth": "1990-12-23",
  "gender": "female",
  "height": "5ft 6in",
  "pregnant": false,
  "diabetes": 0,
  "glp1drugs": false,
  "paymentPlan": 1,
  "planStartDate": "2023-10-30",
  "medicalClearance": "full",
  "medicalClearanceDescription": "Yes, provided medical clearance",
  "currentWeight": 130,
  "desiredWeight": 110,
  "allergies": "no allergies",
  "nutritionPreferences": "vegan, gluten free",
  "religiousDietaryRestrictions": "no pork",
  "doctorFullname": "Dr. Mike Smith",
  "metadata": {
    "key": "value"
  }
}"#;

/// The project API's update answer of the documentation.
pub(crate) const SEED_PROFILE: &str = r#"{
  "id": "0c9e6b1a-2f4d-4e8a-b7c3-5d6e7f809a1b",
  "username": "new_username",
  "name": "John Doe",
  "avatar": "https://example.com/avatar.jpg",
  "bio": "New bio text",
  "birthdate": "1990-01-01T00:00:00.000Z",
  "location": {
    "type": "Point",
    "coordinates": [34.05, -118.25]
  },
  "metadata": {
    "theme": "dark"
  },
  "suspensions": []
}"#;

/// The identifier the examples give their user.
const IDENTIFIER: Uuid = Uuid::from_u128(0x3f1c2a4e_8b5d_4c6e_9f70_1a2b3c4d5e6f);

/// The update payload of the current version's examples: the coaching fields.
const UPDATE_COACHING_FIELDS: &str = r#"{
  "email": "jane@doe.com",
  "glp1drugs": true,
  "diabetes": 3,
  "doctorFullname": "Dr. Mike Smith",
  "metadata": {"key": "value", "glp1Dosage": "10mg"}
}"#;

/// The create payloads of the examples, newest first.
const CREATES: [&str; 2] = [SEED_CREATE_2023_10_04, SEED_UPDATE_2023_08_01];

/// The update payloads of the examples, newest first.
const UPDATES: [&str; 2] = [UPDATE_COACHING_FIELDS, SEED_UPDATE_2023_08_01];

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The payloads among `payloads` that `version` reads without a fault.
fn accepted(payloads: &[&str], reads: impl Fn(&[u8]) -> bool) -> Vec<Value> {
    payloads
        .iter()
        .filter(|p| reads(p.as_bytes()))
        .map(|p| parse(p))
        .collect()
}

/// The user of the examples in `version`: made by the first create payload it reads, or
/// else (a version newer than every payload here) by the first payload any version reads.
fn seed_user(version: ApiVersion) -> Option<crate::User> {
    let made_by = |version: ApiVersion| {
        CREATES
            .iter()
            .find_map(|p| version.read_create(p.as_bytes()).ok())
    };
    made_by(version).or_else(|| ApiVersion::NEWEST_FIRST.iter().find_map(|v| made_by(*v)))
}

/// The create examples of `version`: the payloads it reads, and the seed user as it renders
/// it (which reads back as the same user: a test of the fuzz target and the agreement suite).
fn create_examples(version: ApiVersion) -> Vec<Value> {
    let mut examples = accepted(&CREATES, |p| version.read_create(p).is_ok());
    // The seed user as the version renders it: the fields under their current names (the
    // 2023-10-04 seed sends the deprecated gender).
    let rendered = seed_user(version).map(|user| Value::Object(version.render_user(&user)));
    if let Some(rendered) = rendered
        && !examples.contains(&rendered)
    {
        examples.push(rendered);
    }
    examples
}

/// The update examples of `version`: the payloads it reads, or else the changes of the first
/// payload any version reads, as `version` names them.
fn update_examples(version: ApiVersion) -> Vec<Value> {
    let payloads = accepted(&UPDATES, |p| version.read_update(p).is_ok());
    if !payloads.is_empty() {
        return payloads;
    }
    let read = ApiVersion::NEWEST_FIRST.iter().find_map(|v| {
        UPDATES
            .iter()
            .find_map(|p| v.read_update(p.as_bytes()).ok())
    });
    read.map(|(email, changes)| {
        let mut body = version.render_changes(&changes);
        body.insert("email".to_owned(), Value::from(email.as_str()));
        Value::Object(body)
    })
    .into_iter()
    .collect()
}

fn answer(answer: crate::UserAnswer) -> Value {
    serde_json::to_value(answer).unwrap_or(Value::Null)
}

/// The examples of `body` in `version`.
pub(crate) fn of(body: Definition, version: ApiVersion) -> Vec<Value> {
    let user = seed_user(version);
    let rendered = |render: &dyn Fn(&crate::User) -> Value| -> Vec<Value> {
        user.iter().map(render).collect()
    };
    match body {
        Definition::CreateUserRequest => create_examples(version),
        Definition::UpdateUserRequest => update_examples(version),
        Definition::RetrieveUserRequest => vec![json!({"email": "jane@doe.com"})],
        Definition::CreateUserResponse => vec![json!({
            "message": crate::CreateUserResponse::MESSAGE,
            "email": "jane@doe.com",
            "identifier": IDENTIFIER,
        })],
        Definition::UpdateUserResponse => {
            rendered(&|u| answer(version.render_updated(IDENTIFIER, u)))
        }
        Definition::RetrieveUserResponse => {
            rendered(&|u| answer(version.render_retrieved(IDENTIFIER, u)))
        }
        Definition::User => rendered(&|u| Value::Object(version.render_user(u))),
        Definition::UpdatedUser => rendered(&|u| Value::Object(version.render_updated_user(u))),
        Definition::ProfileUpdateRequest => vec![json!({"update": {
            "username": "new_username",
            "location": {"longitude": -118.25, "latitude": 34.05},
            "metadata": {"theme": "dark"},
        }})],
        Definition::UserProfile => vec![parse(SEED_PROFILE)],
        Definition::ProjectErrorBody => vec![
            json!({"error": "Missing required data", "code": "user/missing-data"}),
            json!({"error": "User not found", "code": "user/not-found"}),
        ],
        Definition::ErrorBody => vec![json!({
            "message": "Invalid email address",
            "errors": [
                {"field": "email", "code": "invalid_email", "message": "Invalid email address"},
                {"field": "height", "code": "invalid_height", "message": "height must look like 5ft 6in (feet 1 to 8, inches 0 to 11, one space)"},
            ],
        })],
    }
}
