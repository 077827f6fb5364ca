//! The last word on every response: JSON error bodies in the path's error format, the
//! `Fitmate-Version` header, and, for a sandbox project's API request, its entry in the
//! project's request log.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use fitmate_model::ApiVersion;
use http::HeaderValue;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};

use super::REQUEST_ID_HEADER;
use super::error::ApiError;
use super::extract::{VERSION_HEADER, requested_version};
use super::metrics::Rejected;
use super::sandbox::{RequestLog, Trace};
use crate::error_format::ErrorFormat;

/// What a request's extractors tell the `finish` middleware, which puts one in every
/// request: the version the request ended up using, and what a sandbox project's request log
/// keeps of it. One allocation a request, made anyway for the version.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestSlot(Arc<Notes>);

#[derive(Debug, Default)]
struct Notes {
    version: OnceLock<ApiVersion>,
    trace: Trace,
}

impl RequestSlot {
    /// Records the version the request uses (once: the first one counts).
    pub(crate) fn use_version(&self, version: ApiVersion) {
        let _ = self.0.version.set(version);
    }

    /// What the request log learns of the request.
    pub(crate) fn trace(&self) -> &Trace {
        &self.0.trace
    }
}

/// A layer that gives every response of the inner service its final form, and hands the
/// answers of sandbox requests to `log`.
#[derive(Clone)]
pub(crate) struct FinishLayer {
    log: Arc<dyn RequestLog>,
}

impl FinishLayer {
    /// The layer, writing sandbox requests to `log`.
    pub(crate) fn new(log: Arc<dyn RequestLog>) -> Self {
        FinishLayer { log }
    }
}

impl<S> tower::Layer<S> for FinishLayer {
    type Service = Finish<S>;
    fn layer(&self, inner: S) -> Finish<S> {
        Finish {
            inner,
            log: Arc::clone(&self.log),
        }
    }
}

/// See [`FinishLayer`].
#[derive(Clone)]
pub(crate) struct Finish<S> {
    inner: S,
    log: Arc<dyn RequestLog>,
}

/// What the response needs to know of its request.
#[derive(Debug)]
struct Asked {
    format: ErrorFormat,
    request_id: Option<HeaderValue>,
    /// The version the header named, if a known one; else the current version.
    version: ApiVersion,
    /// The version the request ended up using, once a key was read, and its trace.
    slot: RequestSlot,
    /// When the request reached this layer.
    started: Instant,
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
        let slot = RequestSlot::default();
        let asked = Asked {
            format: ErrorFormat::of(request.uri().path()),
            request_id: request.headers().get(&REQUEST_ID_HEADER).cloned(),
            version: requested_version(request.headers())
                .ok()
                .flatten()
                .unwrap_or(ApiVersion::CURRENT),
            slot: slot.clone(),
            started: Instant::now(),
        };
        request.extensions_mut().insert(slot);
        FinishFuture::Running {
            inner: self.inner.call(request),
            asked: Some(asked),
            log: Arc::clone(&self.log),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Finish`]: the inner service's, then, for a sandbox request, the
    /// keeping of its log entry.
    #[project = State]
    pub(crate) enum FinishFuture<F> {
        Running {
            #[pin]
            inner: F,
            asked: Option<Asked>,
            log: Arc<dyn RequestLog>,
        },
        Logging {
            logged: Pin<Box<dyn Future<Output = Response> + Send>>,
        },
    }
}

impl<F, B, E> Future for FinishFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                State::Running { inner, asked, log } => {
                    let response = ready!(inner.poll(cx))?.map(axum::body::Body::new);
                    let Some(asked) = asked.take() else {
                        return Poll::Ready(Ok(response));
                    };
                    let response = finish(response, &asked);
                    if !asked.slot.trace().is_marked() {
                        return Poll::Ready(Ok(response));
                    }
                    let logged = super::sandbox::log_answer(
                        Arc::clone(log),
                        asked.slot,
                        asked.started.elapsed(),
                        response,
                    );
                    self.set(FinishFuture::Logging {
                        logged: Box::pin(logged),
                    });
                }
                State::Logging { logged } => return logged.as_mut().poll(cx).map(Ok),
            }
        }
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
    let version = asked.slot.0.version.get().copied().unwrap_or(asked.version);
    response
        .headers_mut()
        .insert(VERSION_HEADER, HeaderValue::from_static(version.as_str()));
    response
}
