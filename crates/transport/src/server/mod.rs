//! The HTTP server: both API surfaces over a [`Store`].
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use fitmate_store::{SecretKeys, SqliteStore};
//! use fitmate_transport::server::{App, ServerConfig, serve, shutdown_signal};
//!
//! // The key that seals secureMetadata, base64 of 32 bytes, kept apart from the database.
//! let key = std::env::var("FITMATE_SECRET_KEY")?;
//! let secrets = std::sync::Arc::new(SecretKeys::from_base64(&key, &[])?);
//! let store = SqliteStore::open("sqlite://fitmate-data/fitmate.db", secrets).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, App::new(store, ServerConfig::default()), shutdown_signal()).await?;
//! # Ok(())
//! # }
//! ```

mod apply;
mod auth;
mod client_limit;
mod console;
mod docs;
mod error;
mod extract;
mod finish;
mod idempotency;
mod keys;
mod mail;
mod metrics;
mod projects;
mod sandbox;
mod users;
mod webhook;
mod webhook_address;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use fitmate_store::Store;
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue, StatusCode};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

pub use error::{ApiError, BODY_LIMIT, DRAIN_LIMIT};
pub use extract::VERSION_HEADER;
pub use idempotency::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
pub use mail::{Delivery, MailConfig, check as check_mail};
pub use metrics::serve_metrics;
pub use webhook::{
    new_webhook_secret, signature as webhook_signature,
    standard_signature as webhook_standard_signature,
};
pub use webhook_address::{check_webhook_url, refused_address};

/// The header that carries the request id, in requests (where a well-formed one a client
/// sends is kept) and in every response.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// How the server behaves, apart from where it keeps its data.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers (and an idle keep-alive
    /// connection may wait for the next request).
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body, counted from when the server
    /// starts reading it. Past it the request is answered 408, nothing is changed, and the
    /// connection is closed.
    pub body_read_timeout: Duration,
    /// Welcome emails: how they are delivered. `None` runs no dispatcher; queued emails
    /// wait for a server that has one.
    pub mail: Option<MailConfig>,
    /// How long an accepted API key is remembered without asking the database again; a key
    /// revoked meanwhile keeps working at most this long. Zero asks every time.
    pub key_cache_ttl: Duration,
    /// How many requests each API key may send; `None` sets no limit.
    pub rate_limit: Option<RateLimit>,
    /// How much work each client address may cause without a valid key (magic-link
    /// redeems, unknown keys); `None` sets no limit.
    pub unauthenticated_rate_limit: Option<RateLimit>,
    /// The most connections open at once; past it, new connections wait in the listen
    /// queue until one closes.
    pub max_connections: usize,
    /// A header that a trusted proxy in front of the server sets to the client's address
    /// (`X-Forwarded-For`); its rightmost address is the client's. `None` takes the
    /// connection's peer. Set it only behind a proxy that sets the header itself.
    pub client_address_header: Option<http::HeaderName>,
    /// How long an idempotency key's answer is kept for retries.
    pub idempotency_ttl: Duration,
    /// Whether validation webhooks may be called at private addresses (10/8, 172.16/12,
    /// 192.168/16, 100.64/10, fc00::/7). Link-local and metadata addresses never may.
    pub allow_private_webhooks: bool,
    /// Whether the server counts what it does for Prometheus (see [`serve_metrics`]): off
    /// by default, so a server without a metrics listener spends nothing on them.
    pub metrics: bool,
    /// Whether the web console is served at `/console`; off by default (`fitmate serve`
    /// turns it on for SQLite).
    pub console: bool,
}

/// A per-key rate: a token bucket refilled at `per_second` and holding at most `burst`.
/// A request past it is answered 429 with `Retry-After`. Each replica counts on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second a key may keep up.
    pub per_second: std::num::NonZeroU32,
    /// Requests a key may send at once after a quiet spell.
    pub burst: std::num::NonZeroU32,
}

impl RateLimit {
    /// The default for unauthenticated work per client address: 10 a second, bursts of 50.
    pub const UNAUTHENTICATED: RateLimit = RateLimit {
        per_second: std::num::NonZeroU32::new(10).unwrap(),
        burst: std::num::NonZeroU32::new(50).unwrap(),
    };
}

