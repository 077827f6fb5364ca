//! A typed client of the Fitmate partner API.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use fitmate_transport::client::{Client, Environment};
//! use fitmate_transport::model::rules::Email;
//!
//! let client = Client::builder(Environment::Sandbox, "fm_...").build()?;
//! let found = client.retrieve_user(&Email::parse("jane@doe.com")?).await?;
//! println!("{}", found.identifier);
//! # Ok(())
//! # }
//! ```
//!
//! The crate's README has an example that runs against a server started in the same
//! program.

mod error;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use fitmate_model::error::ErrorBody;
use fitmate_model::rules::{Code, Email, Fault, Report};
use fitmate_model::{
    ApiVersion, CreateUserResponse, RetrieveUserRequest, UserAnswer, head, projects,
};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error_format::ErrorFormat;

pub use error::Error;
pub use retry::{Decision, Outcome, RetryPolicy, decide};

/// Where the API is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// Fitmate's sandbox: `https://partners-sandbox.ftmtapi.com`.
    Sandbox,
    /// Fitmate's production: `https://partners.ftmtapi.com`.
    Production,
    /// Any other base URL, such as a local `fitmate serve` at `http://127.0.0.1:8080`.
    Custom(String),
}

impl Environment {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Sandbox => "https://partners-sandbox.ftmtapi.com",
            Environment::Production => "https://partners.ftmtapi.com",
            Environment::Custom(url) => url.trim_end_matches('/'),
        }
    }
}

/// Builds a [`Client`]. Its `Debug` leaves the API key out.
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    environment: Environment,
    api_key: String,
    version: ApiVersion,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    validate: bool,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("api_key", &"<redacted>")
            .field("version", &self.version)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("validate", &self.validate)
            .finish()
    }
}

impl ClientBuilder {
    /// The version of calls that do not name one (the project API); the current one unless
    /// set. The typed calls ([`Client::create_user`]) always send the current version, and
    /// [`Client::in_version`] its own.
    pub fn version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// How long connecting may take (5 s unless set).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take in all, from connecting to the end of the answer
    /// (30 s unless set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed attempts are retried ([`RetryPolicy::default`] unless set).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Whether payloads are checked locally before sending (on unless set): an invalid one
    /// fails with the same report the server would give, without a network call.
    pub fn validate_locally(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// The client. Fails only if the TLS backend cannot start.
    pub fn build(self) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(concat!("fitmate-transport/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Transport)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: self.environment.base_url().to_owned(),
                authorization: format!("Bearer {}", self.api_key.trim()),
                retry: self.retry,
                validate: self.validate,
            }),
            version: self.version,
        })
    }
}

/// A client of the Fitmate API: cheap to clone, and clones share their connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    version: ApiVersion,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    authorization: String,
    retry: RetryPolicy,
    validate: bool,
}

impl std::fmt::Debug for Client {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// One attempt's result: the outcome for the retry decision, and what was received.
struct Attempt {
    outcome: Outcome,
    answer: Result<(u16, HeaderMap, bytes::Bytes), reqwest::Error>,
}

impl Client {
    /// A builder for a client of `environment` with `api_key`.
    pub fn builder(environment: Environment, api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            environment,
            api_key: api_key.into(),
            version: ApiVersion::CURRENT,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            validate: true,
        }
    }

