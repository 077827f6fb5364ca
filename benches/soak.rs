//! Soak: the release `fitmate serve` under steady mixed load for a long while, watching its
//! answers and its resident memory.
//!
//! Run: `cargo bench --bench soak`. Optional: SOAK_SECS (600, measured after the warm-up),
//! SOAK_WARMUP_SECS (180), SOAK_RATE (500 requests/s, all kinds together).
//!
//! The warm-up is three minutes because memory settles slowly: SQLite's page caches (up to
//! 2 MiB on each of the server's six connections) fill as the database grows, and a run
//! with a 60 s warm-up measured its baseline before they had (+13% by the end, flat for
//! the last four minutes).
//!
//! The server is the `fitmate` binary of this build, a child process on a fresh SQLite
//! database in a temporary folder, made as an operator would (`projects create`, `keys
//! create`, `serve`), with its per-key rate limit on but above SOAK_RATE and welcome emails
//! written to a mail-drop folder. Requests go out at SOAK_RATE on a fixed schedule (an open
//! loop, at most 256 in flight), in a fixed mix:
//!
//! | share | request | answer expected |
//! |---|---|---|
//! | 4/20 | create (2023-10-04, new email and phone) | 200 |
//! | 4/20 | update (diabetes and metadata) of a known user | 200 |
//! | 4/20 | retrieve a known user | 200 |
//! | 4/20 | PATCH bio, location and secureMetadata of a known user | 200 |
//! | 1/20 | create with a bad height and phone | 400 |
//! | 1/20 | retrieve an unknown email | 404 |
//! | 1/20 | update whose body is not JSON | 400 |
//! | 1/20 | in turn: PATCH of an unknown user (404), a create that repeats a known email (409), a create sent as text/plain (415) | as said |
//!
//! For every minute after the warm-up it prints the answers, answers per second, p99 latency,
//! the server's resident memory (VmRSS of /proc/PID/status) and the largest size of the
//! SQLite write-ahead log in that minute (sampled every second). At the end: each kind's
//! answers by status, memory after warm-up, at the end and the highest minute sample, and
//! the log's largest size over the whole run. It exits 1 when any answer had another status
//! than expected, a request failed at the transport, the rate fell short by more than 5%,
//! the server logged a panic, memory at the end is more than 10% above memory after the
//! warm-up, or the log ever held more than [`WAL_LIMIT`] (twice the size past which the
//! server truncates it).

#![allow(clippy::unwrap_used, missing_docs)] // a bench binary: a failed unwrap is a failed run

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod support;
use support::{env_or, percentile_ms};

