//! The bare hyper endpoint: the ceiling a server on this machine can reach, measured beside
//! fitmate in the same run (by `benches/load.rs` in process, and as its own release binary,
//! `cargo build --release --example bare-hyper`, by `bench/load.sh`).

use std::convert::Infallible;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use tokio::net::TcpListener;

/// A server answering every request with a fixed JSON body, after reading the request body.
pub(crate) async fn bare_endpoint(listener: TcpListener) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                |request: Request<hyper::body::Incoming>| async move {
                    let _ = request.into_body().collect().await;
                    let mut response = Response::new(Full::new(Bytes::from_static(
                    br#"{"message":"User created successfully","email":"a@b.co","identifier":"3f1c2a4e-8b5d-4c6e-9f70-1a2b3c4d5e6f"}"#,
                )));
                    response.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, Infallible>(response)
                },
            );
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                .await;
        });
    }
}
