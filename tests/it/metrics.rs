//! Prometheus metrics on their own listener: after known traffic the counters equal what
//! was sent, by route template and status; limits, the outbox and the webhooks move their
//! metrics as they act; and a scrape holds no personal value, no id and no key.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fitmate_store::{NewProject, Store};
use fitmate_transport::server::{Delivery, MailConfig, RateLimit, ServerConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::harness::{TestServer, user};
use crate::webhook::{Mode, SECRET, receiver};

const PATCH_ROUTE: &str = "/{projectId}/users/{userId}";

/// One line of a scrape: its metric's name, its labels and its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a scrape in the Prometheus text format (comments left out).
fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels.strip_suffix('}').unwrap()),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once("=\"").unwrap();
                    (key.to_owned(), value.trim_end_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value.parse().unwrap(),
            }
        })
        .collect()
}

/// The sum of the samples named `name` that carry every label of `labels`.
fn total(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).is_some_and(|got| got == v))
        })
        .map(|s| s.value)
        .sum()
}

fn metrics_on() -> ServerConfig {
    let mut config = ServerConfig::default();
    config.metrics = true;
    config
}

/// Scrapes until `done` holds for the samples (20 s at most), and answers them.
async fn scrape_until(server: &TestServer, done: impl Fn(&[Sample]) -> bool) -> Vec<Sample> {
    let started = Instant::now();
    loop {
        let scraped = samples(&server.scrape().await);
        if done(&scraped) {
            return scraped;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "waited 20 s in vain; last scrape: {scraped:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_counts_equal_what_was_sent_by_route_and_status() {
    let server = TestServer::start_with(metrics_on()).await;
    let requests = "fitmate_http_requests_total";
    // Nothing is counted before the first request.
    assert_eq!(total(&samples(&server.scrape().await), requests, &[]), 0.0);

    let mut sent = 0;
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(server.create(&user(n)).await);
        sent += 1;
    }
    let taken = server
        .post_in("2023-10-04", "/users/create", &user(1))
        .await;
    assert_eq!(taken.status, 409);
    let invalid = server
        .post_in("2023-10-04", "/users/create", &json!({"email": "nope"}))
        .await;
    assert_eq!(invalid.status, 400);
    sent += 2;
    for n in 1..=2 {
        let email = format!("patient{n}@clinic.example");
        let found = server
            .post_in("2023-08-01", "/users/retrieve", &json!({"email": email}))
            .await;
        assert_eq!(found.status, 200, "{:?}", found.body);
        sent += 1;
    }
    let unknown = json!({"email": "nobody@clinic.example"});
    assert_eq!(server.post("/users/retrieve", &unknown).await.status, 404);
    let keyless = server
        .send(
            reqwest::Method::POST,
            "/users/retrieve",
            None,
            None,
            &unknown,
        )
        .await;
    assert_eq!(keyless.status, 401);
    sent += 2;
    for id in &ids[..2] {
        let patched = server
            .patch_own(id, &json!({"update": {"bio": "Runner"}}))
            .await;
        assert_eq!(patched.status, 200, "{:?}", patched.body);
        sent += 1;
    }
    let missing = uuid::Uuid::new_v4().to_string();
    let gone = server
        .patch_own(&missing, &json!({"update": {"bio": "Runner"}}))
        .await;
    assert_eq!(gone.status, 404);
    sent += 1;
    // No route: an odd path, and /metrics, which the API's listener does not serve.
    for path in [format!("/no/such/{}", ids[0]), "/metrics".to_owned()] {
        let answer = server
            .raw(|client, base| client.get(format!("{base}{path}")))
            .await;
        assert_eq!(answer.status, 404, "{path}");
        sent += 1;
    }
    let health = server
        .raw(|client, base| client.get(format!("{base}/healthz")))
        .await;
    assert_eq!(health.status, 200);
    sent += 1;

    let text = server.scrape().await;
    let scraped = samples(&text);
    let count = |route: &str, method: &str, status: &str| {
        total(
            &scraped,
            requests,
            &[("route", route), ("method", method), ("status", status)],
        )
    };
    assert_eq!(count("/users/create", "POST", "200"), 3.0, "{text}");
    assert_eq!(count("/users/create", "POST", "409"), 1.0);
    assert_eq!(count("/users/create", "POST", "400"), 1.0);
    assert_eq!(count("/users/retrieve", "POST", "200"), 2.0);
    assert_eq!(count("/users/retrieve", "POST", "404"), 1.0);
    assert_eq!(count("/users/retrieve", "POST", "401"), 1.0);
    assert_eq!(count(PATCH_ROUTE, "PATCH", "200"), 2.0);
    assert_eq!(count(PATCH_ROUTE, "PATCH", "404"), 1.0);
    assert_eq!(count("unmatched", "GET", "404"), 2.0);
    assert_eq!(count("/healthz", "GET", "200"), 1.0);
    // Every request once, and nothing else (the scrapes are not API requests).
    assert_eq!(total(&scraped, requests, &[]), f64::from(sent));
    // The version each request was answered in.
    let in_version = |route: &str, version: &str| {
        total(
            &scraped,
            requests,
            &[("route", route), ("status", "200"), ("version", version)],
        )
    };
    assert_eq!(in_version("/users/retrieve", "2023-08-01"), 2.0);
    assert_eq!(in_version("/users/create", "2023-10-04"), 3.0);

    // The latency histogram holds each request of the route once, in its buckets.
    let latency = |suffix: &str, labels: &[(&str, &str)]| {
        total(
            &scraped,
            &format!("fitmate_http_request_duration_seconds_{suffix}"),
            labels,
        )
    };
    let create = [("route", "/users/create"), ("method", "POST")];
    assert_eq!(latency("count", &create), 5.0);
    let mut all = create.to_vec();
    all.push(("le", "+Inf"));
    assert_eq!(latency("bucket", &all), 5.0);
    let mut slow = create.to_vec();
    slow.push(("le", "5"));
    assert_eq!(latency("bucket", &slow), 5.0, "{text}");
    assert!(latency("sum", &create) > 0.0);

    // The error answers, by reason.
    let rejected = |reason: &str| {
        total(
            &scraped,
            "fitmate_http_rejected_requests_total",
            &[("reason", reason)],
        )
    };
    assert_eq!(rejected("taken"), 1.0);
    assert_eq!(rejected("invalid"), 1.0);
    assert_eq!(rejected("user_not_found"), 2.0);
    assert_eq!(rejected("unauthenticated"), 1.0);
    assert_eq!(rejected("route_not_found"), 2.0);
    assert_eq!(
        total(&scraped, "fitmate_http_rejected_requests_total", &[]),
        7.0
    );

    // The database pools: a size limit, and the connections the requests used still open.
    assert!(total(&scraped, "fitmate_db_pool_max_connections", &[]) >= 1.0);
    assert!(total(&scraped, "fitmate_db_pool_connections", &[]) >= 1.0);
    assert_eq!(
        total(
            &scraped,
            "fitmate_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    for id in ids.iter().chain([&missing]) {
        assert!(!text.contains(id.as_str()), "the scrape names {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_a_rate_limit_are_counted_by_limit() {
    let mut config = metrics_on();
    let tight = RateLimit {
        per_second: std::num::NonZeroU32::new(1).unwrap(),
        burst: std::num::NonZeroU32::new(2).unwrap(),
    };
    config.rate_limit = Some(tight);
    config.unauthenticated_rate_limit = Some(tight);
    let server = TestServer::start_with(config).await;
    let body = json!({"email": "nobody@clinic.example"});

    let (mut by_key, mut by_address) = (0.0, 0.0);
    for _ in 0..5 {
        let answer = server.post("/users/retrieve", &body).await;
        match answer.status {
            429 => by_key += 1.0,
            404 => {}
            other => panic!("{other}: {:?}", answer.body),
        }
        let guessed = server
            .send(
                reqwest::Method::POST,
                "/users/retrieve",
                Some("fm_guessed_key_0123456789abcdef"),
                None,
                &body,
            )
            .await;
        match guessed.status {
            429 => by_address += 1.0,
            401 => {}
            other => panic!("{other}: {:?}", guessed.body),
        }
    }
    assert!(by_key >= 1.0 && by_address >= 1.0, "{by_key} {by_address}");

    let scraped = samples(&server.scrape().await);
    let limited = |limit: &str| {
        total(
            &scraped,
            "fitmate_rate_limited_requests_total",
            &[("limit", limit)],
        )
    };
    assert_eq!(limited("api_key"), by_key);
    assert_eq!(limited("client_address"), by_address);
    let answered_429 = total(
        &scraped,
        "fitmate_http_requests_total",
        &[("status", "429")],
    );
    assert_eq!(answered_429, by_key + by_address);
    assert_eq!(
        total(
            &scraped,
            "fitmate_http_rejected_requests_total",
            &[("reason", "rate_limited")]
        ),
        by_key + by_address
    );
}

/// An SMTP server on loopback that refuses every recipient whose address starts with
/// `bounce` for good (550 5.1.1), and the others for now (451) until `accept` is set, then
/// takes their messages.
async fn picky_smtp(accept: Arc<AtomicBool>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let accept = accept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 picky ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 picky\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        if upper.contains("<BOUNCE") {
                            b"550 5.1.1 no such mailbox here\r\n"
                        } else if accept.load(Ordering::SeqCst) {
                            b"250 ok\r\n"
                        } else {
                            b"451 4.3.0 try again later\r\n"
                        }
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 end with .\r\n").await;
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                        }
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_metrics_move_as_emails_wait_bounce_and_go_out() {
    let accept = Arc::new(AtomicBool::new(false));
    let url = picky_smtp(accept.clone()).await;
    let mut mail = MailConfig::drop_into("unused", "https://app.fitmate.example/welcome");
    mail.delivery = Delivery::Smtp(url);
    mail.poll_every = Duration::from_millis(100);
    let mut config = metrics_on();
    config.mail = Some(mail);
    let server = TestServer::start_with(config).await;
    let attempts = |scraped: &[Sample], outcome: &str| {
        total(
            scraped,
            "fitmate_email_attempts_total",
            &[("outcome", outcome)],
        )
    };
    let pending = |scraped: &[Sample]| total(scraped, "fitmate_outbox_pending_emails", &[]);
    let oldest =
        |scraped: &[Sample]| total(scraped, "fitmate_outbox_oldest_pending_age_seconds", &[]);
    let before = samples(&server.scrape().await);
    assert_eq!(pending(&before), 0.0);
    assert_eq!(oldest(&before), 0.0);
    assert_eq!(attempts(&before, "delivered"), 0.0);

    server.create(&user(1)).await;
    let mut bouncing = user(2);
    bouncing["email"] = json!("bounce@clinic.example");
    server.create(&bouncing).await;

    // The bounce at once; the other deferred, waiting, and older with time.
    let waiting = scrape_until(&server, |s| {
        attempts(s, "bounced") == 1.0 && attempts(s, "deferred") >= 1.0
    })
    .await;
    assert_eq!(pending(&waiting), 1.0);
    assert_eq!(attempts(&waiting, "delivered"), 0.0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = samples(&server.scrape().await);
    assert!(oldest(&later) >= 0.3, "{later:?}");
    assert_eq!(pending(&later), 1.0);

    // The mail server takes it at the next attempt (5 s after the first).
    accept.store(true, Ordering::SeqCst);
    // An attempt is counted once the outbox has recorded it.
    let sent = scrape_until(&server, |s| attempts(s, "delivered") == 1.0).await;
    assert_eq!(pending(&sent), 0.0);
    assert_eq!(oldest(&sent), 0.0);
    assert_eq!(attempts(&sent, "bounced"), 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_metrics_move_as_webhooks_answer_or_fail() {
    let mut config = metrics_on();
    // Project settings are read on every request, so a changed webhook applies at once.
    config.key_cache_ttl = Duration::ZERO;
    let server = TestServer::start_with(config).await;
    let mut project = NewProject::new("clinic".parse().unwrap());
    project.webhook_secret = Some(SECRET.to_owned());
    project.webhook_timeout_ms = 500;
    project.welcome_email = false;
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

    let calls = |scraped: &[Sample], outcome: &str| {
        total(
            scraped,
            "fitmate_webhook_calls_total",
            &[("outcome", outcome)],
        )
    };
    let approve = receiver(Mode::Approve).await;
    let reject = receiver(Mode::Reject).await;
    let hang = receiver(Mode::Hang).await;
    let unsigned = receiver(Mode::Unsigned).await;
    let steps: [(String, u16, &str); 5] = [
        (approve.uri(), 200, "approved"),
        (reject.uri(), 400, "rejected"),
        (hang.uri(), 503, "timeout"),
        (unsigned.uri(), 503, "bad_answer"),
        // A port nothing listens on.
        ("http://127.0.0.1:1/".to_owned(), 503, "unreachable"),
    ];
    let mut expected: BTreeMap<&str, f64> = BTreeMap::new();
    for (n, (url, status, outcome)) in steps.iter().enumerate() {
        project.validation_webhook = Some(url.clone());
        server.store.set_project_settings(&project).await.unwrap();
        let answer = server
            .patch(&key, "clinic", &id, &json!({"update": {"bio": "Runner"}}))
            .await;
        assert_eq!(answer.status, *status, "{outcome}: {:?}", answer.body);
        *expected.entry(*outcome).or_default() += 1.0;

        let scraped = samples(&server.scrape().await);
        for (outcome, count) in &expected {
            assert_eq!(calls(&scraped, outcome), *count, "{outcome} after step {n}");
        }
        assert_eq!(
            total(&scraped, "fitmate_webhook_calls_total", &[]),
            (n + 1) as f64
        );
        assert_eq!(
            total(&scraped, "fitmate_webhook_call_duration_seconds_count", &[]),
            (n + 1) as f64
        );
    }
    let scraped = samples(&server.scrape().await);
    // The hanging webhook's call lasted its project's timeout, 500 ms.
    assert!(
        total(&scraped, "fitmate_webhook_call_duration_seconds_sum", &[]) >= 0.5,
        "{scraped:?}"
    );
    assert_eq!(
        total(
            &scraped,
            "fitmate_http_rejected_requests_total",
            &[("reason", "webhook_unavailable")]
        ),
        3.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_holds_no_personal_value_no_id_and_no_key() {
    let folder = tempfile::tempdir().unwrap();
    let mut mail = MailConfig::drop_into(folder.path(), "https://app.fitmate.example/welcome");
    mail.poll_every = Duration::from_millis(100);
    let mut config = metrics_on();
    config.mail = Some(mail);
    let server = TestServer::start_with(config).await;
    let mut ids = Vec::new();
    for n in 1..=2 {
        ids.push(server.create(&user(n)).await);
    }
    let retrieved = server
        .post(
            "/users/retrieve",
            &json!({"email": "patient1@clinic.example"}),
        )
        .await;
    assert_eq!(retrieved.status, 200);
    let patch =
        json!({"update": {"bio": "Marathon runner", "secureMetadata": {"ssn": "123-45-6789"}}});
    assert_eq!(server.patch_own(&ids[0], &patch).await.status, 200);
    let guessed_key = "fm_guessed_key_0123456789abcdef";
    let refused = server
        .send(
            reqwest::Method::POST,
            "/users/retrieve",
            Some(guessed_key),
            None,
            &json!({"email": "patient2@clinic.example"}),
        )
        .await;
    assert_eq!(refused.status, 401);
    // Paths carrying an email and ids: a route's template, or `unmatched`.
    for path in [
        format!("/sandbox/users/{}", ids[1]),
        "/patient2@clinic.example".to_owned(),
    ] {
        let answer = server
            .raw(|client, base| client.get(format!("{base}{path}")))
            .await;
        assert!(
            [404, 405].contains(&answer.status),
            "{path}: {}",
            answer.status
        );
    }
    scrape_until(&server, |s| {
        total(
            s,
            "fitmate_email_attempts_total",
            &[("outcome", "delivered")],
        ) == 2.0
    })
    .await;

    let text = server.scrape().await;
    // The scrape is the real thing: the requests above are in it.
    assert!(text.contains(&format!("route=\"{PATCH_ROUTE}\"")), "{text}");
    assert!(text.contains("route=\"unmatched\""), "{text}");
    let mut secrets: Vec<String> = vec![
        server.key.clone(),
        server.key[..12].to_owned(),
        guessed_key.to_owned(),
        "sandbox".to_owned(),
        "Marathon runner".to_owned(),
        "123-45-6789".to_owned(),
        "clinic.example".to_owned(),
    ];
    secrets.extend(ids.iter().cloned());
    for n in 1..=2 {
        let body: Value = user(n);
        for field in [
            "email",
            "firstname",
            "lastname",
            "phonenumber",
            "dateOfBirth",
            "height",
        ] {
            secrets.push(body[field].as_str().unwrap().to_owned());
        }
    }
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "the scrape holds {secret:?}"
        );
    }
}
