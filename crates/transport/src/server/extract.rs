//! What handlers take from a request: the authenticated caller and the JSON body.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use fitmate_model::ApiVersion;
use fitmate_store::{Project, ProjectId, Store};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderMap, HeaderName};

use super::App;
use super::error::{ApiError, BODY_LIMIT};
use super::finish::RequestSlot;

/// The header that picks the API version of a request and names it in every response.
pub const VERSION_HEADER: HeaderName = HeaderName::from_static("fitmate-version");

/// The version a request asks for in its header: `None` when it sends none.
pub(crate) fn requested_version(headers: &HeaderMap) -> Result<Option<ApiVersion>, ApiError> {
    let Some(value) = headers.get(&VERSION_HEADER) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    text.trim()
        .parse()
        .map(Some)
        .map_err(ApiError::UnknownVersion)
}

/// The caller of an authenticated endpoint: the key's project, and the version of this
/// request (the header's, else the key's pin).
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) project: ProjectId,
    pub(crate) settings: Arc<Project>,
    pub(crate) version: ApiVersion,
    /// The key's prefix: the actor the audit trail names.
    pub(crate) key_prefix: String,
    /// The request's id, as the log and the audit trail name it.
    pub(crate) request_id: String,
    /// Where a sandbox project's API request records what the request log shows; `None`
    /// for production projects and `/_sandbox` requests.
    pub(crate) trace: Option<RequestSlot>,
}

impl Caller {
    /// Records, for a sandbox project's request log, the user this request reads or writes:
    /// its entry is erased with the user.
    pub(crate) fn concerns(&self, user: uuid::Uuid) {
        if let Some(slot) = &self.trace {
            slot.trace().user_is(user);
        }
    }

    /// The audit event of `action` by this caller on the fields named.
    pub(crate) fn audit<F: Into<String>>(
        &self,
        action: fitmate_store::AuditAction,
        fields: impl IntoIterator<Item = F>,
    ) -> fitmate_store::AuditEvent {
        fitmate_store::AuditEvent::new(
            self.key_prefix.as_str(),
            self.request_id.as_str(),
            action,
            fields,
        )
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

impl<S: Store> FromRequestParts<App<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, ApiError> {
        let key = bearer(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let client = parts
            .extensions
            .get::<super::client_limit::ClientAddr>()
            .map(|c| c.0);
        let limiter = app.clients().zip(client);
        // A client past its rate of unknown keys is refused without a database read,
        // unless the key was accepted before (a partner behind the same address).
        let cached = app.inner.keys.cached(key);
        if cached.is_none()
            && let Some((limiter, client)) = limiter
            && !app.inner.keys.accepted_before(key)
        {
            limiter
                .still_blocked(client)
                .map_err(ApiError::RateLimited)?;
        }
        let found = match cached {
            Some(accepted) => Some(accepted),
            None => app.inner.keys.authenticate(app.store(), key).await?,
        };
        let Some((info, settings)) = found else {
            if let Some((limiter, client)) = limiter {
                limiter.take(client).map_err(ApiError::RateLimited)?;
            }
            return Err(ApiError::Unauthenticated);
        };
        app.take_request(&info.prefix)
            .map_err(ApiError::RateLimited)?;
        let version = requested_version(&parts.headers)?.unwrap_or(info.version);
        let slot = parts.extensions.get::<RequestSlot>().cloned();
        if let Some(slot) = &slot {
            slot.use_version(version);
        }
        let mut trace = None;
        if settings.settings.sandbox {
            // A sandbox project's API requests go to its request log, and may ask for an
            // error with `Prefer: code=NNN`; its `/_sandbox` requests do neither.
            let path = parts
                .extensions
                .get::<axum::extract::MatchedPath>()
                .map_or("", |p| p.as_str());
            if !path.starts_with("/_sandbox") {
                if let Some(slot) = slot {
                    let request_id = super::request_id_of(&parts.headers);
                    slot.trace().mark(&info.project, parts, request_id);
                    trace = Some(slot);
                }
                if let Some(code) = super::sandbox::preferred_code(&parts.headers)? {
                    return Err(app.inner.documented.forced(&parts.method, path, code));
                }
            }
        }
        Ok(Caller {
            project: info.project,
            settings,
            version,
            key_prefix: info.prefix,
            request_id: super::request_id_of(&parts.headers).to_owned(),
            trace,
        })
    }
}

/// A JSON request body: sent as `application/json` (or a `+json` type), at most
/// [`BODY_LIMIT`] bytes. Its contents are read by the model, which reports every fault.
#[derive(Debug)]
pub(crate) struct JsonBody(pub(crate) Bytes);

impl JsonBody {
    /// The body as `T`, for the small bodies the server reads itself (a token, a clock's
    /// advance): a 400 saying what does not fit.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.0).map_err(|e| {
            ApiError::Invalid(
                fitmate_model::rules::Fault::new(
                    "",
                    fitmate_model::rules::Code::InvalidJson,
                    fitmate_model::malformed(&e),
                )
                .into(),
            )
        })
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.rsplit_once('+').is_some_and(|(kind, suffix)| {
            suffix.eq_ignore_ascii_case("json")
                && kind.len() >= 12
                && kind[..12].eq_ignore_ascii_case("application/")
        })
}