const BIN: &str = env!("CARGO_BIN_EXE_fitmate");
/// The largest write-ahead log the run accepts: twice the 64 MiB past which the server
/// truncates it.
const WAL_LIMIT: u64 = 128 * 1024 * 1024;
const MIB: f64 = 1024.0 * 1024.0;
const KIND_NAMES: [&str; 10] = [
    "create",
    "update",
    "retrieve",
    "patch",
    "bad create",
    "unknown retrieve",
    "not JSON",
    "unknown PATCH",
    "duplicate",
    "text/plain",
];

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn admin(database: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("FITMATE_DATABASE_URL", database)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fitmate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn create_body(n: u64) -> Value {
    json!({
        "email": format!("soak{n}@clinic.example"),
        "firstname": "Ada", "lastname": "Lovelace",
        "phonenumber": format!("+1 555 {n:07}"),
        "dateOfBirth": "1985-03-14", "sex": "female", "height": "5ft 6in",
        "currentWeight": 150, "pregnant": false, "diabetes": 3, "glp1drugs": true,
        "paymentPlan": 6, "planStartDate": "2026-12-01", "medicalClearance": "full",
        "metadata": {"source": "soak"},
    })
}

/// The nth request of the mix: its kind, method, path, content type and body, and the status
/// it must get.
fn request(
    n: u64,
    known: &[(String, String)],
) -> (usize, reqwest::Method, String, &'static str, Vec<u8>, u16) {
    use reqwest::Method;
    let json = "application/json";
    let (email, id) = &known[(n / 20) as usize % known.len()];
    let to_vec = |v: Value| serde_json::to_vec(&v).unwrap();
    match n % 20 {
        0..4 => (
            0,
            Method::POST,
            "/users/create".into(),
            json,
            to_vec(create_body(1_000_000 + n)),
            200,
        ),
        4..8 => (
            1,
            Method::POST,
            "/users/update".into(),
            json,
            to_vec(json!({"email": email, "diabetes": n % 4, "metadata": {"round": n}})),
            200,
        ),
        8..12 => (
            2,
            Method::POST,
            "/users/retrieve".into(),
            json,
            to_vec(json!({"email": email})),
            200,
        ),
        12..16 => (
            3,
            Method::PATCH,
            format!("/sandbox/users/{id}"),
            json,
            to_vec(json!({"update": {
                "bio": format!("round {n}"),
                "location": {"longitude": -118.25, "latitude": 34.05},
                "secureMetadata": {"insurer": "Acme", "member": n},
            }})),
            200,
        ),
        16 => {
            let mut body = create_body(2_000_000 + n);
            body["height"] = "5ft 13in".into();
            body["phonenumber"] = "12".into();
            (
                4,
                Method::POST,
                "/users/create".into(),
                json,
                to_vec(body),
                400,
            )
        }
        17 => (
            5,
            Method::POST,
            "/users/retrieve".into(),
            json,
            to_vec(json!({"email": format!("nobody{n}@clinic.example")})),
            404,
        ),
        18 => (
            6,
            Method::POST,
            "/users/update".into(),
            json,
            br#"{"email": "soak0@clinic.example", "diabetes": "#.to_vec(),
            400,
        ),
        _ => match (n / 20) % 3 {
            0 => (
                7,
                Method::PATCH,
                format!("/sandbox/users/{}", uuid::Uuid::new_v4()),
                json,
                to_vec(json!({"update": {"bio": "nobody"}})),
                404,
            ),
            1 => {
                let mut body = create_body(3_000_000 + n);
                body["email"] = email.clone().into();
                (
                    8,
                    Method::POST,
                    "/users/create".into(),
                    json,
                    to_vec(body),
                    409,
                )
            }
            _ => (
                9,
                Method::POST,
                "/users/create".into(),
                "text/plain",
                to_vec(create_body(4_000_000 + n)),
                415,
            ),
        },
    }
}

#[derive(Default)]
struct Tally {
    /// (kind, status) → count; status 0 is a transport failure.
    statuses: BTreeMap<(usize, u16), u64>,
    unexpected: u64,
    latencies_us: Vec<u32>,
    done: u64,
}

fn p99_ms(latencies: &mut [u32]) -> f64 {
    latencies.sort_unstable();
    percentile_ms(latencies, 0.99)
}

fn main() {
    let secs = env_or("SOAK_SECS", 600);
    let warmup = env_or("SOAK_WARMUP_SECS", 180);
    let rate = env_or("SOAK_RATE", 500).max(1);

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("soak.db").display());
    let wal = dir.path().join("soak.db-wal");
    admin(&database, &["migrate"]);
    admin(&database, &["projects", "create", "sandbox"]);
    let key = admin(&database, &["keys", "create", "--project", "sandbox"]);
    let port = free_port();
    let log_path = dir.path().join("serve.log");
    let server = Server(
        Command::new(BIN)
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--rate-limit",
                &(rate * 4).to_string(),
                "--rate-limit-burst",
                &(rate * 4).to_string(),
            ])
            .env("FITMATE_DATABASE_URL", &database)
            .env("FITMATE_MAIL_DIR", dir.path().join("mail"))
            .env("FITMATE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .unwrap(),
    );
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let outcome = rt.block_on(run(base, key, pid, &wal, secs, warmup, rate));
    drop(server);
    let panicked = log_has_panic(&log_path);
    let failed = report(&outcome, secs, rate) | panicked;
    if panicked {
        println!(
            "FAIL: the server logged a panic (see {})",
            log_path.display()
        );
    }
    if failed {
        let kept = dir.keep();
        println!("FAIL; the run's folder is kept: {}", kept.display());
        std::process::exit(1);
    }
    println!("PASS");
}

fn log_has_panic(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|log| log.contains("panicked"))
}

struct Outcome {
    tally: Tally,
    rss_after_warmup: u64,
    rss_end: u64,
    rss_peak: u64,
    wal_peak: u64,
    measured_secs: f64,
    sent: u64,
}

/// Size of a file in bytes, 0 when it does not exist (a truncated log may be removed).
fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

