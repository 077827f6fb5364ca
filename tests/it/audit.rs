//! The audit trail: one event per read or write of a user's data, naming the actor, the
//! action and the fields, never their values; and erasure, which leaves the trail.

use fitmate_store::{AuditAction, AuditFilter, AuditRecord, OPERATOR, Store};
use serde_json::json;

use crate::harness::{TestServer, user};

/// The values of `user(1)` and of what the test writes: none may be in the trail.
const VALUES: &[&str] = &[
    "patient1@clinic.example",
    "Lovelace",
    "5550000001",
    "1985-03-14",
    "5ft 6in",
    "Marathoner",
    "MRN-31337",
];

async fn events_of(server: &TestServer, id: &str) -> Vec<AuditRecord> {
    let mut filter = AuditFilter::default();
    filter.user = Some(id.parse().unwrap());
    server.store.audit_events(&filter).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_read_and_write_leaves_one_event_naming_fields_never_values() {
    let server = TestServer::start().await;
    let prefix = &server.key[..12];
    let id = server.create(&user(1)).await;

    let updated = server
        .post_in(
            "2023-10-04",
            "/users/update",
            &json!({"email": "patient1@clinic.example", "glp1drugs": false}),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    let retrieved = server
        .post_in(
            "2023-10-04",
            "/users/retrieve",
            &json!({"email": "patient1@clinic.example"}),
        )
        .await;
    assert_eq!(retrieved.status, 200);
    let patched = server
        .patch_own(
            &id,
            &json!({"update": {"bio": "Marathoner", "secureMetadata": {"mrn": "MRN-31337"}}}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let (token, hash) = fitmate_store::new_magic_token().unwrap();
    let now = jiff::Timestamp::now();
    server
        .store
        .create_magic_link(
            id.parse().unwrap(),
            hash,
            now,
            now + jiff::SignedDuration::from_hours(1),
        )
        .await
        .unwrap();
    let redeemed = server
        .send(
            reqwest::Method::POST,
            "/auth/magic-link/redeem",
            None,
            None,
            &json!({"token": token}),
        )
        .await;
    assert_eq!(redeemed.status, 200);
    // What fails writes nothing, so it leaves no event: a create of a taken email.
    let total = |server: &TestServer| {
        let store = server.store.clone();
        async move {
            store
                .audit_events(&AuditFilter::default())
                .await
                .unwrap()
                .len()
        }
    };
    let before = total(&server).await;
    let taken = server
        .post_in("2023-10-04", "/users/create", &user(1))
        .await;
    assert_eq!(taken.status, 409);
    assert_eq!(
        total(&server).await,
        before,
        "a refused create leaves no event"
    );

    let events = events_of(&server, &id).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "retrieve", "patch", "redeem"]);
    for event in &events[..4] {
        assert_eq!(event.actor, prefix, "{event:?}");
        assert_eq!(event.project.as_str(), "sandbox");
        assert_eq!(event.request_id.len(), 36, "a request id: {event:?}");
    }
    assert_eq!(events[4].actor, fitmate_store::MAGIC_LINK);
    let fields = |n: usize| {
        events[n]
            .fields
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    };
    assert!(
        fields(0).contains(&"email") && fields(0).contains(&"dateOfBirth"),
        "{:?}",
        fields(0)
    );
    assert_eq!(fields(1), ["glp1drugs"]);
    let returned: Vec<&str> = retrieved.body["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut listed = fields(2);
    listed.sort_unstable();
    let mut returned = returned;
    returned.sort_unstable();
    assert_eq!(listed, returned, "a retrieve lists the fields it returned");
    assert_eq!(fields(3), ["bio", "secureMetadata"]);

    let all = server
        .store
        .audit_events(&AuditFilter::default())
        .await
        .unwrap();
    let text = format!("{all:?}");
    for value in VALUES {
        assert!(!text.contains(value), "the audit trail holds {value:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_a_user_removes_its_data_and_keeps_its_events() {
    let server = TestServer::start().await;
    let id = server.create(&user(1)).await;
    let uuid = id.parse().unwrap();
    let project = "sandbox".parse().unwrap();
    let operator =
        fitmate_store::AuditEvent::new(OPERATOR, "op-1", AuditAction::Suspend, ["suspensions"]);
    server
        .store
        .suspend(
            &project,
            uuid,
            "chargeback",
            jiff::Timestamp::now(),
            None,
            &operator,
        )
        .await
        .unwrap();
    let erase = fitmate_store::AuditEvent::new(OPERATOR, "op-2", AuditAction::Delete, [""; 0]);
    server
        .store
        .delete_user(&project, uuid, &erase)
        .await
        .unwrap();

    assert!(
        server
            .store
            .user_by_id(&project, uuid)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        server
            .store
            .active_suspensions(uuid, jiff::Timestamp::now())
            .await
            .unwrap()
            .is_empty()
    );
    let emails = server.store.emails(None, false, 100).await.unwrap();
    assert!(emails.iter().all(|e| e.user != uuid), "{emails:?}");
    let retrieved = server
        .post_in(
            "2023-10-04",
            "/users/retrieve",
            &json!({"email": "patient1@clinic.example"}),
        )
        .await;
    assert_eq!(retrieved.status, 404);
    // The email is free again: a new user may take it.
    server.create(&user(1)).await;
    assert!(matches!(
        server.store.delete_user(&project, uuid, &erase).await,
        Err(fitmate_store::StoreError::NotFound(_))
    ));

    let actions: Vec<String> = events_of(&server, &id)
        .await
        .into_iter()
        .map(|e| format!("{} {}", e.actor, e.action))
        .collect();
    assert_eq!(
        actions,
        [
            format!("{} create", &server.key[..12]),
            "operator suspend".to_owned(),
            "operator delete".to_owned(),
        ]
    );
}
