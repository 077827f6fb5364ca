//! The bare hyper endpoint as a release binary of its own: the ceiling `bench/load.sh` runs
//! beside `fitmate serve`. It reads each request's body and answers a fixed 110-byte JSON
//! body, on tokio's default runtime (one worker per core), as the server has.
//!
//! Run: `cargo run --release --example bare-hyper -- 127.0.0.1:18190`

#![allow(clippy::unwrap_used)] // a bench tool: a failed bind is a failed run

#[path = "../benches/support/bare.rs"]
mod bare;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18190".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    bare::bare_endpoint(listener).await;
}
