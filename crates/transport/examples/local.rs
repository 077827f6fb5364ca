//! Create, update and read back a user on a local `fitmate serve` with the typed client.
//!
//! Run (with `cargo run --release -- serve` running and its printed key):
//!
//! ```sh
//! cargo run -p fitmate-transport --features client --example local -- http://127.0.0.1:8080 fm_...
//! ```
//!
//! It prints the user's identifier, then the user as version 2023-08-01 renders it. Run it
//! twice: the second time the create is refused with "Email already exists", and the rest
//! still runs.

use fitmate_transport::client::{Client, Environment, Error};
use fitmate_transport::model::rules::Email;
use fitmate_transport::model::{ApiVersion, head};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(base), Some(key)) = (args.next(), args.next()) else {
        eprintln!("usage: local BASE_URL API_KEY   (e.g. http://127.0.0.1:8080 fm_...)");
        std::process::exit(2);
    };
    let client = Client::builder(Environment::Custom(base), key).build()?;

    let create = head::CreateUserRequest::from_slice(
        br#"{"email": "example@clinic.example", "firstname": "Ada", "lastname": "Lovelace",
             "phonenumber": "+44 20 7946 0000", "dateOfBirth": "1985-12-10", "sex": "female",
             "height": "5ft 5in", "currentWeight": 140, "pregnant": false, "diabetes": 1,
             "glp1drugs": false, "paymentPlan": 12, "planStartDate": "2027-01-01",
             "medicalClearance": "nutrition"}"#,
    )?;
    match client.create_user(&create).await {
        Ok(created) => println!("created {}", created.identifier),
        Err(Error::EmailExists) => println!("Email already exists"),
        Err(other) => return Err(other.into()),
    }

    let update = head::UpdateUserRequest::from_slice(
        br#"{"email": "example@clinic.example", "glp1drugs": true}"#,
    )?;
    client.update_user(&update).await?;

    let email = Email::parse("example@clinic.example")?;
    // Read back as the older version renders it: gender and weight.
    let found = client
        .in_version(ApiVersion::V2023_08_01)
        .retrieve_user(&email)
        .await?;
    println!("{}", serde_json::to_string_pretty(&found)?);
    Ok(())
}
