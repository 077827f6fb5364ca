//! What the server and the crates keep to themselves: no personal value or credential in a
//! `Debug` form.

use fitmate_store::NewProject;
use fitmate_transport::client::{Client, Environment};

use crate::harness::{TestServer, user};

/// The values of `user(1)` that name or describe the person, as they would show in a
/// `Debug` form (the date's parts, the height's numbers).
const USER_ONE_VALUES: &[&str] = &[
    "Lovelace",
    "patient1@",
    "0000001",
    "1985",
    "feet: 5",
    "5ft",
    "150.0",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_of_user_data_and_credentials_shows_no_value() {
    let server = TestServer::start().await;
    let body = user(1);
    let id = server.create(&body).await;
    let stored = server.stored(&id).await;
    let bytes = serde_json::to_vec(&body).unwrap();
    let canonical = fitmate_model::ApiVersion::V2023_10_04
        .read_create(&bytes)
        .unwrap();
    let request: fitmate_model::head::CreateUserRequest =
        fitmate_model::parse_body(&bytes).unwrap();
    let retrieve = server
        .post_in(
            "2023-10-04",
            "/users/retrieve",
            &serde_json::json!({"email": body["email"]}),
        )
        .await;
    let rendered: fitmate_model::head::RetrieveUserResponse =
        serde_json::from_value(retrieve.body).unwrap();

    for shown in [
        format!("{stored:?}"),
        format!("{canonical:?}"),
        format!("{request:?}"),
        format!("{rendered:?}"),
        format!("{:?}", stored.user.email),
    ] {
        assert!(shown.contains("<redacted>"), "{shown}");
        for value in USER_ONE_VALUES {
            assert!(!shown.contains(value), "Debug shows {value:?}: {shown}");
        }
    }

    let builder = Client::builder(
        Environment::Custom("http://127.0.0.1:1".into()),
        "fm_live_key_do_not_print",
    );
    assert!(!format!("{builder:?}").contains("do_not_print"));
    let mut project = NewProject::new("clinic".parse().unwrap());
    project.webhook_secret = Some("whsec_do_not_print".into());
    assert!(!format!("{project:?}").contains("do_not_print"));
}
