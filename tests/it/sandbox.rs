//! Sandbox projects (docs/sandbox.md): the request log, `Prefer: code=NNN`, the reset, the
//! project clock, the console's reads and the magic-link page; and that a production
//! project's key sees none of it.

use std::time::{Duration, Instant};

use fitmate_store::{AuditAction, AuditFilter, NewProject, Store};
use fitmate_transport::server::{Delivery, MailConfig, ServerConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Answer, TestServer, user};

/// A server whose welcome emails go to a mail drop and whose links point at itself, with a
/// sandbox project `play`; answers the server, the sandbox key and the mail-drop folder.
async fn sandbox_server() -> (TestServer, String, tempfile::TempDir) {
    let drop = tempfile::tempdir().unwrap();
    // The links point at the default of a local server; the test follows them to `base`.
    let mut mail = MailConfig::drop_into(drop.path(), "http://link.invalid/auth/magic-link");
    mail.delivery = Delivery::Drop(drop.path().to_owned());
    mail.poll_every = Duration::from_millis(100);
    let mut config = ServerConfig::default();
    config.mail = Some(mail);
    let server = TestServer::start_with(config).await;
    let key = server
        .project_with(&NewProject {
            sandbox: true,
            ..NewProject::new("play".parse().unwrap())
        })
        .await;
    (server, key, drop)
}

/// The audit filter of one user's events.
fn of_user(id: &str) -> AuditFilter {
    let mut filter = AuditFilter::default();
    filter.user = Some(id.parse().unwrap());
    filter
}

async fn get(server: &TestServer, key: &str, path: &str) -> Answer {
    server
        .raw(|client, base| client.get(format!("{base}{path}")).bearer_auth(key))
        .await
}

async fn send(server: &TestServer, key: &str, method: Method, path: &str, body: &Value) -> Answer {
    server.send(method, path, Some(key), None, body).await
}

/// `method path` with `key`, `Prefer: prefer` and the JSON `body`.
async fn preferring(
    server: &TestServer,
    key: &str,
    method: Method,
    path: &str,
    prefer: &str,
    body: &Value,
) -> Answer {
    server
        .raw(|client, base| {
            client
                .request(method, format!("{base}{path}"))
                .bearer_auth(key)
                .header("Prefer", prefer)
                .json(body)
        })
        .await
}

