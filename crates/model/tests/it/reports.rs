//! Whole reports as the server and `fitmate validate` give them: every fault of a body, in
//! order, with its path, code and message.

use fitmate_model::rules::Report;
use fitmate_model::{ApiVersion, head, projects};

fn shown(report: Report) -> String {
    report
        .faults()
        .iter()
        .map(|f| format!("{} [{}] {}\n", f.field, f.code, f.message))
        .collect()
}

#[test]
fn a_create_body_with_many_faults_reports_each_once() {
    let body = br#"{
        "email": "jane@",
        "firstname": "  ",
        "lastname": "doe",
        "lastname": "doe",
        "phonenumber": "12",
        "dateOfBirth": "1990-02-30",
        "sex": "male",
        "gender": "female",
        "height": "5ft 13in",
        "pregnant": true,
        "diabetes": 4,
        "glp1drugs": null,
        "paymentPlan": "1",
        "planStartDate": "2023-10-30",
        "medicalClearance": "partial",
        "currentWeight": 0,
        "weight": "heavy",
        "emial": "x",
        "metadata": {"": 1}
    }"#;
    let report = head::CreateUserRequest::from_slice(body).unwrap_err();
    insta::assert_snapshot!(shown(report));
}

#[test]
fn an_old_version_update_reports_its_own_rules() {
    let body = br#"{"email": "jane@doe.com", "gender": "male", "pregnant": true, "weight": 1501}"#;
    let report = ApiVersion::V2023_08_01.read_update(body).unwrap_err();
    insta::assert_snapshot!(shown(report));
}

#[test]
fn a_project_patch_reports_both_members_of_a_bad_location() {
    let body = br#"{"update": {
        "username": "!!!",
        "location": {"longitude": 200, "latitude": 95},
        "birthdate": "1990-01-01T25:00:00Z",
        "avatar": "ftp://example.com/a.png"
    }}"#;
    let report = projects::UpdateUserRequest::from_slice(body).unwrap_err();
    insta::assert_snapshot!(shown(report));
}
