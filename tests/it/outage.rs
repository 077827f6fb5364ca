//! PostgreSQL failing under a running server: readiness and requests answer 503 (retry it),
//! never 500, and the server recovers by itself once the database is back.
//!
//! The server reaches PostgreSQL through a TCP relay of the test's own, which the test cuts
//! (every connection closed, new ones refused) and restores. Needs
//! `FITMATE_TEST_DATABASE=postgres://…`; `.ci/run` runs it with `--include-ignored`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fitmate_model::ApiVersion;
use fitmate_store::{AnyStore, NewProject, PgSettings, Store};
use fitmate_transport::server::{App, ServerConfig, serve};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::harness::{fresh_schema, postgres_test_url, user};

/// A TCP relay to PostgreSQL that can be cut (every connection closed, the port closed so
/// new connections are refused, as with a database that is down) and restored.
struct Relay {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Relay {
    async fn to(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            addr: listener.local_addr().unwrap(),
            upstream,
            tasks: Arc::new(Mutex::new(Vec::new())),
        };
        relay.accept(listener);
        relay
    }

    fn accept(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream, self.tasks.clone());
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(link.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accepting.abort_handle());
    }

    async fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        // Aborted tasks are dropped a moment later: wait until the port refuses.
        let started = Instant::now();
        while TcpStream::connect(self.addr).await.is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the relay still listens"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn restore(&self) {
        let started = Instant::now();
        loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => return self.accept(listener),
                // The aborted listener may take a moment to be dropped.
                Err(_) if started.elapsed() < Duration::from_secs(5) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        }
    }
}

/// The parts of a `postgres://[credentials@]host[:port]/path` URL.
fn split(url: &str) -> (&str, &str, String, &str) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (credentials, rest) = rest.split_once('@').map_or(("", rest), |(c, r)| (c, r));
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_port = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    (scheme, credentials, host_port, path)
}

/// The address of the PostgreSQL server `url` names.
async fn upstream_of(url: &str) -> SocketAddr {
    let (_, _, host_port, _) = split(url);
    tokio::net::lookup_host(&host_port)
        .await
        .unwrap()
        .next()
        .unwrap()
}

/// `url` with its host and port replaced by `addr`.
fn via(url: &str, addr: SocketAddr) -> String {
    match split(url) {
        (scheme, "", _, path) => format!("{scheme}://{addr}/{path}"),
        (scheme, credentials, _, path) => format!("{scheme}://{credentials}@{addr}/{path}"),
    }
}

/// A server on `url`'s `schema`, with `settings`, and a key of project `sandbox`.
async fn server(url: &str, schema: &str, mut settings: PgSettings) -> (String, String) {
    settings.schema = Some(schema.to_owned());
    let store = AnyStore::open(url, &settings, true, crate::harness::test_secrets())
        .await
        .unwrap();
    store
        .create_project(&NewProject::new("sandbox".parse().unwrap()))
        .await
        .unwrap();
    let (key, _) = store
        .create_key(&"sandbox".parse().unwrap(), ApiVersion::V2023_10_04)
        .await
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(
        listener,
        App::new(store, ServerConfig::default()),
        std::future::pending(),
    ));
    (base, key.expose().to_owned())
}

async fn call(base: &str, path: &str, key: &str, body: Option<&Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let request = match body {
        Some(body) => client
            .post(format!("{base}{path}"))
            .bearer_auth(key)
            .json(body),
        None => client.get(format!("{base}{path}")),
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Retrieves `user(n)`'s email: the status and the body.
async fn retrieve(base: &str, key: &str, n: u32) -> (u16, Value) {
    let body = json!({"email": user(n)["email"]});
    call(base, "/users/retrieve", key, Some(&body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: FITMATE_TEST_DATABASE=postgres://… cargo test -- --ignored"]
async fn a_database_outage_is_503_and_the_server_recovers_by_itself() {
    let url = postgres_test_url();
    let schema = fresh_schema(&url).await;
    let relay = Relay::to(upstream_of(&url).await).await;
    let relayed = via(&url, relay.addr);
    let mut settings = PgSettings::default();
    settings.acquire_timeout = Duration::from_secs(1);
    let (base, key) = server(&relayed, &schema, settings).await;

    assert_eq!(call(&base, "/readyz", "", None).await.0, 200);
    let (status, created) = call(&base, "/users/create", &key, Some(&user(1))).await;
    assert_eq!(status, 200, "{created}");

    relay.cut().await;
    let (status, body) = call(&base, "/readyz", "", None).await;
    assert_eq!((status, body), (503, json!({"status": "unavailable"})));
    assert_eq!(call(&base, "/healthz", "", None).await.0, 200);
    let (status, body) = call(&base, "/users/create", &key, Some(&user(2))).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["requestId"].is_string(), "{body}");
    let (status, body) = retrieve(&base, &key, 1).await;
    assert_eq!(status, 503, "{body}");

    relay.restore().await;
    let started = Instant::now();
    while call(&base, "/readyz", "", None).await.0 != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still not ready 10 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = call(&base, "/users/create", &key, Some(&user(2))).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = retrieve(&base, &key, 1).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: FITMATE_TEST_DATABASE=postgres://… cargo test -- --ignored"]
async fn a_statement_past_its_timeout_is_503_and_writes_nothing() {
    use sqlx::Connection;
    let url = postgres_test_url();
    let schema = fresh_schema(&url).await;
    let mut settings = PgSettings::default();
    settings.statement_timeout = Duration::from_millis(300);
    let (base, key) = server(&url, &schema, settings).await;

    // Another session holds the users table, so the create's statement waits past its
    // timeout and PostgreSQL cancels it.
    let mut blocker = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut held = blocker.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "LOCK TABLE {schema}.users IN ACCESS EXCLUSIVE MODE"
    )))
    .execute(&mut *held)
    .await
    .unwrap();
    let (status, body) = call(&base, "/users/create", &key, Some(&user(1))).await;
    held.rollback().await.unwrap();
    assert_eq!(status, 503, "{body}");

    // Nothing was half-written: the same create now succeeds.
    let (status, body) = call(&base, "/users/create", &key, Some(&user(1))).await;
    assert_eq!(status, 200, "{body}");
}
