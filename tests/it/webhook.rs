//! The validateUserUpdated webhook against a real receiver on loopback that checks the
//! signature: accepted, rejected, unsigned, hanging, down. Each time the stored user is
//! checked to be changed only when the webhook approved.

use std::time::{Duration, Instant};

use fitmate_model::ApiVersion;
use fitmate_store::NewProject;
use fitmate_transport::server::{webhook_signature, webhook_standard_signature};
use serde_json::{Value, json};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{TestServer, user};

pub(crate) const SECRET: &str = "whsec_test_3f9a";

/// How the receiver answers.
#[derive(Clone, Copy)]
pub(crate) enum Mode {
    Approve,
    Reject,
    Unsigned,
    WrongSecret,
    Hang,
    /// Approves, signed, after a second.
    SlowApprove,
    /// Checks the Standard Webhooks headers too, and signs its approval the Standard
    /// Webhooks way (`webhook-response-signature`), bound to the call's id.
    StandardApprove,
    /// Signs its approval the Standard Webhooks way with another call's id: a replayed
    /// answer.
    OtherCallsId,
}

/// A receiver that refuses (401) any call whose signature or shape is wrong, and otherwise
/// answers as its mode says, signing with the call's timestamp.
struct Receiver {
    mode: Mode,
    project: String,
}

impl Respond for Receiver {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let timestamp = header("x-timestamp");
        if header("x-signature") != webhook_signature(SECRET, &timestamp, &request.body) {
            return ResponseTemplate::new(401);
        }
        let (id, seconds) = (header("webhook-id"), header("webhook-timestamp"));
        let standard = webhook_standard_signature(SECRET, &id, &seconds, &request.body);
        let standard_ok = id.starts_with("msg_")
            && seconds
                .parse::<i64>()
                .is_ok_and(|s| (s * 1000).abs_diff(timestamp.parse::<i64>().unwrap_or(0)) < 1000)
            && header("webhook-signature")
                .split(' ')
                .any(|given| given == standard);
        let call: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let well_formed = call["event"] == "validateUserUpdated"
            && call["projectId"] == self.project.as_str()
            && call["userId"].is_string()
            && call["data"].is_object()
            && call["data"].get("secureMetadata").is_none();
        if !well_formed {
            return ResponseTemplate::new(422);
        }
        let (answer, secret) = match self.mode {
            Mode::Approve => (json!({"valid": true}), SECRET),
            Mode::Reject => (
                json!({"valid": false, "message": "Bio may not mention competitors"}),
                SECRET,
            ),
            Mode::Unsigned => {
                return ResponseTemplate::new(200).set_body_json(json!({"valid": true}));
            }
            Mode::WrongSecret => (json!({"valid": true}), "not-the-secret"),
            Mode::Hang => {
                return ResponseTemplate::new(200)
                    .set_body_json(json!({"valid": true}))
                    .set_delay(Duration::from_secs(20));
            }
            Mode::StandardApprove | Mode::OtherCallsId => {
                if !standard_ok {
                    return ResponseTemplate::new(401);
                }
                let body = serde_json::to_vec(&json!({"valid": true})).unwrap();
                let signed_for = match self.mode {
                    Mode::OtherCallsId => "msg_00000000000000000000000000000000".to_owned(),
                    _ => id,
                };
                return ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json")
                    .insert_header(
                        "webhook-response-signature",
                        webhook_standard_signature(SECRET, &signed_for, &seconds, &body).as_str(),
                    )
                    .set_body_bytes(body);
            }
            Mode::SlowApprove => {
                let body = serde_json::to_vec(&json!({"valid": true})).unwrap();
                return ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json")
                    .insert_header(
                        "x-response-signature",
                        webhook_signature(SECRET, &timestamp, &body).as_str(),
                    )
                    .set_body_bytes(body)
                    .set_delay(Duration::from_secs(1));
            }
        };
        let body = serde_json::to_vec(&answer).unwrap();
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .insert_header(
                "x-response-signature",
                webhook_signature(secret, &timestamp, &body).as_str(),
            )
            .set_body_bytes(body)
    }
}

