use std::time::{Duration, Instant};

use fitmate_transport::client::{Client, Environment, Error, RetryPolicy};
use fitmate_transport::model::{ApiVersion, head, rules::Email};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer, timeout: Duration) -> Client {
    Client::builder(Environment::Custom(server.uri()), "fm_test")
        .timeout(timeout)
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
            key_in_use_patience: Duration::from_millis(500),
        })
        .build()
        .unwrap()
}

fn email() -> Email {
    Email::parse("jane@doe.com").unwrap()
}

/// A create in the current version: a 2023-10-04 user, as the current version renders it
/// (which a create of that version reads back as the same user).
fn create_request() -> head::CreateUserRequest {
    let body = json!({
        "email": "jane@doe.com", "firstname": "Jane", "lastname": "Doe",
        "phonenumber": "5550100", "dateOfBirth": "1990-12-23", "sex": "female",
        "height": "5ft 6in", "currentWeight": 130, "pregnant": false, "diabetes": 0,
        "glp1drugs": false, "paymentPlan": 1, "planStartDate": "2026-12-01",
        "medicalClearance": "full",
    });
    let user = ApiVersion::V2023_10_04
        .read_create(body.to_string().as_bytes())
        .unwrap();
    let current = serde_json::to_vec(&ApiVersion::CURRENT.render_user(&user)).unwrap();
    head::CreateUserRequest::from_slice(&current).unwrap()
}

/// The retrieve answer for `create_request()`'s user, as the server renders it.
fn retrieved(identifier: &str) -> serde_json::Value {
    let user = create_request().into_user().unwrap();
    json!({
        "message": "User retrieved successfully",
        "identifier": identifier,
        "data": head::User::from(&user),
    })
}

const ID: &str = "3f1c2a4e-8b5d-4c6e-9f70-1a2b3c4d5e6f";

#[tokio::test]
async fn a_hanging_server_hits_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(path("/users/retrieve"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = Client::builder(Environment::Custom(server.uri()), "fm_test")
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.retrieve_user(&email()).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_503_then_a_200_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/users/retrieve"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/users/retrieve"))
        .respond_with(ResponseTemplate::new(200).set_body_json(retrieved(ID)))
        .mount(&server)
        .await;
    let found = client(&server, Duration::from_secs(5))
        .retrieve_user(&email())
        .await
        .unwrap();
    assert_eq!(found.identifier.to_string(), ID);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/users/retrieve"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/users/retrieve"))
        .respond_with(ResponseTemplate::new(200).set_body_json(retrieved(ID)))
        .mount(&server)
        .await;
    let started = Instant::now();
    client(&server, Duration::from_secs(5))
        .retrieve_user(&email())
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    assert!(waited < Duration::from_secs(3), "retried after {waited:?}");
}

#[tokio::test]
async fn a_400_is_never_retried_and_keeps_every_fault() {
    let server = MockServer::start().await;
    Mock::given(path("/users/update"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "Invalid phone number",
            "errors": [{"field": "phonenumber", "code": "invalid_phone", "message": "Invalid phone number"}],
        })))
        .mount(&server)
        .await;
    let request =
        head::UpdateUserRequest::from_slice(br#"{"email": "jane@doe.com", "glp1drugs": true}"#)
            .unwrap();
    let error = client(&server, Duration::from_secs(5))
        .update_user(&request)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert!(!error.is_retryable());
    assert_eq!(error.faults()[0].field, "phonenumber");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn documented_errors_become_their_variants() {
    let server = MockServer::start().await;
    Mock::given(path("/users/create"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "message": "Phone number already exists",
            "errors": [{"field": "phonenumber", "code": "phone_taken", "message": "Phone number already exists"}],
        })))
        .mount(&server)
        .await;
    Mock::given(path("/users/retrieve"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-request-id", "req-77")
                .set_body_json(json!({"message": "Internal server error", "requestId": "req-77"})),
        )
        .mount(&server)
        .await;
    let client = client(&server, Duration::from_secs(5));
    let error = client.create_user(&create_request()).await.unwrap_err();
    assert!(matches!(error, Error::PhoneExists), "{error:?}");
    let error = client.retrieve_user(&email()).await.unwrap_err();
    match error {
        Error::Server {
            status, request_id, ..
        } => assert_eq!((status, request_id.as_deref()), (500, Some("req-77"))),
        other => panic!("{other:?}"),
    }
}

/// Every attempt of one create carries the same Idempotency-Key, and another create gets
/// another key: the server can tell a retry from a new request.
#[tokio::test]
async fn retries_of_a_write_carry_its_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/users/create"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/users/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "message": "User created successfully", "email": "jane@doe.com", "identifier": ID,
        })))
        .mount(&server)
        .await;
    let client = client(&server, Duration::from_secs(5));
    client.create_user(&create_request()).await.unwrap();
    client.create_user(&create_request()).await.unwrap();
    let keys: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 4, "three attempts, then one: {keys:?}");
    assert!(keys[..3].iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_ne!(keys[3], keys[0], "a new call, a new key");
    assert_eq!(keys[0].len(), 36, "a UUID: {keys:?}");
}

fn in_use() -> ResponseTemplate {
    ResponseTemplate::new(409)
        .insert_header("retry-after", "0")
        .set_body_json(json!({
            "message": "A request with this Idempotency-Key is still running",
            "errors": [{"field": "Idempotency-Key", "code": "idempotency_key_in_use",
                        "message": "A request with this Idempotency-Key is still running"}],
        }))
}

/// A retry that finds the first attempt still running (409 idempotency_key_in_use) waits
/// and tries again, beyond the attempts the policy allows for failures.
#[tokio::test]
async fn a_key_still_in_use_is_waited_for() {
    let server = MockServer::start().await;
    Mock::given(path("/users/create"))
        .respond_with(in_use())
        .up_to_n_times(5)
        .mount(&server)
        .await;
    Mock::given(path("/users/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "message": "User created successfully", "email": "jane@doe.com", "identifier": ID,
        })))
        .mount(&server)
        .await;
    let created = client(&server, Duration::from_secs(5))
        .create_user(&create_request())
        .await
        .unwrap();
    assert_eq!(created.identifier.to_string(), ID);
}

/// A key held past the client's patience is reported as unavailable (retryable), never as
/// the email being taken.
#[tokio::test]
async fn a_key_held_too_long_is_unavailable_not_a_conflict() {
    let server = MockServer::start().await;
    Mock::given(path("/users/create"))
        .respond_with(in_use().insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    let error = client(&server, Duration::from_secs(5))
        .create_user(&create_request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Unavailable { status: 409, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

/// An invalid payload fails before any network call, with the server's report.
#[tokio::test]
async fn invalid_payloads_fail_before_sending() {
    let server = MockServer::start().await;
    let mut request = create_request();
    request.pregnant = Some(true);
    request.sex = Some(fitmate_transport::model::rules::Sex::Male);
    let error = client(&server, Duration::from_secs(5))
        .create_user(&request)
        .await
        .unwrap_err();
    assert_eq!(error.faults()[0].code.as_str(), "pregnant_male");
    assert!(server.received_requests().await.unwrap().is_empty());
}