async fn run(
    base: String,
    key: String,
    pid: u32,
    wal: &Path,
    secs: u64,
    warmup: u64,
    rate: u64,
) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let ready = Instant::now();
    while client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map_or(true, |r| !r.status().is_success())
    {
        assert!(
            ready.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The users that updates, retrieves and PATCHes touch.
    let mut known = Vec::new();
    for n in 0..500u64 {
        let answer: Value = client
            .post(format!("{base}/users/create"))
            .bearer_auth(&key)
            .json(&create_body(n))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = answer["identifier"].as_str().unwrap().to_owned();
        known.push((format!("soak{n}@clinic.example"), id));
    }
    let known = Arc::new(known);

    println!(
        "{rate} requests/s for {warmup} s of warm-up, then {secs} s measured; server pid {pid}"
    );
    println!(
        "{:>6} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "minute", "requests", "req/s", "p99 ms", "RSS MiB", "WAL MiB"
    );
    let tally = Arc::new(Mutex::new(Tally::default()));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(256));
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let warm_at = started + Duration::from_secs(warmup);
    let end_at = warm_at + Duration::from_secs(secs);
    let mut ticker = tokio::time::interval(period);
    let (mut n, mut rss_after_warmup, mut rss_peak) = (0u64, None, 0u64);
    // Minute rows count from the end of the warm-up, when the tally starts afresh.
    let mut next_sample = warm_at + Duration::from_secs(60);
    let mut sent_measured = 0u64;
    let mut last_done = 0u64;
    // The log's largest size: over the whole run, and in the minute being counted.
    let (mut wal_peak, mut wal_minute) = (0u64, 0u64);
    let mut next_wal_sample = started;
    while Instant::now() < end_at {
        ticker.tick().await;
        let now = Instant::now();
        if now >= next_wal_sample {
            let len = file_len(wal);
            wal_peak = wal_peak.max(len);
            wal_minute = wal_minute.max(len);
            next_wal_sample += Duration::from_secs(1);
        }
        if rss_after_warmup.is_none() && now >= warm_at {
            let rss = rss_kib(pid);
            rss_after_warmup = Some(rss);
            println!("-- warm-up over: RSS {:.1} MiB", rss as f64 / 1024.0);
            // The measured part starts with a clean tally.
            let mut t = tally.lock().unwrap();
            *t = Tally::default();
            last_done = 0;
        }
        if now >= next_sample {
            let rss = rss_kib(pid);
            rss_peak = rss_peak.max(rss);
            let mut t = tally.lock().unwrap();
            let requests = t.done - last_done;
            last_done = t.done;
            let p99 = p99_ms(&mut t.latencies_us);
            t.latencies_us.clear();
            drop(t);
            println!(
                "{:>6} {:>9} {:>9.0} {:>9.2} {:>10.1} {:>10.1}",
                (now - warm_at).as_secs_f64().round() as u64 / 60,
                requests,
                requests as f64 / 60.0,
                p99,
                rss as f64 / 1024.0,
                wal_minute as f64 / MIB
            );
            wal_minute = 0;
            next_sample += Duration::from_secs(60);
        }
        if rss_after_warmup.is_some() {
            sent_measured += 1;
        }
        let permit = in_flight.clone().acquire_owned().await.unwrap();
        let (kind, method, path, content_type, body, expect) = request(n, &known);
        n += 1;
        let (client, tally, url, key) = (
            client.clone(),
            tally.clone(),
            format!("{base}{path}"),
            key.clone(),
        );
        tokio::spawn(async move {
            let sent = Instant::now();
            let status = match client
                .request(method, url)
                .bearer_auth(key)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
            {
                Ok(answer) => {
                    let status = answer.status().as_u16();
                    let _ = answer.bytes().await;
                    status
                }
                Err(_) => 0,
            };
            let took = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
            let mut t = tally.lock().unwrap();
            *t.statuses.entry((kind, status)).or_default() += 1;
            if status != expect {
                t.unexpected += 1;
            }
            t.latencies_us.push(took);
            t.done += 1;
            drop(permit);
        });
    }
    let measured_secs = (Instant::now() - warm_at).as_secs_f64();
    // Let the last requests finish.
    let _ = in_flight.acquire_many(256).await.unwrap();
    let rss_end = rss_kib(pid);
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    Outcome {
        tally,
        rss_after_warmup: rss_after_warmup.unwrap_or(rss_end),
        rss_end,
        rss_peak: rss_peak.max(rss_end),
        wal_peak: wal_peak.max(file_len(wal)),
        measured_secs,
        sent: sent_measured,
    }
}

/// Prints the outcome; true when the run failed.
fn report(outcome: &Outcome, secs: u64, rate: u64) -> bool {
    let tally = &outcome.tally;
    println!("answers after the warm-up, by kind and status (0: no answer):");
    for ((kind, status), count) in &tally.statuses {
        println!("  {:<18} {status:>3}  {count}", KIND_NAMES[*kind]);
    }
    let achieved = outcome.sent as f64 / outcome.measured_secs;
    let (warm, end, peak) = (
        outcome.rss_after_warmup as f64 / 1024.0,
        outcome.rss_end as f64 / 1024.0,
        outcome.rss_peak as f64 / 1024.0,
    );
    let growth = 100.0 * (end - warm) / warm;
    println!(
        "{} requests in {:.0} s ({achieved:.0}/s of {rate}/s asked), {} unexpected",
        tally.done, outcome.measured_secs, tally.unexpected
    );
    println!(
        "RSS after warm-up {warm:.1} MiB, at the end {end:.1} MiB ({growth:+.1}%), peak {peak:.1} MiB"
    );
    println!(
        "write-ahead log: at most {:.1} MiB over the run (limit {:.0} MiB)",
        outcome.wal_peak as f64 / MIB,
        WAL_LIMIT as f64 / MIB
    );
    let mut failed = false;
    if outcome.wal_peak > WAL_LIMIT {
        println!("FAIL: the write-ahead log grew past {WAL_LIMIT} bytes");
        failed = true;
    }
    if tally.unexpected > 0 {
        println!(
            "FAIL: {} answers had another status than expected",
            tally.unexpected
        );
        failed = true;
    }
    if achieved < 0.95 * rate as f64 || outcome.measured_secs < secs as f64 * 0.99 {
        println!("FAIL: the load fell short of {rate}/s");
        failed = true;
    }
    if growth > 10.0 {
        println!("FAIL: resident memory grew more than 10% after the warm-up");
        failed = true;
    }
    failed
}
