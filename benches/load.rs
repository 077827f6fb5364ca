//! Load on loopback: the fitmate server beside a bare hyper endpoint, same run.
//!
//! Run: `cargo bench --bench load`. Optional: LOAD_SECS (10 per scenario),
//! LOAD_CONNECTIONS (64), LOAD_ONLY=bare,rejects (picks scenarios),
//! LOAD_DATABASE=postgres://… (PostgreSQL in a fresh schema, dropped at the end, instead of
//! a fresh SQLite file) and LOAD_REPLICAS=2 (that many servers on the database, each with
//! its own pool). Prints one line per scenario: requests/s, p50, p99, and how many answers
//! had another status than expected (must be 0).
//!
//! The server and the load generator each get a tokio runtime of their own in this process,
//! so on a 2-core machine they share the cores, as they would with an outside generator.

#![allow(clippy::unwrap_used, missing_docs)] // a bench binary: a failed unwrap is a failed run

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fitmate_model::ApiVersion;
use fitmate_store::{AnyStore, NewProject, PgSettings, Store};
use fitmate_transport::server::{App, ServerConfig, serve};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use tokio::net::{TcpListener, TcpStream};

#[path = "support/bare.rs"]
mod bare;
mod support;
use bare::bare_endpoint;
use support::{env_or, percentile_ms};

/// What one scenario sends: the nth request's method, path and body.
type Make = Arc<dyn Fn(u64) -> (hyper::Method, String, Vec<u8>) + Send + Sync>;

struct Outcome {
    name: &'static str,
    requests: u64,
    unexpected: u64,
    seconds: f64,
    latencies_us: Vec<u32>,
}

impl Outcome {
    fn percentile(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    fn print(&self) {
        println!(
            "{:<10} {:>9.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   {} requests, {} unexpected",
            self.name,
            self.rate(),
            self.percentile(0.50),
            self.percentile(0.99),
            self.requests,
            self.unexpected
        );
    }
}

/// `connections` keep-alive connections, each sending requests back to back for `secs`.
async fn drive(
    name: &'static str,
    addrs: &[std::net::SocketAddr],
    key: &str,
    connections: u64,
    secs: u64,
    expect: u16,
    make: Make,
) -> Outcome {
    let counter = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for connection in 0..connections {
        let addr = addrs[connection as usize % addrs.len()];
        let (counter, make, auth) = (counter.clone(), make.clone(), format!("Bearer {key}"));
        tasks.push(tokio::spawn(async move {
            let tcp = TcpStream::connect(addr).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let (mut latencies, mut unexpected) = (Vec::new(), 0u64);
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let (method, path, body) = make(n);
                let request = Request::builder()
                    .method(method)
                    .uri(path)
                    .header("host", "127.0.0.1")
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .unwrap();
                let sent = Instant::now();
                let response = sender.send_request(request).await.unwrap();
                let status = response.status().as_u16();
                let _ = response.into_body().collect().await.unwrap();
                latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                if status != expect {
                    unexpected += 1;
                }
            }
            (latencies, unexpected)
        }));
    }
    let mut outcome = Outcome {
        name,
        requests: 0,
        unexpected: 0,
        seconds: 0.0,
        latencies_us: Vec::new(),
    };
    for task in tasks {
        let (latencies, unexpected) = task.await.unwrap();
        outcome.requests += latencies.len() as u64;
        outcome.unexpected += unexpected;
        outcome.latencies_us.extend(latencies);
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.latencies_us.sort_unstable();
    outcome
}

fn create_body(n: u64, tag: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "email": format!("load{tag}{n}@clinic.example"),
        "firstname": "Ada", "lastname": "Lovelace",
        "phonenumber": format!("+1{}{:09}", if tag == "w" { 7 } else { 8 }, n),
        "dateOfBirth": "1985-03-14", "sex": "female", "height": "5ft 6in",
        "currentWeight": 150, "pregnant": false, "diabetes": 3, "glp1drugs": true,
        "paymentPlan": 6, "planStartDate": "2026-12-01", "medicalClearance": "full",
        "metadata": {"source": "load"},
    }))
    .unwrap()
}

