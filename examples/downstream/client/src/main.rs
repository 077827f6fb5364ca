//! Retrieves a user from a fitmate server with the typed client.
//!
//! Run: `cargo run -p client -- http://127.0.0.1:8080 fm_... jane@doe.com`

use fitmate_transport::client::{Client, Environment, Error};
use fitmate_transport::model::rules::Email;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, key, email] = args.as_slice() else {
        eprintln!("usage: client BASE_URL API_KEY EMAIL");
        std::process::exit(2);
    };
    let client = Client::builder(Environment::Custom(base.clone()), key.clone()).build()?;
    match client.retrieve_user(&Email::parse(email)?).await {
        Ok(found) => println!("user {} ({})", found.identifier, found.message),
        Err(Error::NotFound) => println!("no user with that email"),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
