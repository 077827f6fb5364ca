//! Two server replicas on one PostgreSQL database: racing creates spread over both give one
//! success, and every welcome email is delivered exactly once by one of them.
//!
//! Needs `FITMATE_TEST_DATABASE=postgres://…`; `.ci/run` runs it with `--include-ignored`.

use std::time::{Duration, Instant};

use fitmate_model::ApiVersion;
use fitmate_store::{AnyStore, NewProject, Store};
use fitmate_transport::server::{App, Delivery, MailConfig, ServerConfig, serve};
use serde_json::json;

use crate::harness::{canonical_user, fresh_schema, test_store_in, user};

struct Replica {
    base: String,
    mail: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn replica(store: AnyStore) -> Replica {
    let mail = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::default();
    let mut mailing = MailConfig::drop_into(mail.path(), "https://app.fitmate.example/welcome");
    mailing.delivery = Delivery::Drop(mail.path().to_owned());
    mailing.poll_every = Duration::from_millis(100);
    config.mail = Some(mailing);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, App::new(store, config), async {
        let _ = stopped.await;
    }));
    Replica {
        base,
        mail,
        _stop: stop,
    }
}

/// Two stores on one fresh PostgreSQL schema, as two replicas have them, with project
/// `sandbox` and a key of it pinned to 2023-10-04.
async fn two_stores_of_sandbox() -> (String, [AnyStore; 2]) {
    let url = crate::harness::postgres_test_url();
    let schema = fresh_schema(&url).await;
    let first = test_store_in(&url, &schema).await;
    let second = test_store_in(&url, &schema).await;
    first
        .create_project(&NewProject::new("sandbox".parse().unwrap()))
        .await
        .unwrap();
    let (key, _) = first
        .create_key(&"sandbox".parse().unwrap(), ApiVersion::V2023_10_04)
        .await
        .unwrap();
    (key.expose().to_owned(), [first, second])
}