fn main() {
    let secs = env_or("LOAD_SECS", 10);
    // LOAD_ONLY=rejects,creates runs only those scenarios.
    let only = std::env::var("LOAD_ONLY").ok();
    let wanted = move |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|n| n == name))
    };
    let connections = env_or("LOAD_CONNECTIONS", 64);
    let dir = tempfile::tempdir().unwrap();
    // LOAD_DATABASE=postgres://… runs on PostgreSQL (a fresh schema), with LOAD_REPLICAS
    // servers (default 1) on it, each with its own pool; SQLite otherwise.
    let database = std::env::var("LOAD_DATABASE").ok();
    let replicas = env_or("LOAD_REPLICAS", 1).max(1);

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // One key for every replica, as a deployment would have.
    let secrets = std::sync::Arc::new(
        fitmate_store::SecretKeys::from_base64(
            &fitmate_store::SecretKeys::generate().unwrap(),
            &[],
        )
        .unwrap(),
    );
    let (store, schema, fitmate_addrs, bare_addr) = server_rt.block_on(async {
        let open = |schema: Option<String>| {
            let secrets = secrets.clone();
            let url = match &database {
                Some(url) => url.clone(),
                None => format!("sqlite://{}", dir.path().join("load.db").display()),
            };
            async move {
                // The pool a replica gets by default (`--db-max-connections`).
                let mut settings = PgSettings::default();
                settings.schema = schema;
                AnyStore::open(&url, &settings, true, secrets.clone())
                    .await
                    .unwrap()
            }
        };
        let schema = match &database {
            Some(url) => {
                use sqlx::Connection;
                let schema = format!("load_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
                // The name is ours (a UUID), not input.
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                Some(schema)
            }
            None => None,
        };
        let store = open(schema.clone()).await;
        store
            .create_project(&NewProject::new("sandbox".parse().unwrap()))
            .await
            .unwrap();
        let mut addrs = Vec::new();
        for replica in 0..replicas {
            let store = if replica == 0 {
                store.clone()
            } else {
                open(schema.clone()).await
            };
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addrs.push(listener.local_addr().unwrap());
            // Throughput with one key: no per-key rate limit.
            let mut config = ServerConfig::default();
            config.rate_limit = None;
            let app = App::new(store, config);
            tokio::spawn(serve(listener, app, std::future::pending()));
        }
        let bare = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bare_addr = bare.local_addr().unwrap();
        tokio::spawn(bare_endpoint(bare));
        (store, schema, addrs, bare_addr)
    });
    let key = server_rt.block_on(async {
        let (key, _) = store
            .create_key(&"sandbox".parse().unwrap(), ApiVersion::CURRENT)
            .await
            .unwrap();
        key.expose().to_owned()
    });

    let load_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{connections} connections, {secs} s per scenario, {} cores, {} with {replicas} server(s)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if database.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
    );
    load_rt.block_on(async {
        // Users for the update and PATCH scenarios.
        let warm = drive(
            "warm-up",
            &fitmate_addrs,
            &key,
            connections,
            2,
            200,
            Arc::new(|n| {
                (
                    hyper::Method::POST,
                    "/users/create".into(),
                    create_body(n, "w"),
                )
            }),
        )
        .await;
        let created = warm.requests;
        let ids: Vec<String> = {
            let project = "sandbox".parse().unwrap();
            let mut ids = Vec::new();
            for n in 0..created.min(2_000) {
                let email = fitmate_model::rules::Email::parse(&format!("loadw{n}@clinic.example"))
                    .unwrap();
                if let Some(user) = store.user_by_email(&project, &email).await.unwrap() {
                    ids.push(user.id.to_string());
                }
            }
            ids
        };
        let ids = Arc::new(ids);
        let users = ids.len() as u64;
        assert!(users > 0, "the warm-up created no user");

        let mut outcomes = Vec::new();
        let bare_body = create_body(0, "b");
        if wanted("bare") {
            outcomes.push(
                drive(
                    "bare",
                    &[bare_addr],
                    &key,
                    connections,
                    secs,
                    200,
                    Arc::new(move |_| {
                        (
                            hyper::Method::POST,
                            "/users/create".into(),
                            bare_body.clone(),
                        )
                    }),
                )
                .await,
            );
        }
        let mut bad: serde_json::Value = serde_json::from_slice(&create_body(0, "x")).unwrap();
        bad["height"] = "5ft 13in".into();
        bad["phonenumber"] = "12".into();
        let bad = serde_json::to_vec(&bad).unwrap();
        if wanted("rejects") {
            outcomes.push(
                drive(
                    "rejects",
                    &fitmate_addrs,
                    &key,
                    connections,
                    secs,
                    400,
                    Arc::new(move |_| (hyper::Method::POST, "/users/create".into(), bad.clone())),
                )
                .await,
            );
        }
        if wanted("creates") {
            outcomes.push(
                drive(
                    "creates",
                    &fitmate_addrs,
                    &key,
                    connections,
                    secs,
                    200,
                    Arc::new(|n| {
                        (
                            hyper::Method::POST,
                            "/users/create".into(),
                            create_body(n, "c"),
                        )
                    }),
                )
                .await,
            );
        }
        if wanted("updates") {
            outcomes.push(
                drive(
                    "updates",
                    &fitmate_addrs,
                    &key,
                    connections,
                    secs,
                    200,
                    Arc::new(move |n| {
                        let body = serde_json::json!({
                            "email": format!("loadw{}@clinic.example", n % users),
                            "diabetes": n % 4, "metadata": {"round": n},
                        });
                        (
                            hyper::Method::POST,
                            "/users/update".into(),
                            serde_json::to_vec(&body).unwrap(),
                        )
                    }),
                )
                .await,
            );
        }
        let patch_ids = ids.clone();
        if wanted("patches") {
            outcomes.push(
                drive(
                    "patches",
                    &fitmate_addrs,
                    &key,
                    connections,
                    secs,
                    200,
                    Arc::new(move |n| {
                        let id = &patch_ids[(n % users) as usize];
                        let body = serde_json::json!({"update": {"bio": format!("round {n}")}});
                        (
                            hyper::Method::PATCH,
                            format!("/sandbox/users/{id}"),
                            serde_json::to_vec(&body).unwrap(),
                        )
                    }),
                )
                .await,
            );
        }
        for outcome in &outcomes {
            outcome.print();
        }
        let rate = |name: &str| outcomes.iter().find(|o| o.name == name).map(Outcome::rate);
        if let (Some(bare), Some(rejects)) = (rate("bare"), rate("rejects")) {
            println!(
                "rejects at {:.0}% of the bare endpoint's rate",
                100.0 * rejects / bare
            );
        }
    }); // The PostgreSQL schema goes with the run; the SQLite file goes with its directory.
    if let (Some(url), Some(schema)) = (&database, schema) {
        server_rt.block_on(async {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut admin)
                .await
                .unwrap();
        });
    }
}