impl Default for RateLimit {
    /// 200 requests a second with bursts of 400, per key.
    fn default() -> Self {
        RateLimit {
            per_second: std::num::NonZeroU32::new(200).unwrap_or(std::num::NonZeroU32::MIN),
            burst: std::num::NonZeroU32::new(400).unwrap_or(std::num::NonZeroU32::MIN),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(10),
            mail: None,
            key_cache_ttl: Duration::from_secs(5),
            rate_limit: Some(RateLimit::default()),
            unauthenticated_rate_limit: Some(RateLimit::UNAUTHENTICATED),
            max_connections: 4096,
            client_address_header: None,
            allow_private_webhooks: false,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            metrics: false,
            console: false,
        }
    }
}

/// Token buckets per API key (by the key's prefix).
type KeyLimiter = governor::DefaultKeyedRateLimiter<String>;

/// The server's shared state: the store and the configuration.
#[derive(Debug)]
pub struct App<S> {
    inner: Arc<Inner<S>>,
}

#[derive(Debug)]
struct Inner<S> {
    store: S,
    config: ServerConfig,
    /// Calls validation webhooks.
    http: reqwest::Client,
    /// Wakes the email dispatcher when a user was created.
    mail_wake: Arc<tokio::sync::Notify>,
    keys: keys::KeyCache,
    /// The per-key token buckets, when a rate limit is set.
    limiter: Option<KeyLimiter>,
    /// Counts the requests past their key's rate, when metrics are on.
    key_limited: Option<prometheus_client::metrics::counter::Counter>,
    /// What the server counts for Prometheus, when metrics are on.
    metrics: Option<Arc<metrics::Metrics>>,
    /// The per-address token buckets for unauthenticated work, when that limit is set.
    clients: Option<client_limit::ClientLimiter>,
    openapi: axum::body::Bytes,
    /// The OpenAPI document of each version, in `ApiVersion::NEWEST_FIRST` order.
    openapi_versions: Vec<(fitmate_model::ApiVersion, axum::body::Bytes)>,
    /// The error statuses each operation documents: what `Prefer: code=NNN` may ask for.
    documented: sandbox::DocumentedErrors,
}

