//! What one caller can cost the server: bounded answers, bounded reads, limits per address.

use serde_json::{Map, Value, json};

use crate::harness::{TestServer, user};

/// A body of 2,000 unknown fields gets 100 faults and one that counts the rest, not 2,000
/// faults each with a did-you-mean search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lists_at_most_a_hundred_faults_and_counts_the_rest() {
    let server = TestServer::start().await;
    let mut body: Map<String, Value> = user(1).as_object().unwrap().clone();
    for i in 0..2000 {
        body.insert(format!("unknownField{i}"), json!(i));
    }
    let answer = server
        .post_in("2023-10-04", "/users/create", &Value::Object(body))
        .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    let errors = answer.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101);
    assert!(errors[..100].iter().all(|e| e["code"] == "unknown_field"));
    assert_eq!(errors[100]["code"], "too_many_faults");
    assert_eq!(
        errors[100]["message"],
        "1900 more faults were found and not listed"
    );
}

/// A server that lets each address do 3 unauthenticated things at once, 1 more a second.
async fn strict_server() -> TestServer {
    let mut config = fitmate_transport::server::ServerConfig::default();
    config.unauthenticated_rate_limit = Some(fitmate_transport::server::RateLimit {
        per_second: std::num::NonZeroU32::new(1).unwrap(),
        burst: std::num::NonZeroU32::new(3).unwrap(),
    });
    // No key cache: every request asks about its key, so a good key is held up by the
    // guesses unless the server remembers it was accepted.
    config.key_cache_ttl = std::time::Duration::ZERO;
    TestServer::start_with(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magic_link_redeems_are_limited_per_address() {
    let server = strict_server().await;
    for _ in 0..3 {
        assert_eq!(redeem(&server).await.status, 410);
    }
    let limited = redeem(&server).await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    let again = reqwest::Client::new()
        .post(format!("{}/auth/magic-link/redeem", server.base))
        .json(&json!({"token": "A".repeat(43)}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 429);
    let wait: u64 = again.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "Retry-After: {wait}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_are_limited_per_address_and_known_keys_still_work() {
    let server = strict_server().await;
    // The sandbox key is used once first, so it is known to the server.
    assert_eq!(
        server
            .post(
                "/users/retrieve",
                &json!({"email": "nobody@clinic.example"})
            )
            .await
            .status,
        404
    );
    for n in 0..3 {
        assert_eq!(guess(&server, n).await.status, 401);
    }
    let limited = guess(&server, 3).await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert!(
        limited.body["message"]
            .as_str()
            .unwrap()
            .contains("retry after"),
        "{:?}",
        limited.body
    );
    assert_eq!(guess(&server, 4).await.status, 429, "still blocked");
    assert_eq!(
        server
            .post(
                "/users/retrieve",
                &json!({"email": "nobody@clinic.example"})
            )
            .await
            .status,
        404,
        "a key the server knows is not held up by the guesses"
    );
}

async fn redeem(server: &TestServer) -> crate::harness::Answer {
    server
        .send(
            reqwest::Method::POST,
            "/auth/magic-link/redeem",
            None,
            None,
            &json!({"token": "A".repeat(43)}),
        )
        .await
}

/// A retrieve with a made-up key, the `n`th guess.
async fn guess(server: &TestServer, n: usize) -> crate::harness::Answer {
    let key = format!("fm_{n:0>43}");
    server
        .send(
            reqwest::Method::POST,
            "/users/retrieve",
            Some(&key),
            None,
            &json!({"email": "nobody@clinic.example"}),
        )
        .await
}

/// At `max_connections`, a new connection waits to be accepted until another closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_wait_until_one_closes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = fitmate_transport::server::ServerConfig::default();
    config.max_connections = 2;
    let server = TestServer::start_with(config).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let idle_one = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _idle_two = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut third = tokio::net::TcpStream::connect(&addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let waited = tokio::time::timeout(
        std::time::Duration::from_millis(700),
        third.read_to_end(&mut answer),
    )
    .await;
    assert!(waited.is_err(), "answered past the cap: {answer:?}");
    drop(idle_one);
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        third.read_to_end(&mut answer),
    )
    .await
    .expect("answered once a connection closed")
    .unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}

/// The project API reads `update` apart from its wrapper: the count of faults it did not
/// list survives the merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_of_two_thousand_unknown_fields_counts_every_fault() {
    let server = TestServer::start().await;
    let id = server.create(&user(1)).await;
    let update: Map<String, Value> = (0..2000)
        .map(|i| (format!("unknownField{i}"), json!(i)))
        .collect();
    let answer = server
        .patch_own(&id, &json!({"update": update, "stray": 1}))
        .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    let errors = answer.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101);
    assert_eq!(errors[100]["code"], "too_many_faults");
    assert_eq!(
        errors[100]["message"],
        "1901 more faults were found and not listed"
    );
}
