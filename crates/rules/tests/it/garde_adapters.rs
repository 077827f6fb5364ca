//! The garde validators give the verdicts of the types they stand for.

use garde::Validate;

#[derive(Validate)]
struct Patient {
    #[garde(custom(fitmate_rules::garde::email))]
    email: String,
    #[garde(custom(fitmate_rules::garde::phone_number))]
    phone: String,
    #[garde(custom(fitmate_rules::garde::diabetes))]
    diabetes: u8,
    #[garde(custom(fitmate_rules::garde::pounds))]
    weight: f64,
    #[garde(custom(fitmate_rules::garde::coordinates))]
    location: (f64, f64),
}

#[test]
fn a_good_struct_passes() {
    let patient = Patient {
        email: "jane@doe.com".into(),
        phone: "1234567890".into(),
        diabetes: 2,
        weight: 130.0,
        location: (-118.25, 34.05),
    };
    assert!(patient.validate().is_ok());
}

#[test]
fn every_bad_field_is_reported_with_the_rule_message() {
    let patient = Patient {
        email: "jane@".into(),
        phone: "12".into(),
        diabetes: 4,
        weight: 0.0,
        location: (34.05, -118.25),
    };
    let report = patient.validate().unwrap_err();
    let messages: Vec<(String, String)> = report
        .iter()
        .map(|(path, error)| (path.to_string(), error.message().to_owned()))
        .collect();
    insta::assert_debug_snapshot!(messages);
}