impl<S> Clone for App<S> {
    fn clone(&self) -> Self {
        App {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: Store> App<S> {
    /// The state of a server over `store`.
    pub fn new(store: S, config: ServerConfig) -> Self {
        let document = fitmate_model::openapi();
        let documented = sandbox::DocumentedErrors::of(&document);
        let openapi = serde_json::to_vec_pretty(&document).unwrap_or_default();
        let openapi_versions = fitmate_model::ApiVersion::NEWEST_FIRST
            .iter()
            .map(|version| {
                let document = fitmate_model::openapi_for(*version);
                let bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
                (*version, bytes.into())
            })
            .collect();
        let metrics = config.metrics.then(|| Arc::new(metrics::Metrics::new()));
        let limited = |limit| metrics.as_ref().map(|m| m.rate_limited(limit));
        App {
            inner: Arc::new(Inner {
                store,
                http: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    // The address connected to must be the webhook's, checked: no proxy,
                    // and a resolver that drops every address a webhook may not be at.
                    .no_proxy()
                    .dns_resolver(Arc::new(webhook_address::GuardedResolver {
                        allow_private: config.allow_private_webhooks,
                        lookup: webhook_address::system_lookup(),
                    }))
                    .connect_timeout(Duration::from_secs(5))
                    .user_agent(concat!(
                        "fitmate/",
                        env!("CARGO_PKG_VERSION"),
                        " (validateUserUpdated)"
                    ))
                    .build()
                    .unwrap_or_default(),
                mail_wake: Arc::new(tokio::sync::Notify::new()),
                keys: keys::KeyCache::new(config.key_cache_ttl),
                limiter: config.rate_limit.map(|rate| {
                    governor::RateLimiter::keyed(
                        governor::Quota::per_second(rate.per_second).allow_burst(rate.burst),
                    )
                }),
                key_limited: limited("api_key"),
                clients: config
                    .unauthenticated_rate_limit
                    .map(|rate| client_limit::ClientLimiter::new(rate, limited("client_address"))),
                metrics,
                config,
                openapi: openapi.into(),
                openapi_versions,
                documented,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// Takes one request from the key's bucket: `Err` with how long to wait when it is empty.
    pub(crate) fn take_request(&self, key_prefix: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.inner.limiter else {
            return Ok(());
        };
        limiter
            .check_key(&key_prefix.to_owned())
            .map_err(|not_until| {
                use governor::clock::Clock;
                if let Some(limited) = &self.inner.key_limited {
                    limited.inc();
                }
                not_until.wait_time_from(governor::clock::DefaultClock::default().now())
            })
    }

    /// What the server counts for Prometheus, when metrics are on.
    pub(crate) fn metrics(&self) -> Option<&metrics::Metrics> {
        self.inner.metrics.as_deref()
    }

    /// The unauthenticated-work limiter, when one is set.
    pub(crate) fn clients(&self) -> Option<&client_limit::ClientLimiter> {
        self.inner.clients.as_ref()
    }

    /// The client that calls validation webhooks (redirects are not followed).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// How long an idempotency key's answer is kept.
    pub(crate) fn idempotency_ttl(&self) -> Duration {
        self.inner.config.idempotency_ttl
    }

    /// How long a request holds its idempotency key while it runs: twice the request
    /// timeout, so a request that ran out of time has surely stopped writing.
    pub(crate) fn idempotency_lease(&self) -> Duration {
        self.inner.config.request_timeout.saturating_mul(2)
    }

    /// Whether validation webhooks may be called at private addresses.
    pub(crate) fn allow_private_webhooks(&self) -> bool {
        self.inner.config.allow_private_webhooks
    }

    /// The time by the caller's project clock: the real time for a production project; for
    /// a sandbox project, read afresh, since its clock may have moved since its key was
    /// cached.
    pub(crate) async fn project_now(
        &self,
        caller: &extract::Caller,
    ) -> Result<jiff::Timestamp, ApiError> {
        if !caller.settings.settings.sandbox {
            return Ok(jiff::Timestamp::now());
        }
        Ok(self.store().project_now(&caller.project).await?)
    }

    /// Tells the email dispatcher there may be new work.
    pub(crate) fn wake_mail(&self) {
        self.inner.mail_wake.notify_one();
    }
}

/// The whole API as a router, with its layers: metrics (when on), request ids, logs,
/// timeout, body limit, and the JSON error bodies and `Fitmate-Version` header of every
/// response.
pub fn router<S: Store>(app: App<S>) -> Router {
    let timeout = app.inner.config.request_timeout;
    let metrics = metrics::HttpMetricsLayer(app.inner.metrics.clone());
    let console = if app.inner.config.console {
        console::routes()
    } else {
        Router::new()
    };
    Router::new()
        .route("/users/create", post(users::create::<S>))
        .route("/users/update", post(users::update::<S>))
        .route("/users/retrieve", post(users::retrieve::<S>))
        .route("/{projectId}/users/{userId}", patch(projects::update::<S>))
        .route("/auth/magic-link/redeem", post(auth::redeem::<S>))
        .route("/auth/magic-link", get(auth::page::<S>))
        .route("/_sandbox/requests", get(sandbox::requests::<S>))
        .route("/_sandbox/reset", post(sandbox::reset::<S>))
        .route(
            "/_sandbox/clock",
            get(sandbox::clock::<S>).post(sandbox::advance_clock::<S>),
        )
        .route("/_sandbox/users", get(sandbox::users::<S>))
        .route("/_sandbox/users/search", post(sandbox::search_users::<S>))
        .route("/_sandbox/users/{identifier}", get(sandbox::user::<S>))
        .route("/_sandbox/emails", get(sandbox::emails::<S>))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz::<S>))
        .route("/openapi.json", get(openapi::<S>))
        .route("/openapi/{document}", get(openapi_of_version::<S>))
        .merge(docs::routes())
        .merge(console)
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(app.clone())
        .layer(
            tower::ServiceBuilder::new()
                // Outermost, so that it times the whole answer and sees its final status.
                .layer(metrics)
                .layer(tower::util::MapRequestLayer::new(drop_bad_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, NewRequestId))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_request(())
                        .on_response(log_response)
                        .on_failure(()),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
                .layer(finish::FinishLayer::new(Arc::new(app)))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    timeout,
                ))
                .layer(RequestBodyLimitLayer::new(DRAIN_LIMIT)),
        )
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish (for at most `ServerConfig::request_timeout` more), and
/// answers.
///
/// Connections are HTTP/1.1 with keep-alive. A client gets `header_read_timeout` to send a
/// request's headers, so an idle or slow connection cannot be held open for ever.
pub async fn serve<S: Store>(
    listener: tokio::net::TcpListener,
    app: App<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = app.inner.config.clone();
    let (stop_mail, mail_stopped) = tokio::sync::watch::channel(false);
    let dispatcher = config.mail.clone().map(|mail| {
        tokio::spawn(mail::dispatch(
            app.store().clone(),
            mail,
            app.inner.metrics.clone(),
            Arc::clone(&app.inner.mail_wake),
            mail_stopped,
        ))
    });
    // Expired idempotency keys are forgotten every few minutes, by each replica (the
    // deletes of several replicas only overlap).
    let purger = {
        let store = app.store().clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(IDEMPOTENCY_PURGE_EVERY);
            loop {
                every.tick().await;
                if let Err(error) = store.purge_idempotency_keys(jiff::Timestamp::now()).await {
                    tracing::warn!(%error, "forgetting expired idempotency keys failed");
                }
            }
        })
    };
    let router = router(app);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .max_buf_size(HEADER_LIMIT)
        .max_headers(MAX_HEADERS)
        .keep_alive(true);
    // A connection holds a permit until it closes; at the cap, the loop stops accepting and
    // new connections wait in the kernel's listen queue.
    let open = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let address_header = config.client_address_header.clone();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&open).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let header = address_header.clone();
        let service = tower::ServiceBuilder::new()
            .map_request(move |mut request: http::Request<hyper::body::Incoming>| {
                let client =
                    client_limit::client_address(peer.ip(), header.as_ref(), request.headers());
                request
                    .extensions_mut()
                    .insert(client_limit::ClientAddr(client));
                request
            })
            .service(router.clone());
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    purger.abort();
    if tokio::time::timeout(config.request_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some requests were still running when the shutdown grace ended");
    }
    // The email being delivered may finish; the others are given back. One stuck past
    // the grace keeps its claim until the lease ends, then another dispatcher sends it.
    let _ = stop_mail.send(true);
    if let Some(mut dispatcher) = dispatcher
        && tokio::time::timeout(MAIL_STOP_GRACE, &mut dispatcher)
            .await
            .is_err()
    {
        tracing::warn!("a welcome email was still being delivered at shutdown");
        dispatcher.abort();
    }
    Ok(())
}

/// The connection's read buffer, which bounds a request's line and headers: a head of up to
/// this size is always read; hyper answers 431 and closes the connection once a head fills
/// the buffer while still incomplete, which happens by twice this size at the latest.
pub const HEADER_LIMIT: usize = 32 * 1024;

/// The most header fields a request may carry (431 past it).
const MAX_HEADERS: usize = 100;

/// How often expired idempotency keys are deleted.
const IDEMPOTENCY_PURGE_EVERY: Duration = Duration::from_secs(600);

/// How long a stopping server waits for the welcome email being delivered.
const MAIL_STOP_GRACE: Duration = Duration::from_secs(10);

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

#[derive(Debug, Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// A client's request id is kept when it is 1 to 64 characters of `A-Za-z0-9-_.`; any other
/// is replaced, so nothing odd reaches the logs through it.
fn drop_bad_request_id(mut request: Request) -> Request {
    let well_formed = request.headers().get(&REQUEST_ID_HEADER).is_none_or(|id| {
        (1..=64).contains(&id.len())
            && id
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if !well_formed {
        request.headers_mut().remove(&REQUEST_ID_HEADER);
    }
    request
}

fn request_id_of(headers: &http::HeaderMap) -> &str {
    headers
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
}

/// The span of one request: method, path and request id. Never a header value or a body:
/// paths hold only project and user identifiers.
fn request_span(request: &http::Request<Body>) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id_of(request.headers()),
    )
}

fn log_response(response: &Response, latency: Duration, _: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "answered"
    );
}