impl<S: Store> FromRequest<App<S>> for JsonBody {
    type Rejection = ApiError;

    /// Reads the body within the server's body timeout, so a client sending it slowly
    /// cannot hold a connection and a worker for the whole request timeout.
    async fn from_request(request: Request, app: &App<S>) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        // The body's size hint is its Content-Length, when it has one.
        let declared_over = http_body::Body::size_hint(request.body()).lower() > BODY_LIMIT as u64;
        let slot = request.extensions().get::<RequestSlot>().cloned();
        let body = read_limited(
            request.into_body(),
            declared_over,
            app.inner.config.body_read_timeout,
        )
        .await?;
        if let Some(slot) = slot {
            slot.trace().keep_request_body(&body);
        }
        Ok(JsonBody(body))
    }
}

/// Reads a body of at most [`BODY_LIMIT`] bytes within `timeout` (408 past it). A longer
/// one (or one whose `Content-Length` says so: `declared_over`) is read to its end and
/// thrown away before the 413 goes out (up to [`DRAIN_LIMIT`](super::DRAIN_LIMIT), which
/// the limit layer enforces), so the client, still sending, receives the answer instead of
/// a reset connection; if the timeout ends the draining, the answer is still 413, since
/// sending the body again would not help.
async fn read_limited(
    mut body: axum::body::Body,
    declared_over: bool,
    timeout: std::time::Duration,
) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut kept = Vec::new();
    let mut over = declared_over;
    loop {
        let Ok(frame) = tokio::time::timeout_at(deadline, body.frame()).await else {
            return Err(if over {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BodyTimeout(timeout)
            });
        };
        let Some(frame) = frame else {
            break;
        };
        match frame {
            Ok(frame) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if !over && kept.len() + data.len() <= BODY_LIMIT {
                    kept.extend_from_slice(&data);
                } else if !over {
                    over = true;
                    kept = Vec::new();
                }
            }
            Err(error) if over || is_length_limit(&error) => return Err(ApiError::PayloadTooLarge),
            // The client went away or sent a broken body: nobody reads this answer.
            Err(_) => return Err(ApiError::from_status(http::StatusCode::BAD_REQUEST)),
        }
    }
    if over {
        Err(ApiError::PayloadTooLarge)
    } else {
        Ok(Bytes::from(kept))
    }
}

/// Whether `error` is the limit layer's: it may be wrapped several times over (the limit
/// layer's body, then axum's), so the whole chain is searched.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(CONTENT_TYPE, value);
        }
        headers
    }

    #[test]
    fn json_content_types_are_recognised() {
        for yes in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            assert!(is_json(&with_type(yes)), "{yes}");
        }
        for no in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "text/x+json",
        ] {
            assert!(!is_json(&with_type(no)), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer fm_abc"));
        assert_eq!(bearer(&headers), Some("fm_abc"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic Zm06YWJj"));
        assert_eq!(bearer(&headers), None);
    }
}
