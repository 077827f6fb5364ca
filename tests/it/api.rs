//! The server end to end, over a real socket: every endpoint, version and error of the API
//! (docs/api.md).

use fitmate_model::ApiVersion;
use fitmate_store::Store;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixture_bytes;
use crate::harness::{TestServer, user};

fn seed(name: &str) -> Value {
    serde_json::from_slice(&fixture_bytes(&format!("seeds/{name}"))).unwrap()
}

/// The seeds' own examples, in order: create (001, 2023-10-04, with `gender` and no `sex`),
/// update (000, 2023-08-01), and the project PATCH (002) whose swapped coordinates must be
/// refused and whose corrected form must be accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_examples_work_end_to_end() {
    let server = TestServer::start().await;

    let created = server
        .post_in(
            "2023-10-04",
            "/users/create",
            &seed("001-create-request-payload.json"),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.version, "2023-10-04");
    assert_eq!(created.body["message"], "User created successfully");
    assert_eq!(created.body["email"], "jane@doe.com");
    let id = created.body["identifier"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok());

    let updated = server
        .post_in(
            "2023-08-01",
            "/users/update",
            &seed("000-update-request-payload.json"),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.version, "2023-08-01");
    let mut expected = seed("000-update-response.json");
    expected["identifier"] = json!(id);
    assert_eq!(updated.body, expected);

    let swapped = server.patch_own(&id, &seed("002-patch-request.json")).await;
    assert_eq!(swapped.status, 400);
    assert_eq!(swapped.body["code"], "user/invalid-data");
    let message = swapped.body["error"].as_str().unwrap();
    assert!(message.contains("latitude"), "{message}");
    assert!(message.contains("look swapped"), "{message}");

    let mut corrected = seed("002-patch-request.json");
    corrected["update"]["location"] = json!({"longitude": -118.25, "latitude": 34.05});
    let patched = server.patch_own(&id, &corrected).await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(
        patched.body,
        json!({
            "id": id,
            "username": "new_username",
            "name": "jane doe",
            "avatar": null,
            "bio": null,
            "birthdate": "1990-12-23T00:00:00.000Z",
            "location": {"type": "Point", "coordinates": [-118.25, 34.05]},
            "metadata": {"theme": "dark"},
            "suspensions": [],
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_created_in_one_version_renders_in_the_other() {
    let server = TestServer::start().await;
    let mut body = user(1);
    body["sex"] = json!("intersex");
    body["currentWeight"] = json!("180.5");
    server.create(&body).await;

    let old = server
        .post_in(
            "2023-08-01",
            "/users/retrieve",
            &json!({"email": "PATIENT1@clinic.example"}),
        )
        .await;
    assert_eq!(old.status, 200, "{:?}", old.body);
    assert_eq!(old.version, "2023-08-01");
    let data = &old.body["data"];
    assert_eq!(data["weight"], json!(180.5));
    assert!(
        data.get("gender").is_none(),
        "intersex has no 2023-08-01 gender"
    );
    assert!(data.get("sex").is_none() && data.get("currentWeight").is_none());
    assert!(
        data.get("diabetes").is_none(),
        "2023-08-01 knows no diabetes"
    );

    let legacy = json!({
        "email": "old@clinic.example", "firstname": "Bo", "lastname": "Tan",
        "phonenumber": "(555) 010-9999", "dateOfBirth": "1970-01-31", "gender": "male",
        "height": "6ft 1in", "weight": "200", "pregnant": false,
    });
    let created = server.post_in("2023-08-01", "/users/create", &legacy).await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let new = server
        .post_in(
            "2023-10-04",
            "/users/retrieve",
            &json!({"email": "old@clinic.example"}),
        )
        .await;
    assert_eq!(new.status, 200);
    let data = &new.body["data"];
    assert_eq!(data["sex"], "male");
    assert_eq!(data["currentWeight"], json!(200));
    assert!(data.get("gender").is_none() && data.get("weight").is_none());
    assert_eq!(data["height"], "6ft 1in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_pinned_to_a_version_and_the_header_overrides_the_pin() {
    let server = TestServer::start().await;
    let old_key = server.key_for("sandbox", ApiVersion::V2023_08_01).await;
    let legacy = json!({
        "email": "pin@clinic.example", "firstname": "Bo", "lastname": "Tan",
        "phonenumber": "5550100", "dateOfBirth": "1970-01-31", "gender": "male",
        "height": "6ft 1in", "weight": 200, "pregnant": false,
    });
    let pinned = server
        .send(Method::POST, "/users/create", Some(&old_key), None, &legacy)
        .await;
    assert_eq!(pinned.status, 200, "{:?}", pinned.body);
    assert_eq!(pinned.version, "2023-08-01");

    let overridden = server
        .send(
            Method::POST,
            "/users/retrieve",
            Some(&old_key),
            Some("2023-10-04"),
            &json!({"email": "pin@clinic.example"}),
        )
        .await;
    assert_eq!(overridden.version, "2023-10-04");
    assert_eq!(overridden.body["data"]["sex"], "male");

    let unknown = server
        .send(
            Method::POST,
            "/users/retrieve",
            Some(&old_key),
            Some("2024-01-01"),
            &json!({"email": "pin@clinic.example"}),
        )
        .await;
    assert_eq!(unknown.status, 400);
    let message = unknown.body["message"].as_str().unwrap();
    assert!(
        message.contains("2023-08-01") && message.contains("2023-10-04"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_changes_only_the_given_fields_and_replaces_metadata_whole() {
    let server = TestServer::start().await;
    let mut body = user(2);
    body["metadata"] = json!({"a": 1, "b": {"c": 2}});
    server.create(&body).await;
    let email = "patient2@clinic.example";

    let updated = server
        .post_in(
            "2023-10-04",
            "/users/update",
            &json!({"email": email, "diabetes": 1, "metadata": {"z": true}}),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["message"], "User updated successfully");
    assert_eq!(updated.body["data"]["diabetes"], 1);
    assert_eq!(updated.body["data"]["metadata"], json!({"z": true}));
    assert_eq!(
        updated.body["data"]["glp1drugs"], true,
        "untouched field kept"
    );

    let unchanged = server
        .post_in(
            "2023-10-04",
            "/users/update",
            &json!({"email": email, "glp1drugs": false}),
        )
        .await;
    assert_eq!(unchanged.status, 200);
    assert_eq!(
        unchanged.body["data"]["metadata"],
        json!({"z": true}),
        "absent metadata kept"
    );

    let frozen = server
        .post_in(
            "2023-10-04",
            "/users/update",
            &json!({"email": email, "firstname": "Eve"}),
        )
        .await;
    assert_eq!(frozen.status, 400);
    assert_eq!(frozen.body["errors"][0]["field"], "firstname");

    let retrieved = server
        .post_in("2023-10-04", "/users/retrieve", &json!({"email": email}))
        .await;
    assert_eq!(retrieved.body["data"]["firstname"], "Ada");
    assert_eq!(retrieved.body["data"]["diabetes"], 1);
    assert_eq!(retrieved.body["data"]["glp1drugs"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_male_user_cannot_be_made_pregnant_by_update() {
    let server = TestServer::start().await;
    let legacy = json!({
        "email": "m@clinic.example", "firstname": "Bo", "lastname": "Tan",
        "phonenumber": "5550101", "dateOfBirth": "1970-01-31", "gender": "male",
        "height": "6ft 1in", "weight": 200, "pregnant": false,
    });
    assert_eq!(
        server
            .post_in("2023-08-01", "/users/create", &legacy)
            .await
            .status,
        200
    );
    let answer = server
        .post_in(
            "2023-08-01",
            "/users/update",
            &json!({"email": "m@clinic.example", "pregnant": true}),
        )
        .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    assert_eq!(answer.body["errors"][0]["field"], "pregnant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bodies_list_every_fault_with_the_documented_sentences() {
    let server = TestServer::start().await;
    let mut body = user(3);
    body["email"] = json!("not-an-email");
    body["phonenumber"] = json!("12");
    body["height"] = json!("5 feet");
    body["emial"] = json!("typo@clinic.example");
    let answer = server.post("/users/create", &body).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["message"], answer.body["errors"][0]["message"]);
    let fields: Vec<&str> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["email", "phonenumber", "height", "emial"] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    let phone = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "phonenumber")
        .unwrap();
    assert_eq!(phone["message"], "Invalid phone number");
    let email = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "email")
        .unwrap();
    assert_eq!(email["message"], "Invalid email address");

    body.as_object_mut().unwrap().remove("emial");
    let answer = server.post("/users/create", &body).await;
    assert_eq!(answer.body["message"], "Invalid email address");

    let malformed = server
        .raw(|c, base| {
            c.post(format!("{base}/users/create"))
                .bearer_auth(&server.key)
                .header("content-type", "application/json")
                .body("{\"email\": ")
        })
        .await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed.body["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_and_phone_are_unique_per_project_in_their_normal_forms() {
    let server = TestServer::start().await;
    server.create(&user(4)).await;

    let mut same_email = user(5);
    same_email["email"] = json!("Patient4@CLINIC.example");
    let answer = server.post("/users/create", &same_email).await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.body["message"], "Email already exists");

    let mut same_phone = user(6);
    same_phone["phonenumber"] = json!("+1-555-000-0004");
    let answer = server.post("/users/create", &same_phone).await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.body["message"], "Phone number already exists");

    // Another project may have the same people.
    let other = server
        .key_for("other-clinic", ApiVersion::V2023_10_04)
        .await;
    let answer = server
        .send(Method::POST, "/users/create", Some(&other), None, &user(4))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);

    // An update may not take another user's phone number either.
    server.create(&user(7)).await;
    let answer = server
        .post_in(
            "2023-08-01",
            "/users/update",
            &json!({"email": "patient7@clinic.example", "phonenumber": "+15550000004"}),
        )
        .await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.body["message"], "Phone number already exists");
}

/// The race of the uniqueness rule: 64 creates of one email at once give exactly one 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_racing_creates_of_one_email_give_one_success() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let mut tasks = Vec::new();
    for n in 0..64 {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let mut body = user(1000 + n);
            body["email"] = json!("race@clinic.example");
            server.post("/users/create", &body).await.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let conflicts = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((ok, conflicts), (1, 63), "{statuses:?}");
}

/// Creates that arrive together are written together (one transaction on SQLite, one
/// statement on PostgreSQL), yet each gets its own answer: 200 with the id it was stored
/// under, or 409 naming the value another user already holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_arriving_together_each_get_their_own_answer() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let holder = user(2000);
    server.create(&holder).await;
    let mut tasks = Vec::new();
    for n in 0..64_u32 {
        let (server, holder) = (server.clone(), holder.clone());
        tasks.push(tokio::spawn(async move {
            let mut body = user(2001 + n);
            match n % 4 {
                1 => body["email"] = holder["email"].clone(),
                2 => body["phonenumber"] = holder["phonenumber"].clone(),
                _ => {}
            }
            (
                n,
                body["email"].clone(),
                server.post("/users/create", &body).await,
            )
        }));
    }
    let project = "sandbox".parse().unwrap();
    for task in tasks {
        let (n, email, answer) = task.await.unwrap();
        match n % 4 {
            1 => {
                assert_eq!(answer.status, 409, "{n}: {:?}", answer.body);
                assert_eq!(answer.body["message"], "Email already exists");
            }
            2 => {
                assert_eq!(answer.status, 409, "{n}: {:?}", answer.body);
                assert_eq!(answer.body["message"], "Phone number already exists");
            }
            _ => {
                assert_eq!(answer.status, 200, "{n}: {:?}", answer.body);
                let email = fitmate_model::rules::Email::parse(email.as_str().unwrap()).unwrap();
                let stored = server.store.user_by_email(&project, &email).await.unwrap();
                assert_eq!(
                    stored.map(|s| s.id.to_string()),
                    answer.body["identifier"].as_str().map(str::to_owned),
                    "{n}: answered the id it was stored under"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_reach_only_their_own_project() {
    let server = TestServer::start().await;
    let id = server.create(&user(8)).await;
    let other = server
        .key_for("other-clinic", ApiVersion::V2023_10_04)
        .await;
    let update = json!({"update": {"bio": "hello"}});

    let forbidden = server.patch(&other, "sandbox", &id, &update).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.body["code"], "user/not-authorized");

    let hidden = server.patch(&other, "other-clinic", &id, &update).await;
    assert_eq!(hidden.status, 404);
    assert_eq!(hidden.body["code"], "user/not-found");

    let retrieve = server
        .send(
            Method::POST,
            "/users/retrieve",
            Some(&other),
            None,
            &json!({"email": "patient8@clinic.example"}),
        )
        .await;
    assert_eq!(retrieve.status, 404);
    assert_eq!(retrieve.body["message"], "User not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_unknown_and_revoked_keys_get_401_on_both_surfaces() {
    let server = TestServer::start().await;
    let body = json!({"email": "x@clinic.example"});
    let none = server
        .send(Method::POST, "/users/retrieve", None, None, &body)
        .await;
    assert_eq!(none.status, 401);
    assert!(none.body["message"].as_str().unwrap().contains("API key"));
    assert_eq!(none.version, ApiVersion::CURRENT.as_str());

    let forged = format!("{}x", &server.key[..server.key.len() - 1]);
    let wrong = server
        .send(Method::POST, "/users/retrieve", Some(&forged), None, &body)
        .await;
    assert_eq!(wrong.status, 401);

    let key = server.key_for("sandbox", ApiVersion::V2023_10_04).await;
    server.store.revoke_key(&key[..12]).await.unwrap();
    let revoked = server
        .send(Method::POST, "/users/retrieve", Some(&key), None, &body)
        .await;
    assert_eq!(revoked.status, 401);

    let project = server
        .patch(
            "fm_nope",
            "sandbox",
            "00000000-0000-4000-8000-000000000000",
            &json!({"update": {"bio": "x"}}),
        )
        .await;
    assert_eq!(project.status, 401);
    assert_eq!(project.body["code"], "user/unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrieve_and_update_of_an_unknown_email_are_404() {
    let server = TestServer::start().await;
    for (version, path, body) in [
        (
            "2023-08-01",
            "/users/retrieve",
            json!({"email": "ghost@clinic.example"}),
        ),
        (
            "2023-10-04",
            "/users/retrieve",
            json!({"email": "ghost@clinic.example"}),
        ),
        (
            "2023-08-01",
            "/users/update",
            json!({"email": "ghost@clinic.example", "pregnant": false}),
        ),
        (
            "2023-10-04",
            "/users/update",
            json!({"email": "ghost@clinic.example", "glp1drugs": true}),
        ),
    ] {
        let answer = server.post_in(version, path, &body).await;
        assert_eq!(answer.status, 404, "{version} {path}");
        assert_eq!(answer.body["message"], "User not found");
        assert_eq!(answer.version, version);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_keeps_secure_metadata_and_never_returns_it() {
    let server = TestServer::start().await;
    let id = server.create(&user(9)).await;
    let answer = server
        .patch_own(
            &id,
            &json!({"update": {"secureMetadata": {"insurer": "ACME-123"}, "bio": "  runner  "}}),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(answer.body.get("secureMetadata").is_none());
    assert!(!answer.body.to_string().contains("ACME-123"));

    let retrieved = server
        .post_in(
            "2023-10-04",
            "/users/retrieve",
            &json!({"email": "patient9@clinic.example"}),
        )
        .await;
    assert!(!retrieved.body.to_string().contains("ACME-123"));

    let stored = server.stored(&id).await;
    assert_eq!(
        serde_json::to_value(&stored.user.secure_metadata).unwrap(),
        json!({"insurer": "ACME-123"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_stores_sanitised_values_and_enforces_unique_usernames() {
    let server = TestServer::start().await;
    let first = server.create(&user(10)).await;
    let second = server.create(&user(11)).await;
    let answer = server
        .patch_own(&first, &json!({"update": {"username": "  Jane.Doe!! "}}))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["username"], "jane.doe");

    let taken = server
        .patch_own(&second, &json!({"update": {"username": "JANE.DOE"}}))
        .await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.body["code"], "user/username-taken");

    let stored = server.stored(&first).await;
    assert_eq!(stored.user.username.unwrap().as_str(), "jane.doe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_errors_use_the_project_error_format() {
    let server = TestServer::start().await;
    let id = server.create(&user(12)).await;
    for body in [json!({}), json!({"update": {}}), json!({"update": 3})] {
        let answer = server.patch_own(&id, &body).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.body["code"], "user/missing-data", "{body}");
        assert_eq!(answer.body["error"], "Missing required data");
    }
    let bad = server
        .patch_own(&id, &json!({"update": {"avatar": "ftp://x"}}))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["code"], "user/invalid-data");
    assert_eq!(bad.body["errors"][0]["field"], "update.avatar");

    let unknown = server
        .patch_own("not-a-uuid", &json!({"update": {"bio": "x"}}))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["code"], "user/not-found");

    let wrong_method = server
        .raw(|c, base| {
            c.get(format!("{base}/sandbox/users/{id}"))
                .bearer_auth(&server.key)
        })
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.body["code"], "user/method-not-allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_lists_the_active_suspensions() {
    let server = TestServer::start().await;
    let id = server.create(&user(13)).await;
    let uuid = uuid::Uuid::parse_str(&id).unwrap();
    let project = "sandbox".parse().unwrap();
    let now = jiff::Timestamp::now();
    let later = now + jiff::SignedDuration::from_hours(24);
    let past = now - jiff::SignedDuration::from_hours(48);
    server
        .store
        .suspend(
            &project,
            uuid,
            "payment overdue",
            now,
            Some(later),
            &crate::harness::by_test(fitmate_store::AuditAction::Suspend),
        )
        .await
        .unwrap();
    // One that ended yesterday is not listed.
    server
        .store
        .suspend(
            &project,
            uuid,
            "old",
            past,
            Some(now - jiff::SignedDuration::from_hours(24)),
            &crate::harness::by_test(fitmate_store::AuditAction::Suspend),
        )
        .await
        .unwrap();
    let answer = server
        .patch_own(&id, &json!({"update": {"bio": "x"}}))
        .await;
    let suspensions = answer.body["suspensions"].as_array().unwrap();
    assert_eq!(suspensions.len(), 1, "{suspensions:?}");
    assert_eq!(suspensions[0]["reason"], "payment overdue");
    assert!(suspensions[0]["startDate"].is_string() && suspensions[0]["endDate"].is_string());

    server
        .store
        .unsuspend(
            &project,
            uuid,
            jiff::Timestamp::now(),
            &crate::harness::by_test(fitmate_store::AuditAction::Unsuspend),
        )
        .await
        .unwrap();
    let answer = server
        .patch_own(&id, &json!({"update": {"bio": "y"}}))
        .await;
    assert_eq!(answer.body["suspensions"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_too_large_or_not_json_get_json_errors_in_their_surface() {
    let server = TestServer::start().await;
    let id = server.create(&user(14)).await;
    let big = format!("{{\"email\": \"{}\"}}", "a".repeat(70 * 1024));

    let answer = server
        .raw(|c, base| {
            c.post(format!("{base}/users/retrieve"))
                .bearer_auth(&server.key)
                .header("content-type", "application/json")
                .body(big.clone())
        })
        .await;
    assert_eq!(answer.status, 413);
    assert!(answer.content_type.starts_with("application/json"));
    assert!(answer.body["message"].as_str().unwrap().contains("64 KiB"));

    // Without a Content-Length (chunked), the limit stops the stream instead.
    let raw = chunked_request(&server, &format!("/sandbox/users/{id}"), big.as_bytes()).await;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert!(raw.contains("user/payload-too-large"), "{raw}");

    let answer = server
        .raw(|c, base| {
            c.patch(format!("{base}/sandbox/users/{id}"))
                .bearer_auth(&server.key)
                .header("content-type", "text/plain")
                .body("{}")
        })
        .await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.body["code"], "user/unsupported-media-type");
    assert_eq!(answer.version, "2023-10-04");
}

/// Sends a PATCH with a chunked body over a bare socket; answers the raw response.
async fn chunked_request(server: &TestServer, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.key
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(8 * 1024) {
        let sent = async {
            socket
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            socket.write_all(chunk).await?;
            socket.write_all(b"\r\n").await
        };
        // The server may answer and close before the whole body is sent.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_the_openapi_documents_are_served_without_a_key() {
    let server = TestServer::start().await;
    let health = server.raw(|c, base| c.get(format!("{base}/healthz"))).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body, json!({"status": "ok"}));
    assert_eq!(health.version, ApiVersion::CURRENT.as_str());

    let document = server
        .raw(|c, base| c.get(format!("{base}/openapi.json")))
        .await;
    assert_eq!(document.status, 200);
    let shipped: Value = serde_json::from_slice(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/openapi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        document.body, shipped,
        "the server serves the shipped document"
    );
    for version in ["2023-08-01", "2023-10-04"] {
        let document = server
            .raw(|c, base| c.get(format!("{base}/openapi/{version}.json")))
            .await;
        assert_eq!(document.status, 200, "{version}");
        let shipped: Value = serde_json::from_slice(
            &std::fs::read(format!(
                "{}/schemas/{version}/openapi.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(document.body, shipped, "the shipped document of {version}");
        assert_eq!(
            document.body["components"]["parameters"]["FitmateVersion"]["schema"]["enum"],
            json!([version])
        );
    }
    for missing in ["2024-01-01.json", "2023-10-04", "openapi.json"] {
        let answer = server
            .raw(|c, base| c.get(format!("{base}/openapi/{missing}")))
            .await;
        assert_eq!(answer.status, 404, "{missing}");
    }

    let unknown = server.raw(|c, base| c.get(format!("{base}/nowhere"))).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body["message"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_kept_when_well_formed_and_replaced_otherwise() {
    let server = TestServer::start().await;
    let id_of = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let client = reqwest::Client::new();
    let kept = client
        .get(format!("{}/healthz", server.base))
        .header("x-request-id", "partner-42")
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&kept), "partner-42");
    let replaced = client
        .get(format!("{}/healthz", server.base))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert!(uuid::Uuid::parse_str(&id_of(&replaced)).is_ok());
}

/// A key past its rate gets 429 with Retry-After on both surfaces; another key of the same
/// project is not held back; the key works again once the wait is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_past_its_rate_gets_429_with_retry_after() {
    use std::num::NonZeroU32;
    let mut config = fitmate_transport::server::ServerConfig::default();
    config.rate_limit = Some(fitmate_transport::server::RateLimit {
        per_second: NonZeroU32::new(1).unwrap(),
        burst: NonZeroU32::new(3).unwrap(),
    });
    let server = TestServer::start_with(config).await;
    let body = json!({"email": "nobody@clinic.example"});
    for _ in 0..3 {
        assert_eq!(server.post("/users/retrieve", &body).await.status, 404);
    }
    let client = reqwest::Client::new();
    let limited = client
        .post(format!("{}/users/retrieve", server.base))
        .bearer_auth(&server.key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "Retry-After: {wait}");
    let answer: Value = limited.json().await.unwrap();
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many requests for this API key"),
        "{answer}"
    );
    let project = server
        .patch_own(
            "00000000-0000-4000-8000-000000000000",
            &json!({"update": {"bio": "x"}}),
        )
        .await;
    assert_eq!(project.status, 429);
    assert_eq!(project.body["code"], "user/rate-limited");

    // Another key of the same project has its own bucket.
    let other = server.key_for("sandbox", ApiVersion::V2023_10_04).await;
    let answer = server
        .send(Method::POST, "/users/retrieve", Some(&other), None, &body)
        .await;
    assert_eq!(answer.status, 404);

    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(server.post("/users/retrieve", &body).await.status, 404);
}

/// A request head past 64 KiB, or with more than 100 header fields, is refused with 431
/// before any handler runs, so a client cannot make the server hold large header blocks;
/// one of 30 KiB is read as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_header_blocks_get_431() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start().await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let padding = |kib: usize| format!("X-Padding: {}\r\n", "a".repeat(kib * 1024));
    let many: String = (0..150).map(|n| format!("X-Field-{n}: {n}\r\n")).collect();
    for (extra, status) in [(padding(30), "400"), (padding(70), "431"), (many, "431")] {
        let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /users/retrieve HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Authorization: Bearer {}\r\n{extra}\
             Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}",
            server.key
        );
        // The server may close before reading everything; the answer is what matters.
        let _ = socket.write_all(head.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        // 400: the head was read and the body `{}` lacks an email.
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{}",
            &answer[..answer.len().min(200)]
        );
    }
    // A normal request still works.
    let body = json!({"email": "nobody@clinic.example"});
    assert_eq!(server.post("/users/retrieve", &body).await.status, 404);
}

/// A client that sends its body too slowly gets 408 and loses the connection once the body
/// timeout has passed, on both surfaces and the magic-link endpoint; a large body sent at
/// once is read as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_too_slowly_gets_408_and_the_connection_closes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = fitmate_transport::server::ServerConfig::default();
    config.body_read_timeout = std::time::Duration::from_millis(300);
    let server = TestServer::start_with(config).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let body = serde_json::to_vec(&user(4080)).unwrap();
    let someone = uuid::Uuid::new_v4();
    for (method, path, code) in [
        ("POST", "/users/create".to_owned(), None),
        (
            "PATCH",
            format!("/sandbox/users/{someone}"),
            Some("user/request-timeout"),
        ),
        ("POST", "/auth/magic-link/redeem".to_owned(), None),
    ] {
        let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            server.key,
            body.len()
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        // Half the body, then nothing: the rest never comes.
        socket.write_all(&body[..body.len() / 2]).await.unwrap();
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let closed = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            socket.read_to_end(&mut answer),
        )
        .await;
        assert!(
            closed.is_ok(),
            "{path}: the connection was still open after 5 s"
        );
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(250),
            "{path}: answered before the timeout"
        );
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{path}: {answer}"
        );
        let json = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
        let json: Value = serde_json::from_str(json).unwrap_or_default();
        let message = json.get("message").or_else(|| json.get("error"));
        assert!(
            message
                .and_then(Value::as_str)
                .is_some_and(|m| m.contains("did not arrive")),
            "{path}: {json}"
        );
        if let Some(code) = code {
            assert_eq!(json["code"], code, "{path}");
        }
    }
    // A body declared over 64 KiB and sent slowly is still too large: 413, not 408, since
    // sending it again would not help.
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /users/create HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"email\": ",
        server.key
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        socket.read_to_end(&mut answer),
    )
    .await;
    assert!(closed.is_ok(), "the connection was still open after 5 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // A body of 60 KiB sent at once is within the timeout: read, and answered as usual.
    let padded = format!(
        "{{\"email\": \"nobody@clinic.example\"{}}}",
        " ".repeat(60 * 1024)
    );
    let answer = reqwest::Client::new()
        .post(format!("{}/users/retrieve", server.base))
        .bearer_auth(&server.key)
        .header("content-type", "application/json")
        .body(padded)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
}

/// A client that sends its headers too slowly, or sits idle on a connection, loses the
/// connection once the header timeout has passed, so slow clients cannot hold connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_or_idle_clients_lose_their_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = fitmate_transport::server::ServerConfig::default();
    config.header_read_timeout = std::time::Duration::from_millis(300);
    let server = TestServer::start_with(config).await;
    let addr = server.base.trim_start_matches("http://").to_owned();

    let started = std::time::Instant::now();
    // Half a request head, then nothing.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"POST /users/retrieve HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // And a connection that never sends anything.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();

    for socket in [&mut slow, &mut idle] {
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            socket.read_to_end(&mut rest),
        )
        .await;
        assert!(closed.is_ok(), "the connection was still open after 5 s");
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(250),
            "closed before the timeout"
        );
        // Nothing but possibly a 408 is sent.
        let answer = String::from_utf8_lossy(&rest);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
    }
}
