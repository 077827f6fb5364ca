//! Prometheus metrics for operators, served on a listener of their own.
//!
//! What is counted: every answer by route template, method, status and version, with its
//! latency; every error answer by its reason; requests past a rate limit by the limit;
//! validation webhook calls by outcome, with their latency; welcome email attempts by
//! outcome; and, read when scraped, the outbox's waiting emails and the database pools.
//!
//! No label holds a value a client or a project chose: routes are the router's templates
//! (`/{projectId}/users/{userId}`, never a path with ids; `unmatched` for any path that
//! matches none), and every other label comes from a fixed list in this file or in the
//! code. So a scrape holds no personal data, no key and no project id, and the number of
//! series is bounded whatever clients send.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::response::{IntoResponse, Response};
use fitmate_model::ApiVersion;
use fitmate_store::Store;
use http::{HeaderValue, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::App;
use super::extract::VERSION_HEADER;

/// The upper bounds of the latency buckets, in seconds: from 1 ms to 5 s, each about 2.5
/// times the one before, so a p99 reads to within a step of that size across the range.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The route label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

/// The route templates seen, each kept once for the life of the process: a request's label
/// borrows it instead of copying the template (the routes are the router's, a handful).
static ROUTES: LazyLock<RwLock<HashSet<&'static str>>> = LazyLock::new(Default::default);

/// The route label of a request that matched `template`.
fn route_label(template: &str) -> &'static str {
    let known = ROUTES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(template)
        .copied();
    known.unwrap_or_else(|| {
        let mut routes = ROUTES.write().unwrap_or_else(PoisonError::into_inner);
        match routes.get(template) {
            Some(route) => *route,
            None => {
                let route: &'static str = Box::leak(template.into());
                routes.insert(route);
                route
            }
        }
    })
}

/// How long a scrape waits for the database to count the outbox.
const STORE_WAIT: Duration = Duration::from_secs(2);