/// Liveness: the process answers. It needs no database, so a database outage does not get
/// a healthy replica restarted.
async fn healthz() -> Response {
    axum::Json(serde_json::json!({"status": "ok"})).into_response()
}

/// How long readiness waits for the database before it answers 503.
const READY_WAIT: Duration = Duration::from_secs(2);

/// Readiness: the database answers within [`READY_WAIT`]; 503 while it does not, so a load
/// balancer sends requests elsewhere.
async fn readyz<S: Store>(State(app): State<App<S>>) -> Response {
    let answered = match tokio::time::timeout(READY_WAIT, app.store().ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database does not answer");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer within {READY_WAIT:?}");
            false
        }
    };
    if answered {
        axum::Json(serde_json::json!({"status": "ready"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "unavailable"})),
        )
            .into_response()
    }
}

async fn openapi<S: Store>(State(app): State<App<S>>) -> Response {
    json_document(app.inner.openapi.clone())
}

/// `GET /openapi/<version>.json`: the OpenAPI document of one version.
async fn openapi_of_version<S: Store>(
    State(app): State<App<S>>,
    axum::extract::Path(document): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let wanted = document.strip_suffix(".json").unwrap_or("");
    app.inner
        .openapi_versions
        .iter()
        .find(|(version, _)| version.as_str() == wanted)
        .map(|(_, bytes)| json_document(bytes.clone()))
        .ok_or(ApiError::RouteNotFound)
}

fn json_document(bytes: axum::body::Bytes) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        bytes,
    )
        .into_response()
}