/// A server, a project `clinic` whose webhook is `url`, its key, and a user of it.
async fn setup(url: String) -> (TestServer, String, String) {
    setup_in(url, ApiVersion::CURRENT).await
}

/// [`setup`] with the webhook's calls in `version`.
async fn setup_in(url: String, version: ApiVersion) -> (TestServer, String, String) {
    let server = TestServer::start().await;
    let mut project = NewProject::new("clinic".parse().unwrap());
    project.validation_webhook = Some(url);
    project.webhook_secret = Some(SECRET.to_owned());
    project.webhook_timeout_ms = 500;
    project.webhook_version = version;
    let key = server.project_with(&project).await;
    let created = server
        .send(
            reqwest::Method::POST,
            "/users/create",
            Some(&key),
            None,
            &user(1),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let id = created.body["identifier"].as_str().unwrap().to_owned();
    (server, key, id)
}

/// A receiver for project `clinic`, signing with [`SECRET`], answering as `mode` says.
pub(crate) async fn receiver(mode: Mode) -> MockServer {
    let mock = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Receiver {
            mode,
            project: "clinic".to_owned(),
        })
        .mount(&mock)
        .await;
    mock
}

async fn stored_bio(server: &TestServer, id: &str) -> Option<String> {
    use fitmate_store::Store;
    server
        .store
        .user_by_id(&"clinic".parse().unwrap(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .user
        .bio
        .map(|b| b.as_str().to_owned())
}

fn patch() -> Value {
    json!({"update": {"bio": "Runner", "secureMetadata": {"ssn": "x"}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_approval_lets_the_update_through() {
    let mock = receiver(Mode::Approve).await;
    let (server, key, id) = setup(mock.uri()).await;
    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(stored_bio(&server, &id).await.as_deref(), Some("Runner"));

    let update = server
        .send(
            reqwest::Method::POST,
            "/users/update",
            Some(&key),
            None,
            &json!({"email": "patient1@clinic.example", "glp1drugs": false}),
        )
        .await;
    assert_eq!(update.status, 200, "{:?}", update.body);
    assert_eq!(
        mock.received_requests().await.unwrap().len(),
        2,
        "one call per update"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_is_a_400_with_the_webhooks_message_on_both_surfaces() {
    let mock = receiver(Mode::Reject).await;
    let (server, key, id) = setup(mock.uri()).await;
    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["code"], "user/validation-failed");
    assert_eq!(answer.body["error"], "Bio may not mention competitors");
    assert_eq!(stored_bio(&server, &id).await, None);

    let update = server
        .send(
            reqwest::Method::POST,
            "/users/update",
            Some(&key),
            None,
            &json!({"email": "patient1@clinic.example", "glp1drugs": false}),
        )
        .await;
    assert_eq!(update.status, 400);
    assert_eq!(update.body["message"], "Bio may not mention competitors");
    assert_eq!(update.body["errors"][0]["code"], "validation_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_badly_signed_answers_fail_closed() {
    for mode in [Mode::Unsigned, Mode::WrongSecret] {
        let mock = receiver(mode).await;
        let (server, key, id) = setup(mock.uri()).await;
        let answer = server.patch(&key, "clinic", &id, &patch()).await;
        assert_eq!(answer.status, 503, "{:?}", answer.body);
        assert_eq!(answer.body["code"], "user/validation-unavailable");
        assert_eq!(stored_bio(&server, &id).await, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_is_cut_off_at_the_projects_timeout() {
    let mock = receiver(Mode::Hang).await;
    let (server, key, id) = setup(mock.uri()).await;
    let started = Instant::now();
    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    let took = started.elapsed();
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert!(
        took < Duration::from_millis(1500),
        "answered after {took:?} (timeout 500 ms)"
    );
    assert_eq!(stored_bio(&server, &id).await, None);

    let update = server
        .send(
            reqwest::Method::POST,
            "/users/update",
            Some(&key),
            None,
            &json!({"email": "patient1@clinic.example", "glp1drugs": false}),
        )
        .await;
    assert_eq!(update.status, 503);
    assert!(
        update.body["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_is_down_fails_closed() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (server, key, id) = setup(format!("http://127.0.0.1:{port}/hook")).await;
    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(answer.body["code"], "user/validation-unavailable");
    assert_eq!(stored_bio(&server, &id).await, None);
}

/// The `data` and `apiVersion` of each call the receiver got.
async fn calls(mock: &MockServer) -> Vec<(Value, Value)> {
    mock.received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let call: Value = serde_json::from_slice(&r.body).unwrap();
            (call["apiVersion"].clone(), call["data"].clone())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2023_08_01_projects_webhook_sees_gender_and_weight() {
    let update = json!({"email": "patient1@clinic.example", "gender": "female", "weight": 150, "firstname": "Ada"});
    // (the webhook's version, the data of the 2023-08-01 update, the data of a 2023-10-04
    // update of a field 2023-08-01 did not have: left out there)
    for (version, expected, coaching_data) in [
        (
            ApiVersion::V2023_08_01,
            json!({"gender": "female", "weight": 150, "firstname": "Ada"}),
            json!({"metadata": {"a": 1}}),
        ),
        (
            ApiVersion::V2023_10_04,
            json!({"sex": "female", "currentWeight": 150, "firstname": "Ada"}),
            json!({"glp1drugs": true, "metadata": {"a": 1}}),
        ),
    ] {
        let mock = receiver(Mode::Approve).await;
        let (server, key, _) = setup_in(mock.uri(), version).await;
        let answer = server
            .send(
                reqwest::Method::POST,
                "/users/update",
                Some(&key),
                Some("2023-08-01"),
                &update,
            )
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let coaching = server
            .send(
                reqwest::Method::POST,
                "/users/update",
                Some(&key),
                Some("2023-10-04"),
                &json!({"email": "patient1@clinic.example", "glp1drugs": true, "metadata": {"a": 1}}),
            )
            .await;
        assert_eq!(coaching.status, 200, "{:?}", coaching.body);
        let seen = calls(&mock).await;
        assert_eq!(seen.len(), 2, "{version}");
        assert_eq!(seen[0], (json!(version.as_str()), expected), "{version}");
        assert_eq!(
            seen[1],
            (json!(version.as_str()), coaching_data),
            "{version}"
        );
    }
}

/// A project whose webhook URL breaks the rules (made before them, or written to the
/// database by hand) is never called: 503 at once, nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_at_a_refused_address_is_not_called() {
    for url in [
        "https://169.254.169.254/latest/meta-data",
        "https://0xA9FEA9FE/hook",
        "https://10.0.0.8/hook",
        "http://hooks.clinic.example/plain-http",
    ] {
        let (server, key, id) = setup(url.to_owned()).await;
        let started = Instant::now();
        let answer = server.patch(&key, "clinic", &id, &patch()).await;
        assert_eq!(answer.status, 503, "{url}: {:?}", answer.body);
        assert_eq!(answer.body["code"], "user/validation-unavailable");
        assert!(
            started.elapsed() < Duration::from_millis(400),
            "{url}: no connection is tried"
        );
        assert_eq!(stored_bio(&server, &id).await, None);
    }
}

/// A receiver that changes the user itself, through the store, before approving each of
/// its first `meddles` calls, as a racing update would; it keeps every call's body.
async fn meddling_receiver(
    store: fitmate_store::AnyStore,
    meddles: usize,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use fitmate_store::Store;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = calls.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buffer = [0u8; 8192];
            let (head_end, length) = loop {
                let n = socket.read(&mut buffer).await.unwrap();
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                    break (end + 4, length);
                }
            };
            while request.len() < head_end + length {
                let n = socket.read(&mut buffer).await.unwrap();
                request.extend_from_slice(&buffer[..n]);
            }
            let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
            let timestamp = head
                .lines()
                .find_map(|l| l.strip_prefix("x-timestamp:"))
                .unwrap()
                .trim()
                .to_owned();
            let call: Value = serde_json::from_slice(&request[head_end..]).unwrap();
            let count = {
                let mut calls = seen.lock().unwrap();
                calls.push(call.clone());
                calls.len()
            };
            if count <= meddles {
                let project = "clinic".parse().unwrap();
                let id = call["userId"].as_str().unwrap().parse().unwrap();
                let current = store.user_by_id(&project, id).await.unwrap().unwrap();
                let mut next = current.user.clone();
                next.firstname = format!("Meddler{count}").parse().unwrap();
                store
                    .update_user(
                        &project,
                        &current,
                        &next,
                        &crate::harness::by_test(fitmate_store::AuditAction::Update),
                    )
                    .await
                    .unwrap();
            }
            let body = br#"{"valid": true}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                 X-Response-Signature: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                webhook_signature(SECRET, &timestamp, body),
                body.len()
            );
            socket.write_all(answer.as_bytes()).await.unwrap();
            socket.write_all(body).await.unwrap();
        }
    });
    (url, calls)
}

/// The user changed between the webhook's approval and the write: the webhook is asked
/// again about the newer revision, and what is written is what it approved last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_overtaken_after_approval_is_asked_about_again() {
    let (server, _, id) = setup("http://127.0.0.1:9/unused".to_owned()).await;
    let (url, calls) = meddling_receiver(server.store.clone(), 1).await;
    let key = point_webhook(&server, &url).await;

    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "asked once per revision: {calls:?}");
    let first = calls[0]["revision"].as_i64().unwrap();
    assert_eq!(calls[1]["revision"].as_i64().unwrap(), first + 1);
    assert_eq!(stored_bio(&server, &id).await.as_deref(), Some("Runner"));
    let stored = server.stored_in("clinic", &id).await;
    assert_eq!(stored.user.firstname.as_str(), "Meddler1");
    assert_eq!(stored.revision, first + 2);
}

/// A user that changes after every approval: three asks, then 409 `user/conflict` on the
/// project API (and 409 on /users/update), with nothing of the update written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_overtaken_three_times_is_a_conflict_with_nothing_written() {
    let (server, _, id) = setup("http://127.0.0.1:9/unused".to_owned()).await;
    let (url, calls) = meddling_receiver(server.store.clone(), usize::MAX).await;
    let key = point_webhook(&server, &url).await;

    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    assert_eq!(answer.status, 409, "{:?}", answer.body);
    assert_eq!(answer.body["code"], "user/conflict");
    assert_eq!(calls.lock().unwrap().len(), 3);
    assert_eq!(stored_bio(&server, &id).await, None);

    let update = server
        .send(
            reqwest::Method::POST,
            "/users/update",
            Some(&key),
            None,
            &json!({"email": "patient1@clinic.example", "glp1drugs": false}),
        )
        .await;
    assert_eq!(update.status, 409, "{:?}", update.body);
    assert!(
        update.body["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed"),
        "{:?}",
        update.body
    );
    assert_eq!(
        server.stored_in("clinic", &id).await.user.glp1drugs,
        Some(true)
    );
}

/// Points project `clinic`'s webhook at `url`; answers a new key, which the server has not
/// cached with the project's old settings.
async fn point_webhook(server: &TestServer, url: &str) -> String {
    use fitmate_store::Store;
    let mut settings = server
        .store
        .project(&"clinic".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .settings;
    settings.validation_webhook = Some(url.to_owned());
    server.store.set_project_settings(&settings).await.unwrap();
    server.key_for("clinic", ApiVersion::V2023_10_04).await
}

/// The call carries Standard Webhooks headers beside the older ones, and an answer signed
/// the Standard Webhooks way counts, for its own call only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_webhooks_answers_count_for_their_own_call_only() {
    let mock = receiver(Mode::StandardApprove).await;
    let (server, key, id) = setup(mock.uri()).await;
    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(stored_bio(&server, &id).await.as_deref(), Some("Runner"));

    let mock = receiver(Mode::OtherCallsId).await;
    let (server, key, id) = setup(mock.uri()).await;
    let answer = server.patch(&key, "clinic", &id, &patch()).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(answer.body["code"], "user/validation-unavailable");
    assert_eq!(stored_bio(&server, &id).await, None, "nothing written");
}