/// The outcomes of one attempt at a welcome email.
pub(crate) const EMAIL_OUTCOMES: [&str; 3] = ["delivered", "deferred", "bounced"];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: u16,
    version: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
    method: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolNameLabels {
    pool: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Every metric of one server, and the registry that writes them out.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    rejected: Family<ReasonLabels, Counter>,
    rate_limited: Family<LimitLabels, Counter>,
    webhook_calls: Family<OutcomeLabels, Counter>,
    webhook_latency: Histogram,
    emails: Family<OutcomeLabels, Counter>,
    outbox_pending: Gauge,
    outbox_oldest_age: Gauge<f64, AtomicU64>,
    outbox_read_failures: Counter,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolNameLabels, Gauge>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let metrics = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            rejected: Family::default(),
            rate_limited: Family::default(),
            webhook_calls: Family::default(),
            webhook_latency: latency_histogram(),
            emails: Family::default(),
            outbox_pending: Gauge::default(),
            outbox_oldest_age: Gauge::default(),
            outbox_read_failures: Counter::default(),
            pool_connections: Family::default(),
            pool_max: Family::default(),
        };
        // The series of fixed label sets exist from the start at 0, so that rates and
        // alerts over them work before the first event.
        for limit in ["api_key", "client_address"] {
            drop(metrics.rate_limited.get_or_create(&LimitLabels { limit }));
        }
        for outcome in super::webhook::OUTCOMES {
            drop(
                metrics
                    .webhook_calls
                    .get_or_create(&OutcomeLabels { outcome }),
            );
        }
        for outcome in EMAIL_OUTCOMES {
            drop(metrics.emails.get_or_create(&OutcomeLabels { outcome }));
        }
        metrics.register()
    }

    fn register(mut self) -> Self {
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        let registry = &mut self.registry;
        registry.register(
            "fitmate_build_info",
            "The version of the server; always 1.",
            build,
        );
        // prometheus-client appends `_total` to counters' names.
        registry.register(
            "fitmate_http_requests",
            "Requests answered, by route template, method, status and API version.",
            self.requests.clone(),
        );
        registry.register(
            "fitmate_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route template and method.",
            self.latency.clone(),
        );
        registry.register(
            "fitmate_http_rejected_requests",
            "Requests answered with an error, by the error's reason.",
            self.rejected.clone(),
        );
        registry.register(
            "fitmate_rate_limited_requests",
            "Requests refused with 429, by the limit they were past: an API key's rate or \
             a client address's rate of work without a valid key.",
            self.rate_limited.clone(),
        );
        registry.register(
            "fitmate_webhook_calls",
            "Calls of projects' validation webhooks, by outcome.",
            self.webhook_calls.clone(),
        );
        registry.register(
            "fitmate_webhook_call_duration_seconds",
            "Time a validation webhook call took, whatever its outcome.",
            self.webhook_latency.clone(),
        );
        registry.register(
            "fitmate_email_attempts",
            "Attempts at delivering welcome emails by this server, by outcome: delivered, \
             deferred (to be retried) or bounced (never retried).",
            self.emails.clone(),
        );
        registry.register(
            "fitmate_outbox_pending_emails",
            "Welcome emails neither delivered nor bounced, in the whole database.",
            self.outbox_pending.clone(),
        );
        registry.register(
            "fitmate_outbox_oldest_pending_age_seconds",
            "How long the welcome email waiting longest has waited; 0 when none waits.",
            self.outbox_oldest_age.clone(),
        );
        registry.register(
            "fitmate_outbox_read_failures",
            "Scrapes whose count of the outbox failed; the outbox gauges keep their last value.",
            self.outbox_read_failures.clone(),
        );
        registry.register(
            "fitmate_db_pool_connections",
            "Open database connections, by pool and state (idle or in_use).",
            self.pool_connections.clone(),
        );
        registry.register(
            "fitmate_db_pool_max_connections",
            "The most connections each database pool opens.",
            self.pool_max.clone(),
        );
        self
    }

    /// One answer to a request.
    fn answered(&self, asked: &Asked, status: StatusCode, version: &'static str) {
        let route = RouteLabels {
            route: asked.route,
            method: asked.method,
        };
        self.latency
            .get_or_create(&route)
            .observe(asked.at.elapsed().as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                route: route.route,
                method: route.method,
                status: status.as_u16(),
                version,
            })
            .inc();
    }

    /// The counter of requests refused past the limit `limit` (`api_key` or
    /// `client_address`), for the limiter to count its own refusals.
    pub(crate) fn rate_limited(&self, limit: &'static str) -> Counter {
        self.rate_limited
            .get_or_create_owned(&LimitLabels { limit })
    }

    /// One call of a validation webhook, with one of [`super::webhook::OUTCOMES`].
    pub(crate) fn webhook_called(&self, outcome: &'static str, took: Duration) {
        self.webhook_calls
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
        self.webhook_latency.observe(took.as_secs_f64());
    }

    /// One attempt at a welcome email, with one of [`EMAIL_OUTCOMES`].
    pub(crate) fn email_attempted(&self, outcome: &'static str) {
        self.emails.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Reads what the store knows (the outbox, the pools) into the gauges.
    async fn read_store<S: Store>(&self, store: &S) {
        for pool in store.pool_use() {
            let open = i64::from(pool.open);
            let idle = i64::from(pool.idle).min(open);
            let gauge = |state| {
                self.pool_connections.get_or_create_owned(&PoolLabels {
                    pool: pool.pool,
                    state,
                })
            };
            gauge("idle").set(idle);
            gauge("in_use").set(open - idle);
            self.pool_max
                .get_or_create(&PoolNameLabels { pool: pool.pool })
                .set(i64::from(pool.max));
        }
        match tokio::time::timeout(STORE_WAIT, store.outbox_stats()).await {
            Ok(Ok(outbox)) => {
                self.outbox_pending
                    .set(i64::try_from(outbox.pending).unwrap_or(i64::MAX));
                let age = outbox.oldest_pending.map_or(0.0, |queued| {
                    jiff::Timestamp::now()
                        .duration_since(queued)
                        .as_secs_f64()
                        .max(0.0)
                });
                self.outbox_oldest_age.set(age);
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "metrics: counting the outbox failed");
                self.outbox_read_failures.inc();
            }
            Err(_) => {
                tracing::warn!("metrics: the outbox was not counted within {STORE_WAIT:?}");
                self.outbox_read_failures.inc();
            }
        }
    }

    /// The metrics in the Prometheus text format (0.0.4).
    fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The method label: the standard methods by name, any other as `other`, so that a client
/// inventing methods cannot add series.
fn method_label(method: &http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PATCH" => "PATCH",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "TRACE" => "TRACE",
        "CONNECT" => "CONNECT",
        _ => "other",
    }
}

/// The version label of an answer: the `Fitmate-Version` it carries (a known version, or
/// `none`).
fn version_label(response: &http::HeaderMap) -> &'static str {
    response
        .get(&VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<ApiVersion>().ok())
        .map_or("none", ApiVersion::as_str)
}

