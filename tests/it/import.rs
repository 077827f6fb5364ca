//! `fitmate import` against the real server: good and bad lines, the report, and a re-run.

use std::process::Output;

use serde_json::{Value, json};

use crate::harness::{TestServer, user};

async fn import(server: &TestServer, file: &std::path::Path, report: &std::path::Path) -> Output {
    let args = vec![
        "import".to_owned(),
        file.display().to_string(),
        "--base-url".to_owned(),
        server.base.clone(),
        "--report".to_owned(),
        report.display().to_string(),
        "--concurrency".to_owned(),
        "4".to_owned(),
        // The lines are 2023-10-04 bodies.
        "--version".to_owned(),
        "2023-10-04".to_owned(),
    ];
    let key = server.key.clone();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_fitmate"))
            .args(&args)
            .env("FITMATE_API_KEY", key)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn report_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_creates_good_lines_reports_bad_ones_and_is_safe_to_rerun() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("patients.ndjson");
    let report = dir.path().join("report.ndjson");
    let mut bad_email = user(4);
    bad_email["email"] = json!("not-an-email");
    let mut same_phone = user(5);
    same_phone["phonenumber"] = user(1)["phonenumber"].clone();
    let lines = [
        user(1).to_string(),
        user(2).to_string(),
        String::new(),
        bad_email.to_string(),
        "{\"email\": \"broken@clinic.example\", ".to_owned(),
        user(3).to_string(),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let first = import(&server, &file, &report).await;
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(first.status.code(), Some(1), "{first:?}");
    assert!(
        stdout.contains("5 lines: 3 created, 0 already existing, 2 invalid, 0 failed"),
        "{stdout}"
    );
    assert_eq!(
        crate::file_mode(&report),
        0o600,
        "the report names patients' emails: its owner's alone"
    );
    let mut entries = report_lines(&report);
    entries.sort_by_key(|e| e["line"].as_u64());
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[0]["line"], 4,
        "line numbers count every line, blank ones too"
    );
    assert_eq!(entries[0]["email"], "not-an-email");
    assert_eq!(entries[0]["errors"][0]["field"], "email");
    assert_eq!(entries[1]["line"], 5);
    assert_eq!(entries[1]["errors"][0]["code"], "invalid_json");

    // Re-running is safe: the created users count as already existing; a line that takes
    // another user's phone number fails with its reason.
    let again: Vec<String> = [user(1), user(2), same_phone, user(3)]
        .iter()
        .map(Value::to_string)
        .collect();
    std::fs::write(&file, again.join("\n")).unwrap();
    let second = import(&server, &file, &report).await;
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stdout.contains("4 lines: 0 created, 3 already existing, 0 invalid, 1 failed"),
        "{stdout}"
    );
    let entries = report_lines(&report);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["line"], 3);
    assert_eq!(entries[0]["email"], "patient5@clinic.example");
    assert_eq!(entries[0]["errors"][0]["code"], "phone_taken");

    let good: Vec<String> = [user(1), user(2)].iter().map(Value::to_string).collect();
    std::fs::write(&file, good.join("\n")).unwrap();
    let third = import(&server, &file, &report).await;
    assert_eq!(third.status.code(), Some(0), "{third:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_of_a_missing_file_is_a_usage_error() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = import(
        &server,
        &dir.path().join("nope.ndjson"),
        &dir.path().join("r"),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.ndjson"));
}