async fn create(server: &TestServer, key: &str, n: u32) -> String {
    let answer = send(server, key, Method::POST, "/users/create", &user(n)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["identifier"].as_str().unwrap().to_owned()
}

/// `POST /_sandbox/clock {"advance": by}` with `key`.
async fn advance(server: &TestServer, key: &str, by: &str) -> Answer {
    let body = json!({"advance": by});
    send(server, key, Method::POST, "/_sandbox/clock", &body).await
}

/// Polls `GET path` until `ready` holds of the answer's body (at most 15 s).
async fn wait_until(
    server: &TestServer,
    key: &str,
    path: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let answer = get(server, key, path).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        if ready(&answer.body) {
            return answer.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "waited 15 s in vain"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_keeps_each_api_request_newest_first_without_the_key() {
    let (server, key, _drop) = sandbox_server().await;
    let id = create(&server, &key, 1).await;
    let bad = send(
        &server,
        &key,
        Method::POST,
        "/users/create",
        &json!({"email": 5}),
    )
    .await;
    assert_eq!(bad.status, 400);

    let log = get(&server, &key, "/_sandbox/requests").await;
    assert_eq!(log.status, 200);
    let entries = log.body["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (newest, first) = (&entries[0], &entries[1]);
    assert_eq!(newest["status"], 400);
    assert_eq!(newest["requestBody"], json!({"email": 5}));
    assert_eq!(newest["responseBody"]["errors"][0]["field"], "email");
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "/users/create");
    assert_eq!(first["version"], "2023-10-04");
    assert_eq!(first["status"], 200);
    assert_eq!(first["requestBody"]["email"], "patient1@clinic.example");
    assert_eq!(first["responseBody"]["identifier"], id.as_str());
    assert!(first["latencyMs"].as_f64().unwrap() > 0.0);
    assert!(first["requestId"].as_str().unwrap().len() > 8);
    assert!(
        !log.body.to_string().contains(&key),
        "the key is never kept"
    );

    // `limit` bounds the listing; a bad one or another parameter is a 400.
    let one = get(&server, &key, "/_sandbox/requests?limit=1").await;
    assert_eq!(one.body["data"].as_array().unwrap().len(), 1);
    let refused = get(&server, &key, "/_sandbox/requests?limit=0").await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["errors"][0]["field"], "limit");
    let stray = get(&server, &key, "/_sandbox/requests?email=x").await;
    assert_eq!(stray.status, 400);
    // The console's own reads, these included, are not logged.
    get(&server, &key, "/_sandbox/users").await;
    get(&server, &key, "/_sandbox/clock").await;
    let logged = server
        .store
        .logged_requests(&"play".parse().unwrap(), 100)
        .await
        .unwrap();
    let paths: Vec<&str> = logged.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/users/create", "/users/create"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_bodies_are_sealed_in_the_database() {
    let (server, key, _drop) = sandbox_server().await;
    // A refused body: kept by the log alone, not by the users table.
    let marker = "quokka-7731@clinic.example";
    let refused = send(
        &server,
        &key,
        Method::POST,
        "/users/create",
        &json!({"email": marker}),
    )
    .await;
    assert_eq!(refused.status, 400);
    let logged = server
        .store
        .logged_requests(&"play".parse().unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    let body = String::from_utf8(logged[0].request_body.clone().unwrap()).unwrap();
    assert!(body.contains(marker), "the store opens what it sealed");
    if !std::env::var("FITMATE_TEST_DATABASE").is_ok_and(|url| url.starts_with("postgres")) {
        // The database file and its write-ahead log, as they are on disk.
        let dir = server.db_file().parent().unwrap().to_owned();
        let mut on_disk = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("fitmate.db")
            {
                on_disk.extend(std::fs::read(path).unwrap());
            }
        }
        assert!(on_disk.len() > 4096, "the database files were found");
        let text = String::from_utf8_lossy(&on_disk);
        assert!(!text.contains(marker), "a log body is kept in clear");
        assert!(
            text.contains("/users/create"),
            "the log's unsealed columns are there"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefer_answers_the_documented_error_and_changes_nothing() {
    let (server, key, _drop) = sandbox_server().await;
    let forced = preferring(
        &server,
        &key,
        Method::POST,
        "/users/create",
        "code=409",
        &user(2),
    )
    .await;
    assert_eq!(forced.status, 409);
    assert_eq!(forced.body["errors"][0]["code"], "email_taken");
    let users = get(&server, &key, "/_sandbox/users").await;
    assert_eq!(users.body["data"], json!([]), "nothing was created");

    // The project API's own error format, for its own documented codes.
    let id = create(&server, &key, 3).await;
    let revision = server.stored_in("play", &id).await.revision;
    let patch = preferring(
        &server,
        &key,
        Method::PATCH,
        &format!("/play/users/{id}"),
        "code=404",
        &json!({"update": {"bio": "forced"}}),
    )
    .await;
    assert_eq!(patch.status, 404);
    assert_eq!(patch.body["code"], "user/not-found");
    assert_eq!(
        server.stored_in("play", &id).await.revision,
        revision,
        "nothing was written"
    );

    // An undocumented code is a 400 that lists the documented ones.
    let odd = preferring(
        &server,
        &key,
        Method::POST,
        "/users/create",
        "code=418",
        &user(4),
    )
    .await;
    assert_eq!(odd.status, 400);
    assert_eq!(odd.body["errors"][0]["field"], "Prefer");
    assert_eq!(odd.body["errors"][0]["code"], "invalid_prefer");
    let message = odd.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("400, 401"), "{message}");
    assert!(message.contains("409"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_project_sees_no_sandbox() {
    let (server, _sandbox_key, _drop) = sandbox_server().await;
    // `server.key` belongs to a production project.
    for path in [
        "/_sandbox/requests",
        "/_sandbox/clock",
        "/_sandbox/users",
        "/_sandbox/emails",
    ] {
        let answer = get(&server, &server.key, path).await;
        assert_eq!(answer.status, 404, "{path}: {:?}", answer.body);
    }
    for path in ["/_sandbox/reset", "/_sandbox/clock"] {
        let answer = send(
            &server,
            &server.key,
            Method::POST,
            path,
            &json!({"advance": "1h"}),
        )
        .await;
        assert_eq!(answer.status, 404, "{path}");
    }
    // Its Prefer is ignored: the user is created.
    let created = preferring(
        &server,
        &server.key,
        Method::POST,
        "/users/create",
        "code=409",
        &user(5),
    )
    .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    // And nothing of its requests is logged.
    let logged = server
        .store
        .logged_requests(&"sandbox".parse().unwrap(), 10)
        .await
        .unwrap();
    assert!(logged.is_empty());
    // Without a key: 401, as anywhere else.
    let anonymous = server
        .raw(|client, base| client.get(format!("{base}/_sandbox/requests")))
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_empties_the_project_and_keeps_the_audit_trail() {
    let (server, key, _drop) = sandbox_server().await;
    let id = create(&server, &key, 1).await;
    create(&server, &key, 2).await;
    // Another project's users are not touched.
    let other = server.create(&user(3)).await;
    wait_until(&server, &key, "/_sandbox/emails", |b| {
        b["data"].as_array().is_some_and(|d| d.len() == 2)
    })
    .await;

    let reset = send(&server, &key, Method::POST, "/_sandbox/reset", &json!({})).await;
    assert_eq!(reset.status, 200, "{:?}", reset.body);
    assert_eq!(reset.body["deleted"]["users"], 2);
    assert_eq!(reset.body["deleted"]["emails"], 2);
    assert_eq!(reset.body["deleted"]["requests"], 2);
    assert_eq!(
        get(&server, &key, "/_sandbox/users").await.body["data"],
        json!([])
    );
    assert_eq!(
        get(&server, &key, "/_sandbox/emails").await.body["data"],
        json!([])
    );
    assert_eq!(
        get(&server, &key, "/_sandbox/requests").await.body["data"],
        json!([])
    );
    server.stored(&other).await;
    // The same email may be created again.
    create(&server, &key, 1).await;

    let events = server.store.audit_events(&of_user(&id)).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    // Created, read by the emails listing above (once or more), erased.
    assert_eq!(actions.first(), Some(&"create"), "{actions:?}");
    assert_eq!(actions.last(), Some(&"delete"), "{actions:?}");
    assert!(
        actions[1..actions.len() - 1]
            .iter()
            .all(|a| *a == "retrieve"),
        "{actions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_clock_moves_forward_and_magic_links_expire_by_it() {
    let (server, key, _drop) = sandbox_server().await;
    let clock = get(&server, &key, "/_sandbox/clock").await;
    assert_eq!(clock.status, 200);
    assert_eq!(clock.body["offsetSeconds"], 0);

    let id = create(&server, &key, 1).await;
    let emails = wait_until(&server, &key, "/_sandbox/emails", |b| {
        b["data"][0]["link"].is_string()
    })
    .await;
    let email = &emails["data"][0];
    assert_eq!(email["userIdentifier"], id.as_str());
    assert_eq!(email["status"], "delivered");
    assert_eq!(email["to"], "patient1@clinic.example");
    assert_eq!(email["subject"], "Welcome to Fitmate");
    let link = email["link"].as_str().unwrap();
    assert!(
        email["html"]
            .as_str()
            .unwrap()
            .contains("Sign in to Fitmate")
    );
    let token = link.split("token=").nth(1).unwrap().to_owned();

    // 25 hours on, the 24-hour link has expired.
    let moved = advance(&server, &key, "25h").await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_eq!(moved.body["offsetSeconds"], 25 * 3600);
    let now: jiff::Timestamp = moved.body["now"].as_str().unwrap().parse().unwrap();
    let ahead = now.duration_since(jiff::Timestamp::now()).as_secs();
    assert!(
        (25 * 3600 - 60..=25 * 3600 + 60).contains(&ahead),
        "{ahead}"
    );
    let redeem = server
        .send(
            Method::POST,
            "/auth/magic-link/redeem",
            None,
            None,
            &json!({"token": token}),
        )
        .await;
    assert_eq!(redeem.status, 410);

    for bad in [
        json!({"advance": "-1h"}),
        json!({"advance": "soon"}),
        json!({"back": "1h"}),
    ] {
        let refused = send(&server, &key, Method::POST, "/_sandbox/clock", &bad).await;
        assert_eq!(refused.status, 400, "{bad}");
    }
    // A day is 24 hours; the reset sets the clock back.
    let days = advance(&server, &key, "1d").await;
    assert_eq!(days.body["offsetSeconds"], 49 * 3600);
    send(&server, &key, Method::POST, "/_sandbox/reset", &json!({})).await;
    assert_eq!(
        get(&server, &key, "/_sandbox/clock").await.body["offsetSeconds"],
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspensions_follow_the_project_clock() {
    let (server, key, _drop) = sandbox_server().await;
    let id = create(&server, &key, 1).await;
    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    server
        .store
        .suspend(
            &"play".parse().unwrap(),
            id.parse().unwrap(),
            "paused by the care team",
            jiff::Timestamp::now(),
            Some(until),
            &crate::harness::by_test(AuditAction::Suspend),
        )
        .await
        .unwrap();
    let patched = server
        .patch(&key, "play", &id, &json!({"update": {"bio": "a"}}))
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["suspensions"].as_array().unwrap().len(), 1);
    advance(&server, &key, "3h").await;
    let later = server
        .patch(&key, "play", &id, &json!({"update": {"bio": "b"}}))
        .await;
    assert_eq!(later.status, 200, "{:?}", later.body);
    assert_eq!(
        later.body["suspensions"],
        json!([]),
        "the suspension ended by the project clock"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_reads_users_in_every_version_and_audits_the_read() {
    let (server, key, _drop) = sandbox_server().await;
    let id = create(&server, &key, 1).await;
    create(&server, &key, 2).await;
    let search = |part: &str| {
        let body = json!({"email": part});
        let (server, key) = (&server, &key);
        async move { send(server, key, Method::POST, "/_sandbox/users/search", &body).await }
    };
    let found = search("PATIENT1@").await;
    assert_eq!(found.status, 200);
    let data = found.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{data:?}");
    assert_eq!(data[0]["identifier"], id.as_str());
    // `%` and `_` are letters in the search, not wildcards.
    assert_eq!(search("%").await.body["data"], json!([]));
    assert_eq!(search("patient_").await.body["data"], json!([]));
    // The listing shows names and emails: each user listed is audited as read.
    let listed = get(&server, &key, "/_sandbox/users").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);
    let events = server.store.audit_events(&of_user(&id)).await.unwrap();
    let read = events.last().unwrap();
    assert_eq!(read.action, "retrieve");
    assert_eq!(read.fields, ["email", "firstname", "lastname"]);

    let record = get(&server, &key, &format!("/_sandbox/users/{id}")).await;
    assert_eq!(record.status, 200);
    let versions = record.body["versions"].as_array().unwrap();
    assert_eq!(versions[0]["version"], "2023-10-04");
    assert_eq!(versions[0]["record"]["sex"], "female");
    assert_eq!(versions[1]["version"], "2023-08-01");
    assert_eq!(versions[1]["record"]["gender"], "female");
    assert_eq!(versions[1]["record"]["weight"], 150);
    assert!(versions[1]["record"].get("sex").is_none());

    let events = server.store.audit_events(&of_user(&id)).await.unwrap();
    assert_eq!(
        events.last().unwrap().action,
        AuditAction::Retrieve.as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_magic_link_page_signs_in_once_then_says_it_was_used() {
    let (server, key, _drop) = sandbox_server().await;
    let id = create(&server, &key, 1).await;
    let emails = wait_until(&server, &key, "/_sandbox/emails", |b| {
        b["data"][0]["link"].is_string()
    })
    .await;
    let link = emails["data"][0]["link"].as_str().unwrap();
    let path = link.trim_start_matches("http://link.invalid");
    let page = |path: String| {
        let url = format!("{}{path}", server.base);
        async move {
            let response = reqwest::get(url).await.unwrap();
            let status = response.status().as_u16();
            let policy = response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned();
            (status, policy, response.text().await.unwrap())
        }
    };
    let (status, policy, first) = page(path.to_owned()).await;
    assert_eq!(status, 200);
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(first.contains("<h1>Signed in</h1>"), "{first}");
    assert!(first.contains(&id));
    let (status, _, again) = page(path.to_owned()).await;
    assert_eq!(status, 410);
    assert!(again.contains("already used or has expired"), "{again}");
    let (status, _, broken) = page("/auth/magic-link?token=short".to_owned()).await;
    assert_eq!(status, 400);
    assert!(broken.contains("not a sign-in link"), "{broken}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_never_shows_secure_metadata() {
    let (server, key, _drop) = sandbox_server().await;
    let id = create(&server, &key, 1).await;
    let patched = server
        .patch(
            &key,
            "play",
            &id,
            &json!({"update": {"bio": "runner", "secureMetadata": {"mrn": "MRN-55501"}}}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let log = get(&server, &key, "/_sandbox/requests").await;
    let entry = &log.body["data"][0];
    assert_eq!(entry["method"], "PATCH");
    assert_eq!(entry["requestBody"]["update"]["bio"], "runner");
    assert!(
        entry["requestBody"]["update"]["secureMetadata"]
            .as_str()
            .is_some_and(|s| s.contains("never shown")),
        "{entry}"
    );
    assert!(!log.body.to_string().contains("MRN-55501"));
    // Nor does the console's view of the user.
    let record = get(&server, &key, &format!("/_sandbox/users/{id}")).await;
    assert!(!record.body.to_string().contains("MRN-55501"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_projects_users_emails_and_requests_stay_out_of_the_sandbox() {
    let (server, key, _drop) = sandbox_server().await;
    // The production project's user, email and request come first.
    let other = server.create(&user(9)).await;
    let mine = create(&server, &key, 1).await;
    wait_until(&server, &key, "/_sandbox/emails", |b| {
        b["data"][0]["link"].is_string()
    })
    .await;
    let users = get(&server, &key, "/_sandbox/users").await;
    let emails = get(&server, &key, "/_sandbox/emails").await;
    let requests = get(&server, &key, "/_sandbox/requests").await;
    for listing in [&users, &emails, &requests] {
        assert_eq!(
            listing.body["data"].as_array().unwrap().len(),
            1,
            "{:?}",
            listing.body
        );
        let text = listing.body.to_string();
        assert!(!text.contains(&other), "{text}");
        assert!(!text.contains("patient9@"), "{text}");
    }
    assert_eq!(users.body["data"][0]["identifier"], mine.as_str());
    assert_eq!(
        get(&server, &key, &format!("/_sandbox/users/{other}"))
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefer_is_not_for_the_sandbox_endpoints_and_the_clock_has_a_limit() {
    let (server, key, _drop) = sandbox_server().await;
    let clock = server
        .raw(|client, base| {
            client
                .get(format!("{base}/_sandbox/clock"))
                .bearer_auth(&key)
                .header("Prefer", "code=404")
        })
        .await;
    assert_eq!(clock.status, 200, "{:?}", clock.body);

    // Ten years ahead at most, all advances together.
    let far = advance(&server, &key, "87000h").await;
    assert_eq!(far.status, 200, "{:?}", far.body);
    let past = advance(&server, &key, "2000h").await;
    assert_eq!(past.status, 400, "{:?}", past.body);
    assert_eq!(past.body["errors"][0]["field"], "advance");
    let now = get(&server, &key, "/_sandbox/clock").await;
    assert_eq!(now.body["offsetSeconds"], 87_000 * 3600, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_a_user_erases_its_log_entries_and_leaving_the_sandbox_forgets_the_rest() {
    let (server, key, _drop) = sandbox_server().await;
    let project: fitmate_store::ProjectId = "play".parse().unwrap();
    let gone = create(&server, &key, 1).await;
    let kept = create(&server, &key, 2).await;
    server
        .patch(&key, "play", &gone, &json!({"update": {"bio": "x"}}))
        .await;
    wait_until(&server, &key, "/_sandbox/emails", |b| {
        b["data"]
            .as_array()
            .is_some_and(|d| d.iter().all(|m| m["link"].is_string()))
    })
    .await;
    server
        .store
        .delete_user(
            &project,
            gone.parse().unwrap(),
            &crate::harness::by_test(AuditAction::Delete),
        )
        .await
        .unwrap();
    let logged = server.store.logged_requests(&project, 100).await.unwrap();
    let users: Vec<Option<String>> = logged
        .iter()
        .map(|e| e.user.map(|u| u.to_string()))
        .collect();
    assert_eq!(
        users,
        [Some(kept.clone())],
        "the erased user's create and PATCH are gone"
    );

    // A project that stops being a sandbox forgets its log and its emails' copies.
    let mut settings = server
        .store
        .project(&project)
        .await
        .unwrap()
        .unwrap()
        .settings;
    settings.sandbox = false;
    server.store.set_project_settings(&settings).await.unwrap();
    assert!(
        server
            .store
            .logged_requests(&project, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let emails = server
        .store
        .emails(Some(&project), false, 10)
        .await
        .unwrap();
    assert_eq!(emails.len(), 1);
    assert!(emails[0].copy.is_none(), "no live link is kept");
}