/// The reason of an error answer, left in its extensions by the `finish` middleware.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rejected(pub(crate) &'static str);

/// A layer counting every request of the inner service, when metrics are on.
#[derive(Debug, Clone)]
pub(crate) struct HttpMetricsLayer(pub(crate) Option<Arc<Metrics>>);

impl<S> tower::Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;
    fn layer(&self, inner: S) -> HttpMetrics<S> {
        HttpMetrics {
            inner,
            metrics: self.0.clone(),
        }
    }
}

/// See [`HttpMetricsLayer`].
#[derive(Debug, Clone)]
pub(crate) struct HttpMetrics<S> {
    inner: S,
    metrics: Option<Arc<Metrics>>,
}

/// What the answer's metrics need of its request.
#[derive(Debug)]
struct Asked {
    metrics: Arc<Metrics>,
    route: &'static str,
    method: &'static str,
    at: Instant,
}

impl<S, B> tower::Service<Request> for HttpMetrics<S>
where
    S: tower::Service<Request, Response = http::Response<B>>,
{
    type Response = http::Response<B>;
    type Error = S::Error;
    type Future = HttpMetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let asked = self.metrics.as_ref().map(|metrics| Asked {
            metrics: Arc::clone(metrics),
            route: request
                .extensions()
                .get::<MatchedPath>()
                .map_or(UNMATCHED, |path| route_label(path.as_str())),
            method: method_label(request.method()),
            at: Instant::now(),
        });
        HttpMetricsFuture {
            inner: self.inner.call(request),
            asked,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`HttpMetrics`].
    pub(crate) struct HttpMetricsFuture<F> {
        #[pin]
        inner: F,
        asked: Option<Asked>,
    }
}

impl<F, B, E> Future for HttpMetricsFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
{
    type Output = Result<http::Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some(asked) = this.asked.take() {
            let version = version_label(response.headers());
            asked.metrics.answered(&asked, response.status(), version);
            if let Some(Rejected(reason)) = response.extensions_mut().remove::<Rejected>() {
                asked
                    .metrics
                    .rejected
                    .get_or_create(&ReasonLabels { reason })
                    .inc();
            }
        }
        Poll::Ready(Ok(response))
    }
}

/// `GET /metrics`: reads the store's gauges, then writes every metric out.
async fn scrape<S: Store>(State(app): State<App<S>>) -> Response {
    let Some(metrics) = app.inner.metrics.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    metrics.read_store(app.store()).await;
    match metrics.encode() {
        Ok(text) => (
            [(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(
                    prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                ),
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "metrics: writing the scrape failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Serves the metrics of `app` in the Prometheus text format at `GET /metrics` on
/// `listener` (every other path is 404) until `shutdown` completes. Keep the listener on
/// an address only the monitoring system reaches: it takes no key.
///
/// `app` must have been made with [`ServerConfig::metrics`](super::ServerConfig::metrics)
/// on; otherwise this answers at once with an error of kind `InvalidInput`.
pub async fn serve_metrics<S: Store>(
    listener: tokio::net::TcpListener,
    app: App<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if app.inner.metrics.is_none() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the server's metrics are off: set ServerConfig::metrics",
        ));
    }
    let router = axum::Router::new()
        .route("/metrics", axum::routing::get(scrape::<S>))
        .with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buckets_resolve_one_millisecond_to_five_seconds() {
        assert_eq!(LATENCY_BUCKETS.first(), Some(&0.001));
        assert_eq!(LATENCY_BUCKETS.last(), Some(&5.0));
        for pair in LATENCY_BUCKETS.windows(2) {
            let step = pair[1] / pair[0];
            assert!((1.9..=2.6).contains(&step), "{pair:?}");
        }
    }

    #[test]
    fn invented_methods_share_one_label() {
        let invented = http::Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(method_label(&invented), "other");
        assert_eq!(method_label(&http::Method::PATCH), "PATCH");
    }

    #[test]
    fn counters_are_written_in_the_prometheus_text_format() {
        let metrics = Metrics::new();
        metrics.webhook_called("approved", Duration::from_millis(3));
        let text = metrics.encode().unwrap();
        assert!(
            text.contains("# TYPE fitmate_webhook_calls_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("fitmate_webhook_calls_total{outcome=\"approved\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("fitmate_webhook_calls_total{outcome=\"timeout\"} 0\n"),
            "{text}"
        );
        assert!(text.contains("fitmate_build_info{version=\""), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
    }
}
