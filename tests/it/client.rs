//! The client against the real server over loopback: every typed method of the current
//! version, every method in an older version, and the project API.

use fitmate_model::rules::Email;
use fitmate_model::{ApiVersion, head, projects};
use fitmate_transport::client::{Client, Environment, Error};
use serde_json::json;

use crate::harness::{TestServer, canonical_user, user};

fn client(server: &TestServer, key: &str) -> Client {
    Client::builder(Environment::Custom(server.base.clone()), key)
        .build()
        .unwrap()
}

/// A create in the current version: test user `n` as the current version renders it.
fn current_create(n: u32) -> head::CreateUserRequest {
    let rendered = ApiVersion::CURRENT.render_user(&canonical_user(n));
    head::CreateUserRequest::from_slice(&serde_json::to_vec(&rendered).unwrap()).unwrap()
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_of_2023_10_04_and_the_project_api() {
    let server = TestServer::start().await;
    let client = client(&server, &server.key);
    let api = &client;

    let request = current_create(1);
    let created = api.create_user(&request).await.unwrap();
    assert_eq!(created.email, "patient1@clinic.example");

    let again = api.create_user(&request).await.unwrap_err();
    assert!(matches!(again, Error::EmailExists), "{again:?}");

    let update = head::UpdateUserRequest::from_slice(
        br#"{"email": "patient1@clinic.example", "diabetes": 1, "metadata": {"a": 1}}"#,
    )
    .unwrap();
    let updated = api.update_user(&update).await.unwrap();
    assert_eq!(updated.identifier, created.identifier);
    assert_eq!(
        serde_json::to_value(&updated.data).unwrap()["diabetes"],
        json!(1)
    );

    let found = api
        .retrieve_user(&email("patient1@clinic.example"))
        .await
        .unwrap();
    assert_eq!(found.identifier, created.identifier);
    assert_eq!(
        serde_json::to_value(&found.data).unwrap()["metadata"],
        json!({"a": 1})
    );

    let patch = projects::UpdateUserRequest::from_slice(
        br#"{"update": {"username": "ada.l", "bio": "hi"}}"#,
    )
    .unwrap();
    let profile = client
        .update_user_profile("sandbox", created.identifier, &patch)
        .await
        .unwrap();
    assert_eq!(profile.username.unwrap().as_str(), "ada.l");

    let missing = api
        .retrieve_user(&email("ghost@clinic.example"))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound), "{missing:?}");
    assert_eq!(missing.status(), Some(404));

    let forbidden = client
        .update_user_profile("other-clinic", created.identifier, &patch)
        .await
        .unwrap_err();
    assert!(matches!(forbidden, Error::Forbidden), "{forbidden:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_of_2023_08_01() {
    let server = TestServer::start().await;
    let client = client(&server, &server.key);
    let api = client.in_version(ApiVersion::V2023_08_01);
    let request: serde_json::Value = serde_json::from_slice(&crate::fixture_bytes(
        "seeds/000-update-request-payload.json",
    ))
    .unwrap();
    let created = api.create_user(&request).await.unwrap();
    let again = api.create_user(&request).await.unwrap_err();
    assert!(matches!(again, Error::EmailExists), "{again:?}");
    let updated = api
        .update_user(&json!({"email": "jane@doe.com", "weight": "131.5"}))
        .await
        .unwrap();
    assert_eq!(updated.identifier, created.identifier);
    assert_eq!(updated.data["weight"], json!(131.5));
    let found = api.retrieve_user(&email("JANE@doe.com")).await.unwrap();
    assert_eq!(found.data["weight"], json!(131.5));
    assert_eq!(found.data["gender"], json!("female"));
    assert!(found.data.get("sex").is_none(), "{:?}", found.data);

    // Checked locally by that version's rules: `sex` did not exist in 2023-08-01.
    let local = api
        .update_user(&json!({"email": "jane@doe.com", "sex": "female"}))
        .await
        .unwrap_err();
    assert_eq!(local.faults()[0].field, "sex", "{local:?}");
    assert_eq!(
        client.with_version(ApiVersion::V2023_08_01).version(),
        ApiVersion::V2023_08_01
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_refusals_arrive_as_their_variants() {
    let server = TestServer::start().await;
    let unknown = Client::builder(
        Environment::Custom(server.base.clone()),
        "fm_0000000000000000000000000000000000000000000",
    )
    .build()
    .unwrap();
    let refused = unknown
        .retrieve_user(&email("x@clinic.example"))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Unauthorized), "{refused:?}");

    // With local checks off, the server's report arrives instead, naming the same field.
    let unchecked = Client::builder(Environment::Custom(server.base.clone()), &server.key)
        .validate_locally(false)
        .build()
        .unwrap();
    let mut request = current_create(2);
    request.sex = Some(fitmate_model::rules::Sex::Male);
    request.pregnant = Some(true);
    let error = unchecked.create_user(&request).await.unwrap_err();
    assert_eq!(error.faults()[0].field, "pregnant", "{error:?}");

    let first = server.create(&user(3)).await;
    let second = server.create(&user(4)).await;
    let name = |n: &str| {
        projects::UpdateUserRequest::from_slice(
            format!(r#"{{"update": {{"username": "{n}"}}}}"#).as_bytes(),
        )
        .unwrap()
    };
    let client = client(&server, &server.key);
    client
        .update_user_profile("sandbox", first.parse().unwrap(), &name("taken"))
        .await
        .unwrap();
    let taken = client
        .update_user_profile("sandbox", second.parse().unwrap(), &name("TAKEN"))
        .await
        .unwrap_err();
    assert!(matches!(taken, Error::UsernameTaken), "{taken:?}");
}

/// A proxy in front of `upstream` that passes every connection through, except that the
/// first one's answer is swallowed: the request reaches the server, the client sees the
/// connection close.
async fn proxy_dropping_the_first_answer(upstream: String) -> String {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let first = Arc::new(AtomicBool::new(true));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let drop_answer = first.swap(false, Ordering::SeqCst);
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let forward = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                });
                if drop_answer {
                    // The answer has begun: the request was handled. Drop both ends.
                    let mut byte = [0u8; 1];
                    let _ = from_server.read(&mut byte).await;
                    forward.abort();
                    drop(to_client);
                } else {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                    forward.abort();
                }
            });
        }
    });
    url
}

/// The typed client's create, whose first answer is lost on the way back, is retried under
/// the same Idempotency-Key: one user is created, and the client gets its identifier.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_creates_one_user() {
    use fitmate_store::Store;
    let server = TestServer::start().await;
    let upstream = server.base.trim_start_matches("http://").to_owned();
    let proxy = proxy_dropping_the_first_answer(upstream).await;
    let client = Client::builder(Environment::Custom(proxy), &server.key)
        .build()
        .unwrap();
    let created = client.create_user(&current_create(1)).await.unwrap();
    let stored = server
        .store
        .user_by_email(
            &"sandbox".parse().unwrap(),
            &email("patient1@clinic.example"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(created.identifier, stored.id);
    let creates = server
        .store
        .audit_events(&fitmate_store::AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "create")
        .count();
    assert_eq!(
        creates, 1,
        "one user created, though the create was sent twice"
    );
}
