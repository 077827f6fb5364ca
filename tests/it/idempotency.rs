//! `Idempotency-Key`: a retried write gets the first answer, byte for byte, and one effect.

use std::time::Duration;

use fitmate_store::{AuditFilter, Store};
use serde_json::{Value, json};

use crate::harness::{TestServer, user};

/// What came back, as bytes: status, `Idempotent-Replayed`, body.
pub(crate) async fn send_keyed(
    base: &str,
    key: &str,
    method: reqwest::Method,
    path: &str,
    idempotency: &str,
    body: &Value,
) -> (u16, Option<String>, Vec<u8>) {
    let response = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(key)
        .header("Fitmate-Version", "2023-10-04")
        .header("Idempotency-Key", idempotency)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, response.bytes().await.unwrap().to_vec())
}

/// A server with project `clinic`, whose validation webhook is `mock` (5 s to answer), a key
/// of it, and the PATCH path of a user created in it.
async fn user_of_webhook_project(mock: &wiremock::MockServer) -> (TestServer, String, String) {
    let server = TestServer::start().await;
    let mut project = fitmate_store::NewProject::new("clinic".parse().unwrap());
    project.validation_webhook = Some(mock.uri());
    project.webhook_secret = Some(crate::webhook::SECRET.to_owned());
    project.webhook_timeout_ms = 5_000;
    let key = server.project_with(&project).await;
    let post = reqwest::Method::POST;
    let created = send_keyed(&server.base, &key, post, "/users/create", "c", &user(1)).await;
    let id: Value = serde_json::from_slice(&created.2).unwrap();
    let path = format!("/clinic/users/{}", id["identifier"].as_str().unwrap());
    (server, key, path)
}

async fn creates_of(server: &TestServer) -> usize {
    server
        .store
        .audit_events(&AuditFilter::default())
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "create")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_create_gets_the_first_answer_and_creates_one_user() {
    let server = TestServer::start().await;
    let post = reqwest::Method::POST;
    let first = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "create-1",
        &user(1),
    )
    .await;
    assert_eq!(first.0, 200, "{:?}", String::from_utf8_lossy(&first.2));
    assert_eq!(first.1, None, "a first answer is not a replay");
    let again = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "create-1",
        &user(1),
    )
    .await;
    assert_eq!(again.0, 200);
    assert_eq!(again.1.as_deref(), Some("true"));
    assert_eq!(again.2, first.2, "the first answer, byte for byte");
    assert_eq!(creates_of(&server).await, 1, "one user created");

    // The quoted form of the IETF draft names the same key.
    let quoted = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "\"create-1\"",
        &user(1),
    )
    .await;
    assert_eq!((quoted.0, quoted.2), (200, first.2.clone()));

    // Another body under the same key: 422, and nothing created.
    let other = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "create-1",
        &user(2),
    )
    .await;
    assert_eq!(other.0, 422);
    let body: Value = serde_json::from_slice(&other.2).unwrap();
    assert_eq!(body["errors"][0]["code"], "idempotency_key_reused");
    assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(creates_of(&server).await, 1);

    // A 409 is an answer too: replayed, not re-run.
    let taken = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "create-2",
        &user(1),
    )
    .await;
    assert_eq!(taken.0, 409);
    let taken_again = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "create-2",
        &user(1),
    )
    .await;
    assert_eq!(
        (taken_again.0, taken_again.1.as_deref()),
        (409, Some("true"))
    );
    assert_eq!(taken_again.2, taken.2);

    // Keys are the project's: another project's key may use the same one.
    let elsewhere = server
        .key_for("elsewhere", fitmate_model::ApiVersion::V2023_10_04)
        .await;
    let fresh = send_keyed(
        &server.base,
        &elsewhere,
        post,
        "/users/create",
        "create-1",
        &user(1),
    )
    .await;
    assert_eq!((fresh.0, fresh.1), (200, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_body_is_not_saved_and_a_malformed_key_is_400() {
    let server = TestServer::start().await;
    let post = reqwest::Method::POST;
    let mut bad = user(1);
    bad["height"] = json!("5ft 13in");
    let refused = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "k-400",
        &bad,
    )
    .await;
    assert_eq!(refused.0, 400);
    // The key is free: the corrected body goes through under it.
    let fixed = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "k-400",
        &user(1),
    )
    .await;
    assert_eq!((fixed.0, fixed.1), (200, None));

    let long = "k".repeat(256);
    let malformed = send_keyed(
        &server.base,
        &server.key,
        post,
        "/users/create",
        &long,
        &user(2),
    )
    .await;
    assert_eq!(malformed.0, 400);
    let body: Value = serde_json::from_slice(&malformed.2).unwrap();
    assert_eq!(body["errors"][0]["code"], "invalid_idempotency_key");
    assert_eq!(creates_of(&server).await, 1);
}