fn delivered(replicas: &[&Replica]) -> Vec<String> {
    let mut recipients = Vec::new();
    for replica in replicas {
        for entry in std::fs::read_dir(replica.mail.path()).unwrap().flatten() {
            let email = std::fs::read_to_string(entry.path()).unwrap();
            if let Some(to) = email.lines().find(|l| l.starts_with("To: ")) {
                recipients.push(to.to_owned());
            }
        }
    }
    recipients.sort();
    recipients
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: FITMATE_TEST_DATABASE=postgres://… cargo test -- --ignored"]
async fn two_replicas_share_uniqueness_and_deliver_each_email_once() {
    let (key, [first_store, second_store]) = two_stores_of_sandbox().await;
    let first = replica(first_store).await;
    let second = replica(second_store).await;
    let client = reqwest::Client::new();

    // 64 racing creates of one email, alternating between the replicas.
    let mut racing = Vec::new();
    for n in 0..64u32 {
        let base = if n % 2 == 0 {
            &first.base
        } else {
            &second.base
        }
        .clone();
        let (client, key) = (client.clone(), key.clone());
        racing.push(tokio::spawn(async move {
            let mut body = user(1000 + n);
            body["email"] = json!("race@clinic.example");
            client
                .post(format!("{base}/users/create"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in racing {
        statuses.push(task.await.unwrap());
    }
    let won = statuses.iter().filter(|s| **s == 200).count();
    let lost = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((won, lost), (1, 63), "{statuses:?}");

    // 20 more users, half through each replica: 21 welcome emails in all.
    for n in 0..20u32 {
        let base = if n % 2 == 0 {
            &first.base
        } else {
            &second.base
        };
        let status = client
            .post(format!("{base}/users/create"))
            .bearer_auth(&key)
            .json(&user(n))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    let started = Instant::now();
    while delivered(&[&first, &second]).len() < 21 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a duplicate to show up, if a second replica were to send one.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let recipients = delivered(&[&first, &second]);
    let mut unique = recipients.clone();
    unique.dedup();
    assert_eq!(recipients.len(), 21, "{recipients:?}");
    assert_eq!(
        unique.len(),
        21,
        "an email was delivered twice: {recipients:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: FITMATE_TEST_DATABASE=postgres://… cargo test -- --ignored"]
async fn an_email_held_by_a_replica_that_died_is_sent_by_another_after_the_lease() {
    use fitmate_store::CLAIM_LEASE;
    use jiff::{SignedDuration, Timestamp};

    let url = crate::harness::postgres_test_url();
    let schema = fresh_schema(&url).await;
    let dead = test_store_in(&url, &schema).await;
    let alive = test_store_in(&url, &schema).await;
    let project = "sandbox".parse().unwrap();
    dead.create_project(&NewProject::new("sandbox".parse().unwrap()))
        .await
        .unwrap();
    for n in 0..3 {
        dead.create_user(
            &project,
            &canonical_user(n),
            &crate::harness::by_test(fitmate_store::AuditAction::Create),
        )
        .await
        .unwrap();
    }

    // One replica claims all three and then dies without marking any of them.
    let now = Timestamp::now();
    let held = dead.claim_due_emails(now, 10).await.unwrap();
    assert_eq!(held.len(), 3);
    drop(dead);

    // While the lease runs, the other replica gets none of them.
    let during = now + SignedDuration::from_secs(1);
    assert!(alive.claim_due_emails(during, 10).await.unwrap().is_empty());

    // Once it has run out, the other replica takes them over, and they are sent once.
    let lease = SignedDuration::try_from(CLAIM_LEASE).unwrap();
    let after = now + lease + SignedDuration::from_secs(1);
    let taken = alive.claim_due_emails(after, 10).await.unwrap();
    let mut ids: Vec<i64> = taken.iter().map(|email| email.id).collect();
    let mut held_ids: Vec<i64> = held.iter().map(|email| email.id).collect();
    ids.sort();
    held_ids.sort();
    assert_eq!(ids, held_ids);
    for email in &taken {
        alive.email_delivered(email.id, after).await.unwrap();
    }
    let much_later = after + lease + lease;
    assert!(
        alive
            .claim_due_emails(much_later, 10)
            .await
            .unwrap()
            .is_empty(),
        "a delivered email was claimed again"
    );

    // A replica that stops gives back what it claimed and did not attempt: no lease to wait.
    let other = test_store_in(&url, &schema).await;
    alive
        .create_user(
            &project,
            &canonical_user(3),
            &crate::harness::by_test(fitmate_store::AuditAction::Create),
        )
        .await
        .unwrap();
    let stopping = alive.claim_due_emails(much_later, 10).await.unwrap();
    assert_eq!(stopping.len(), 1);
    assert!(
        other
            .claim_due_emails(much_later, 10)
            .await
            .unwrap()
            .is_empty()
    );
    alive.release_emails(&[stopping[0].id]).await.unwrap();
    let given_back = other.claim_due_emails(much_later, 10).await.unwrap();
    assert_eq!(given_back.len(), 1);
    assert_eq!(given_back[0].id, stopping[0].id);
}

/// A write sent with an Idempotency-Key to one replica is replayed by the other, and another
/// request under the key is refused there: the key is the database's, not a replica's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: FITMATE_TEST_DATABASE=postgres://… cargo test -- --ignored"]
async fn idempotency_keys_hold_across_replicas() {
    let (key, [first_store, second_store]) = two_stores_of_sandbox().await;
    let first = replica(first_store).await;
    let second = replica(second_store.clone()).await;
    let post = reqwest::Method::POST;
    let created = crate::idempotency::send_keyed(
        &first.base,
        &key,
        post.clone(),
        "/users/create",
        "across",
        &user(1),
    )
    .await;
    assert_eq!(created.0, 200);
    let replayed = crate::idempotency::send_keyed(
        &second.base,
        &key,
        post.clone(),
        "/users/create",
        "across",
        &user(1),
    )
    .await;
    assert_eq!((replayed.0, replayed.1.as_deref()), (200, Some("true")));
    assert_eq!(replayed.2, created.2);
    let other = crate::idempotency::send_keyed(
        &second.base,
        &key,
        post,
        "/users/create",
        "across",
        &user(2),
    )
    .await;
    assert_eq!(other.0, 422);
    let users = second_store
        .audit_events(&fitmate_store::AuditFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "create")
        .count();
    assert_eq!(users, 1);
}