    /// The version of calls that do not name one.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The same client with another default version, for one call or a few.
    pub fn with_version(&self, version: ApiVersion) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            version,
        }
    }

    /// `POST /users/create` in the current version. Checked locally first (unless turned
    /// off). Every attempt carries the same fresh `Idempotency-Key`: if no answer comes
    /// after sending (or a 502/503/504), the retry gets the first create's answer when it
    /// happened, so one call creates one user at most.
    pub async fn create_user(
        &self,
        request: &head::CreateUserRequest,
    ) -> Result<CreateUserResponse, Error> {
        if self.inner.validate {
            request.check().map_err(Error::Invalid)?;
        }
        let body = serde_json::to_vec(request).map_err(|e| local_fault("", &e))?;
        self.write(
            reqwest::Method::POST,
            "/users/create",
            ApiVersion::CURRENT,
            body,
            ErrorFormat::Fitmate,
        )
        .await
    }

    /// `POST /users/update` in the current version: changes the fields given of the user
    /// with this email. Retried under one `Idempotency-Key`, so it applies once.
    pub async fn update_user(
        &self,
        request: &head::UpdateUserRequest,
    ) -> Result<head::UpdateUserResponse, Error> {
        if self.inner.validate {
            request.check().map_err(Error::Invalid)?;
        }
        let body = serde_json::to_vec(request).map_err(|e| local_fault("", &e))?;
        self.write(
            reqwest::Method::POST,
            "/users/update",
            ApiVersion::CURRENT,
            body,
            ErrorFormat::Fitmate,
        )
        .await
    }

    /// `POST /users/retrieve` in the current version: the user with this email.
    pub async fn retrieve_user(&self, email: &Email) -> Result<head::RetrieveUserResponse, Error> {
        self.retrieve(ApiVersion::CURRENT, email).await
    }

    /// The endpoints in `version`, any supported one, with bodies and answers as that
    /// version has them (JSON, checked locally by that version's rules).
    pub fn in_version(&self, version: ApiVersion) -> InVersion<'_> {
        InVersion {
            client: self,
            version,
        }
    }

    /// `PATCH /{project}/users/{user}`: changes the fields given of a user's profile and
    /// answers the profile with its active suspensions. Retried under one
    /// `Idempotency-Key`, so it applies once.
    pub async fn update_user_profile(
        &self,
        project: &str,
        user: Uuid,
        request: &projects::UpdateUserRequest,
    ) -> Result<projects::UserProfile, Error> {
        let body = serde_json::to_vec(request).map_err(|e| local_fault("update", &e))?;
        if self.inner.validate {
            projects::UpdateUserRequest::from_slice(&body).map_err(Error::Invalid)?;
        }
        let path = format!("/{project}/users/{user}");
        self.write(
            reqwest::Method::PATCH,
            &path,
            self.version,
            body,
            ErrorFormat::Projects,
        )
        .await
    }

    /// Sends a write under a fresh `Idempotency-Key`, reused by every retry: a retry of a
    /// write that happened gets its answer, not a second effect.
    async fn write<R: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        version: ApiVersion,
        body: Vec<u8>,
        format: ErrorFormat,
    ) -> Result<R, Error> {
        let key = Uuid::new_v4().to_string();
        self.call(method, path, version, body, format, Some(&key))
            .await
    }

    /// Sends one request, retrying as the policy says: a read, or a write under
    /// `idempotency_key`. A retry that finds the first attempt still running on the server
    /// (409 `idempotency_key_in_use`) waits and tries again.
    async fn call<R: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        version: ApiVersion,
        body: Vec<u8>,
        format: ErrorFormat,
        idempotency_key: Option<&str>,
    ) -> Result<R, Error> {
        let mut attempt = 1;
        let mut waited_for_key = Duration::ZERO;
        loop {
            let sent = self
                .attempt(method.clone(), path, version, &body, idempotency_key)
                .await;
            // An earlier attempt still holds the key: wait as the server says, without
            // using up an attempt, for as long as the policy's patience allows.
            if key_in_use(&sent.answer) {
                let wait = match sent.outcome {
                    Outcome::Status {
                        retry_after: Some(wait),
                        ..
                    } => wait,
                    _ => Duration::from_secs(1),
                }
                .min(self.inner.retry.max_delay);
                if waited_for_key + wait <= self.inner.retry.key_in_use_patience {
                    tokio::time::sleep(wait).await;
                    waited_for_key += wait.max(Duration::from_millis(1));
                    continue;
                }
                return read(sent.answer, format);
            }
            match decide(&self.inner.retry, attempt, sent.outcome, fastrand::f64()) {
                Decision::RetryAfter(wait) => {
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Decision::Stop => return read(sent.answer, format),
            }
        }
    }

    /// One attempt, without retrying.
    async fn attempt(
        &self,
        method: reqwest::Method,
        path: &str,
        version: ApiVersion,
        body: &[u8],
        idempotency_key: Option<&str>,
    ) -> Attempt {
        let mut request = self
            .inner
            .http
            .request(method, format!("{}{path}", self.inner.base))
            .header(reqwest::header::AUTHORIZATION, &self.inner.authorization)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Fitmate-Version", version.as_str());
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let sent = request.body(body.to_vec()).send().await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                response.bytes().await.map(|bytes| (status, headers, bytes))
            }
            Err(e) => Err(e),
        };
        let outcome = match &answer {
            Ok((status, headers, _)) => Outcome::Status {
                status: *status,
                retry_after: retry_after(headers),
            },
            Err(e) if e.is_connect() => Outcome::ConnectFailed,
            Err(_) => Outcome::NoAnswer,
        };
        Attempt { outcome, answer }
    }

    /// `POST /users/retrieve` in `version`.
    async fn retrieve<R: DeserializeOwned>(
        &self,
        version: ApiVersion,
        email: &Email,
    ) -> Result<R, Error> {
        let body = serde_json::to_vec(&RetrieveUserRequest::new(email.clone()))
            .map_err(|e| local_fault("email", &e))?;
        self.call(
            reqwest::Method::POST,
            "/users/retrieve",
            version,
            body,
            ErrorFormat::Fitmate,
            None,
        )
        .await
    }
}

/// Whether `answer` says a request with its idempotency key is still running.
fn key_in_use(answer: &Result<(u16, HeaderMap, bytes::Bytes), reqwest::Error>) -> bool {
    let Ok((409, _, body)) = answer else {
        return false;
    };
    let text = String::from_utf8_lossy(body);
    text.contains("idempotency_key_in_use") || text.contains("idempotency-key-in-use")
}

