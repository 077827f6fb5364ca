//! Reads a 2023-08-01 create body, renders the user in both versions, and lists the
//! faults of a bad body, with `fitmate-model` alone and none of its optional features.

use fitmate_model::ApiVersion;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let body = br#"{"email": "ada@clinic.example", "firstname": "Ada", "lastname": "Lovelace",
        "phonenumber": "+44 20 7946 0000", "dateOfBirth": "1985-12-10", "gender": "female",
        "height": "5ft 5in", "weight": 140, "pregnant": false}"#;
    let user = ApiVersion::V2023_08_01.read_create(body)?;
    for version in [ApiVersion::V2023_08_01, ApiVersion::V2023_10_04] {
        let rendered = serde_json::Value::Object(version.render_user(&user));
        println!("{version}: {rendered}");
    }

    let bad = br#"{"email": "ada@", "height": "5'5\"", "sex": "female", "gender": "male"}"#;
    let report = ApiVersion::V2023_10_04.read_create(bad).unwrap_err();
    for fault in report.faults() {
        println!(
            "{}: {} ({})",
            fault.field,
            fault.message,
            fault.code.as_str()
        );
    }
    Ok(())
}
