//! Checks a struct of the project's own with the rules' garde validators, checks a head
//! request with garde, and prints what the JSON Schema of the current create request
//! requires.

use fitmate_model::{head, root_schema};
use garde::Validate;

/// A sign-up form of a partner's own, keeping plain strings.
#[derive(Validate)]
struct SignUp {
    #[garde(custom(fitmate_rules::garde::email))]
    email: String,
    #[garde(custom(fitmate_rules::garde::height))]
    height: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let form = SignUp {
        email: "ada@clinic.example".into(),
        height: "5ft 13in".into(),
    };
    if let Err(report) = form.validate() {
        print!("sign-up form: {report}");
    }

    // A request built in Rust: each field's type holds its own rule, and garde's `validate`
    // adds the rules across fields (here: a male user cannot be pregnant).
    let mut request = head::CreateUserRequest::from_slice(
        br#"{"email": "ada@clinic.example", "firstname": "Ada", "lastname": "Lovelace",
             "phonenumber": "+44 20 7946 0000", "dateOfBirth": "1985-12-10", "sex": "male",
             "height": "5ft 5in", "currentWeight": 140, "pregnant": false, "diabetes": 1,
             "glp1drugs": false, "paymentPlan": 12, "planStartDate": "2027-01-01",
             "medicalClearance": "nutrition"}"#,
    )?;
    request.validate()?;
    request.pregnant = Some(true);
    if let Err(report) = request.validate() {
        print!("create request: {report}");
    }

    let schema = root_schema::<head::CreateUserRequest>();
    let required = schema.get("required").cloned().unwrap_or_default();
    println!("the create request's schema requires {required}");
    Ok(())
}