fn local_fault(field: &str, error: &serde_json::Error) -> Error {
    Error::Invalid(Fault::new(field, Code::InvalidJson, error.to_string()).into())
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// The typed answer, or the error the answer stands for.
fn read<R: DeserializeOwned>(
    answer: Result<(u16, HeaderMap, bytes::Bytes), reqwest::Error>,
    format: ErrorFormat,
) -> Result<R, Error> {
    let (status, headers, bytes) = answer.map_err(Error::Transport)?;
    if (200..300).contains(&status) {
        return serde_json::from_slice(&bytes).map_err(|e| Error::Server {
            status,
            message: Some(format!("the answer does not read as expected: {e}")),
            request_id: request_id(&headers),
        });
    }
    Err(match format {
        ErrorFormat::Fitmate => fitmate_error(status, &headers, &bytes),
        ErrorFormat::Projects => projects_error(status, &headers, &bytes),
    })
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Errors both APIs write the same way.
fn common_error(status: u16, headers: &HeaderMap, message: Option<String>) -> Error {
    match status {
        401 => Error::Unauthorized,
        403 => Error::Forbidden,
        404 => Error::NotFound,
        408 | 429 | 502..=504 => Error::Unavailable {
            status,
            retry_after: retry_after(headers),
            request_id: request_id(headers),
        },
        _ => Error::Server {
            status,
            message,
            request_id: request_id(headers),
        },
    }
}

fn fitmate_error(status: u16, headers: &HeaderMap, bytes: &[u8]) -> Error {
    let body: Option<ErrorBody> = serde_json::from_slice(bytes).ok();
    let Some(body) = body else {
        return common_error(status, headers, None);
    };
    if body.errors.iter().any(|f| f.code == Code::ValidationFailed) {
        return Error::WebhookRejected(body.message);
    }
    // Not a conflict of the user's data: an earlier attempt of this write still runs.
    if body
        .errors
        .iter()
        .any(|f| f.code == Code::IdempotencyKeyInUse)
    {
        return Error::Unavailable {
            status,
            retry_after: retry_after(headers),
            request_id: request_id(headers),
        };
    }
    match status {
        400 if !body.errors.is_empty() => Error::Invalid(body.errors.into_iter().collect()),
        409 => Error::conflict(&body.errors, &body.message),
        _ => common_error(status, headers, Some(body.message)),
    }
}

fn projects_error(status: u16, headers: &HeaderMap, bytes: &[u8]) -> Error {
    let body: Option<projects::ErrorBody> = serde_json::from_slice(bytes).ok();
    let Some(body) = body else {
        return common_error(status, headers, None);
    };
    match body.code {
        projects::ErrorCode::ValidationFailed => Error::WebhookRejected(body.error),
        projects::ErrorCode::IdempotencyKeyInUse => Error::Unavailable {
            status,
            retry_after: retry_after(headers),
            request_id: request_id(headers),
        },
        projects::ErrorCode::UsernameTaken => Error::UsernameTaken,
        projects::ErrorCode::InvalidData | projects::ErrorCode::MissingData => {
            if body.errors.is_empty() {
                Error::Invalid(Fault::new("update", Code::MissingData, body.error).into())
            } else {
                Error::Invalid(body.errors.into_iter().collect::<Report>())
            }
        }
        projects::ErrorCode::ServerError => Error::Server {
            status,
            message: Some(body.error),
            request_id: body.details.or_else(|| request_id(headers)),
        },
        _ => common_error(status, headers, Some(body.error)),
    }
}

/// The endpoints in one version: bodies as JSON, checked locally by that version's rules
/// (unless turned off), and answers as [`UserAnswer`]s. From [`Client::in_version`].
#[derive(Debug, Clone, Copy)]
pub struct InVersion<'c> {
    client: &'c Client,
    version: ApiVersion,
}

impl InVersion<'_> {
    /// The version of these calls.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// `POST /users/create` in this version, retried under one `Idempotency-Key` as
    /// [`Client::create_user`] is.
    pub async fn create_user(&self, body: &serde_json::Value) -> Result<CreateUserResponse, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| local_fault("", &e))?;
        if self.client.inner.validate {
            self.version.read_create(&bytes).map_err(Error::Invalid)?;
        }
        self.client
            .write(
                reqwest::Method::POST,
                "/users/create",
                self.version,
                bytes,
                ErrorFormat::Fitmate,
            )
            .await
    }

    /// `POST /users/update` in this version: the user after the update, as this version
    /// renders an update answer.
    pub async fn update_user(&self, body: &serde_json::Value) -> Result<UserAnswer, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| local_fault("", &e))?;
        if self.client.inner.validate {
            self.version.read_update(&bytes).map_err(Error::Invalid)?;
        }
        self.client
            .write(
                reqwest::Method::POST,
                "/users/update",
                self.version,
                bytes,
                ErrorFormat::Fitmate,
            )
            .await
    }

    /// `POST /users/retrieve` in this version: the user with this email, as this version
    /// renders it.
    pub async fn retrieve_user(&self, email: &Email) -> Result<UserAnswer, Error> {
        self.client.retrieve(self.version, email).await
    }
}