/// While the first PATCH is held by a webhook that answers slowly, a retry with the same key
/// gets 409; once it is answered, the retry gets its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_while_the_first_is_running_is_409_then_replayed() {
    let mock = crate::webhook::receiver(crate::webhook::Mode::SlowApprove).await;
    let (server, key, path) = user_of_webhook_project(&mock).await;
    let patch = json!({"update": {"bio": "Runner"}});

    let first = {
        let (base, key, path, patch) = (
            server.base.clone(),
            key.clone(),
            path.clone(),
            patch.clone(),
        );
        tokio::spawn(async move {
            send_keyed(
                &base,
                &key,
                reqwest::Method::PATCH,
                &path,
                "patch-1",
                &patch,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let during = send_keyed(
        &server.base,
        &key,
        reqwest::Method::PATCH,
        &path,
        "patch-1",
        &patch,
    )
    .await;
    assert_eq!(during.0, 409, "{}", String::from_utf8_lossy(&during.2));
    let body: Value = serde_json::from_slice(&during.2).unwrap();
    assert_eq!(body["code"], "user/idempotency-key-in-use");

    let first = first.await.unwrap();
    assert_eq!(first.0, 200, "{}", String::from_utf8_lossy(&first.2));
    let after = send_keyed(
        &server.base,
        &key,
        reqwest::Method::PATCH,
        &path,
        "patch-1",
        &patch,
    )
    .await;
    assert_eq!((after.0, after.1.as_deref()), (200, Some("true")));
    assert_eq!(after.2, first.2);
    let calls = mock.received_requests().await.unwrap().len();
    assert_eq!(calls, 1, "the webhook was asked once: one update");

    let reused = send_keyed(
        &server.base,
        &key,
        reqwest::Method::PATCH,
        &path,
        "patch-1",
        &json!({"update": {"bio": "Swimmer"}}),
    )
    .await;
    assert_eq!(reused.0, 422);
    let body: Value = serde_json::from_slice(&reused.2).unwrap();
    assert_eq!(body["code"], "user/idempotency-key-reused");
}

/// A key whose holder died mid-request (its lease ran out, no answer saved) is claimed by
/// the next retry of the same request; another request under it is still refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_left_by_a_dead_request_is_claimable_after_its_lease() {
    use fitmate_store::{IdempotencyClaim, IdempotencyState};
    let server = TestServer::start().await;
    let now = jiff::Timestamp::now();
    let claim = |fingerprint: u8, lease: i64| IdempotencyClaim {
        project: "sandbox".parse().unwrap(),
        key: "dead-replica".to_owned(),
        fingerprint: [fingerprint; 32],
        token: *uuid::Uuid::new_v4().as_bytes(),
        now,
        lease_until: now + jiff::SignedDuration::from_secs(lease),
        expires_at: now + jiff::SignedDuration::from_hours(24),
    };
    // The dead request: its lease already over.
    let first = server
        .store
        .claim_idempotency_key(&claim(1, -1))
        .await
        .unwrap();
    assert_eq!(first, IdempotencyState::Claimed);
    let other = server
        .store
        .claim_idempotency_key(&claim(2, 60))
        .await
        .unwrap();
    assert_eq!(
        other,
        IdempotencyState::Running {
            fingerprint: [1; 32]
        }
    );
    let retry = server
        .store
        .claim_idempotency_key(&claim(1, 60))
        .await
        .unwrap();
    assert_eq!(
        retry,
        IdempotencyState::Claimed,
        "taken over after the lease"
    );
    let during = server
        .store
        .claim_idempotency_key(&claim(1, 60))
        .await
        .unwrap();
    assert_eq!(
        during,
        IdempotencyState::Running {
            fingerprint: [1; 32]
        }
    );
}

/// A write the webhook refused (400) releases its key: the retry runs again and asks the
/// webhook again, rather than getting the saved refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_write_releases_its_key_and_the_retry_runs_again() {
    let mock = crate::webhook::receiver(crate::webhook::Mode::Reject).await;
    let (server, key, path) = user_of_webhook_project(&mock).await;
    let patch = json!({"update": {"bio": "Runner"}});
    for _ in 0..2 {
        let refused = send_keyed(
            &server.base,
            &key,
            reqwest::Method::PATCH,
            &path,
            "p",
            &patch,
        )
        .await;
        assert_eq!((refused.0, refused.1), (400, None));
    }
    assert_eq!(
        mock.received_requests().await.unwrap().len(),
        2,
        "asked twice"
    );
}

/// Erasing a user erases the answers saved for its writes, and a replay of a kept answer
/// is on the audit trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_are_audited_and_erasure_removes_saved_answers() {
    let server = TestServer::start().await;
    let post = reqwest::Method::POST;
    let first = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "erase-me",
        &user(1),
    )
    .await;
    let again = send_keyed(
        &server.base,
        &server.key,
        post.clone(),
        "/users/create",
        "erase-me",
        &user(1),
    )
    .await;
    assert_eq!(again.1.as_deref(), Some("true"));
    let id: Value = serde_json::from_slice(&first.2).unwrap();
    let id: uuid::Uuid = id["identifier"].as_str().unwrap().parse().unwrap();
    let mut filter = AuditFilter::default();
    filter.user = Some(id);
    let actions: Vec<String> = server
        .store
        .audit_events(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["create", "replay"]);

    let erase = fitmate_store::AuditEvent::new(
        "operator",
        "op",
        fitmate_store::AuditAction::Delete,
        [""; 0],
    );
    server
        .store
        .delete_user(&"sandbox".parse().unwrap(), id, &erase)
        .await
        .unwrap();
    let after = send_keyed(
        &server.base,
        &server.key,
        post,
        "/users/create",
        "erase-me",
        &user(1),
    )
    .await;
    assert_eq!(
        after.1, None,
        "the saved answer is gone: the create runs afresh"
    );
    assert_ne!(after.2, first.2);
}
