//! What one caller can cost the server: bounded answers, bounded reads, limits per address.

use serde_json::{Map, Value, json};

use crate::harness::{TestServer, user};

/// A body of 2,000 unknown fields gets 100 faults and one that counts the rest, not 2,000
/// faults each with a did-you-mean search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lists_at_most_a_hundred_faults_and_counts_the_rest() {
    let server = TestServer::start().await;
    let mut body: Map<String, Value> = user(1).as_object().unwrap().clone();
    for i in 0..2000 {
        body.insert(format!("unknownField{i}"), json!(i));
    }
    let answer = server
        .post_in("2023-10-04", "/users/create", &Value::Object(body))
        .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    let errors = answer.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101);
    assert!(errors[..100].iter().all(|e| e["code"] == "unknown_field"));
    assert_eq!(errors[100]["code"], "too_many_faults");
    assert_eq!(
        errors[100]["message"],
        "1900 more faults were found and not listed"
    );
}
