//! The last word on every response: JSON error bodies in the path's error format, and the
//! `Fitmate-Version` header.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use fitmate_model::ApiVersion;
use http::HeaderValue;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};

use super::REQUEST_ID_HEADER;
use super::error::ApiError;
use super::extract::{VERSION_HEADER, VersionSlot, requested_version};
use super::metrics::Rejected;
use crate::error_format::ErrorFormat;

/// A layer that gives every response of the inner service its final form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FinishLayer;

impl<S> tower::Layer<S> for FinishLayer {
    type Service = Finish<S>;
    fn layer(&self, inner: S) -> Finish<S> {
        Finish { inner }
    }
}

/// See [`FinishLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Finish<S> {
    inner: S,
}

/// What the response needs to know of its request.
#[derive(Debug)]
struct Asked {
    format: ErrorFormat,
    request_id: Option<HeaderValue>,
    /// The version the header named, if a known one; else the current version.
    version: ApiVersion,
    /// The version the request ended up using, once a key was read.
    used: VersionSlot,
}

impl<S, B> tower::Service<Request> for Finish<S>
where
    S: tower::Service<Request, Response = http::Response<B>>,
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = FinishFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let used = VersionSlot::default();
        let asked = Asked {
            format: ErrorFormat::of(request.uri().path()),
            request_id: request.headers().get(&REQUEST_ID_HEADER).cloned(),
            version: requested_version(request.headers())
                .ok()
                .flatten()
                .unwrap_or(ApiVersion::CURRENT),
            used: used.clone(),
        };
        request.extensions_mut().insert(used);
        FinishFuture {
            inner: self.inner.call(request),
            asked: Some(asked),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Finish`].
    pub(crate) struct FinishFuture<F> {
        #[pin]
        inner: F,
        asked: Option<Asked>,
    }
}

impl<F, B, E> Future for FinishFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?.map(axum::body::Body::new);
        Poll::Ready(Ok(match this.asked.take() {
            Some(asked) => finish(response, &asked),
            None => response,
        }))
    }
}

fn finish(mut response: Response, asked: &Asked) -> Response {
    let error = response.extensions_mut().remove::<ApiError>();
    let status = response.status();
    // A JSON error body, or one of the server's HTML pages, is already in its final form.
    let is_final = response.headers().get(CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
    });
    if error.is_some() || (status.is_client_error() || status.is_server_error()) && !is_final {
        let error = error.unwrap_or_else(|| ApiError::from_status(status));
        let request_id = asked
            .request_id
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let status = error.status();
        let retry_after = match &error {
            ApiError::RateLimited(wait) => Some(ApiError::retry_after_secs(*wait)),
            ApiError::IdempotencyKeyInUse => Some(1),
            _ => None,
        };
        let reason = error.reason();
        let body = error.body(asked.format, request_id);
        let mut rewritten = (status, body).into_response();
        rewritten.extensions_mut().insert(Rejected(reason));
        std::mem::swap(rewritten.headers_mut(), response.headers_mut());
        rewritten
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        rewritten.headers_mut().remove(CONTENT_LENGTH);
        if let Some(secs) = retry_after {
            rewritten
                .headers_mut()
                .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response = rewritten;
    }
    let version = asked.used.0.get().copied().unwrap_or(asked.version);
    response
        .headers_mut()
        .insert(VERSION_HEADER, HeaderValue::from_static(version.as_str()));
    response
}
