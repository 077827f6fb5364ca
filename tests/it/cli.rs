//! The `fitmate` binary: `validate` and `schemas`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::fixture;

fn fitmate(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fitmate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        // A command that fails on its arguments exits without reading: the pipe breaks.
        let _ = input.write_all(text.as_bytes());
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_accepts_the_seed_and_exits_0() {
    let file = fixture("seeds/001-create-request-payload.json");
    let out = fitmate(
        &[
            "validate",
            "--version",
            "2023-10-04",
            "--endpoint",
            "create",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("1 document(s) checked, 1 valid, 0 invalid"));
}

#[test]
fn validate_lists_every_fault_of_every_ndjson_line_and_exits_1() {
    let ndjson = concat!(
        r#"{"email": "jane@doe.com"}"#,
        "\n",
        r#"{"email": "jane@", "diabetes": 4}"#,
        "\n",
        "{not json\n",
    );
    let out = fitmate(
        &[
            "validate",
            "--version",
            "2023-10-04",
            "--endpoint",
            "update",
            "-",
        ],
        Some(ndjson),
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("<stdin>:2: document 2: email: Invalid email address [invalid_email]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("<stdin>:2: document 2: diabetes: diabetes must be 0 (none)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("<stdin>:3: document 3: (body): the body is not valid JSON"),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 document(s) checked, 1 valid, 2 invalid"),
        "{stdout}"
    );
}

#[test]
fn validate_json_output_names_line_field_code_and_message() {
    let file = fixture("seeds/002-patch-request.json");
    let out = fitmate(
        &[
            "validate",
            "--endpoint",
            "patch",
            "--format",
            "json",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["invalid"], 1);
    let result = &report["results"][0];
    assert_eq!(result["line"], 1);
    assert_eq!(result["errors"][0]["field"], "update.location.latitude");
    assert_eq!(result["errors"][0]["code"], "coordinates_swapped");
}

/// Runs `validate --format json` on `input` (retrieve, 2023-10-04) and returns, per
/// document, its line and its fault codes.
fn validate_documents(input: &str) -> (Option<i32>, Vec<(u64, Vec<String>)>) {
    let out = fitmate(
        &[
            "validate",
            "--version",
            "2023-10-04",
            "--endpoint",
            "retrieve",
            "--format",
            "json",
            "-",
        ],
        Some(input),
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let documents = summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let codes = r["errors"].as_array().unwrap().iter();
            let codes = codes.map(|e| e["code"].as_str().unwrap().to_owned());
            (r["line"].as_u64().unwrap(), codes.collect())
        })
        .collect();
    (out.status.code(), documents)
}

#[test]
fn validate_reads_on_past_a_broken_document() {
    let good = r#"{"email": "jane@doe.com"}"#;
    let bad = r#"{"email": "jane@"}"#;
    let ok = || Vec::<String>::new();
    let codes = |c: &str| vec![c.to_owned()];

    // NDJSON whose first line is not JSON: the lines after it are still checked.
    let (code, docs) = validate_documents(&format!("garbage\n{bad}\n{good}\n"));
    assert_eq!(code, Some(1));
    assert_eq!(
        docs,
        [
            (1, codes("invalid_json")),
            (2, codes("invalid_email")),
            (3, ok())
        ]
    );

    // Pretty-printed documents one after the other, the middle one broken.
    let pretty = "{\n  \"email\": \"jane@doe.com\"\n}\n\
                  {\n  \"email\": \"jane@doe.com\",\n}\n\
                  {\n  \"email\": \"jane@\"\n}\n";
    let (code, docs) = validate_documents(pretty);
    assert_eq!(code, Some(1));
    assert_eq!(
        docs,
        [
            (1, ok()),
            (4, codes("invalid_json")),
            (7, codes("invalid_email"))
        ]
    );

    // A one-line document, then a pretty-printed one cut off at the end of the file.
    let (code, docs) = validate_documents(&format!("{good}\n{{\n  \"email\": \"jane@doe.com\""));
    assert_eq!(code, Some(1));
    assert_eq!(docs, [(1, ok()), (2, codes("invalid_json"))]);
}

#[test]
fn validate_rejects_a_file_with_no_document() {
    for input in ["", " \n\t\n"] {
        let (code, docs) = validate_documents(input);
        assert_eq!(code, Some(1), "{input:?}");
        assert_eq!(docs, [(1, vec!["invalid_json".to_owned()])], "{input:?}");
    }
}

#[test]
fn validate_usage_and_io_errors_exit_2() {
    let out = fitmate(
        &[
            "validate",
            "--version",
            "2024-01-01",
            "--endpoint",
            "create",
            "-",
        ],
        Some("{}"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("supported versions: 2023-08-01, 2023-10-04"),
        "{}",
        text(&out.stderr)
    );
    let out = fitmate(
        &["validate", "--endpoint", "create", "/nonexistent/file.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/file.json"));
}

#[test]
fn schemas_check_passes_on_the_shipped_folder_and_names_a_drifted_file() {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let out = fitmate(
        &["schemas", "--check", "--out", shipped.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let dir = std::env::temp_dir().join(format!("fitmate-schemas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = fitmate(&["schemas", "--out", dir.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(
        dir.join("2023-10-04/create-user.request.schema.json"),
        "{}\n",
    )
    .unwrap();
    let out = fitmate(
        &["schemas", "--check", "--out", dir.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("2023-10-04/create-user.request.schema.json differs"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("2023-08-01"),
        "only the drifted file is named: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schemas_out_removes_only_stale_schema_files_and_leaves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let keep = [
        "package.json",
        "notes.schema.json.bak",
        "sub/data.json",
        "sub/other.schema.json",
        "2023-10-04/notes.json",
    ];
    for path in keep {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "{}\n").unwrap();
    }
    let stale = dir
        .path()
        .join("2023-10-04/delete-user.request.schema.json");
    std::fs::write(&stale, "{}\n").unwrap();

    let out = fitmate(&["schemas", "--out", dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !stale.exists(),
        "a schema file no type generates is removed"
    );
    for path in keep {
        assert!(
            dir.path().join(path).exists(),
            "{path} is not the generator's"
        );
    }
    let out = fitmate(
        &["schemas", "--check", "--out", dir.path().to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn schemas_out_names_the_path_it_cannot_write() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let out_dir = file.path().join("schemas");
    let out = fitmate(&["schemas", "--out", out_dir.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(file.path().to_str().unwrap()), "{stderr}");
}

#[test]
fn serve_refuses_a_body_timeout_not_shorter_than_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("fitmate.db").display());
    let out = fitmate(
        &[
            "serve",
            "--database",
            &database,
            "--body-timeout",
            "30",
            "--request-timeout",
            "30",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--body-timeout (30 s) must be shorter than --request-timeout (30 s)"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("fitmate.db").exists(),
        "refused before opening the database"
    );
}
