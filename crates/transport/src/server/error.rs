//! Every failure the server answers with, and how each API writes it.
//!
//! Handlers return [`ApiError`]; it travels in the response's extensions to the `finish`
//! middleware, which knows the error format (from the path) and the request id, and writes the
//! body there. Responses that fail outside a handler (no such route, a timeout, a body over
//! the limit) are written by the same middleware from their status, so every error is JSON
//! in its API's error format.

use std::fmt;

use axum::response::{IntoResponse, Response};
use fitmate_model::error::ErrorBody;
use fitmate_model::projects::{self, ErrorCode};
use fitmate_model::rules::{Code, Fault, Report};
use fitmate_model::{UnknownVersion, error as fitmate_error};
use fitmate_store::{Conflict, StoreError};
use http::StatusCode;

use crate::error_format::ErrorFormat;

/// A failure with a fixed status and body. The client sees only the message written for it;
/// the cause of an internal error goes to the log, tagged with the request id.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ApiError {
    /// 401: no key, or an unknown or revoked one.
    Unauthenticated,
    /// 400: the `Fitmate-Version` header names no supported version.
    UnknownVersion(UnknownVersion),
    /// 403: the path names another project than the key's.
    Forbidden,
    /// 404: no such user in the key's project.
    UserNotFound,
    /// 400: the body breaks the contract; every fault is listed.
    Invalid(Report),
    /// 409: another user of the project has this value.
    Taken(Conflict),
    /// 400: the project's validation webhook rejected the update, with this message.
    WebhookRejected(String),
    /// 503: the project's validation webhook could not be asked; nothing was written.
    WebhookUnavailable,
    /// 409: the user kept changing while the validation webhook was asked about the
    /// update; nothing was written.
    ChangedWhileApproving,
    /// 422: the idempotency key was used with another request.
    IdempotencyKeyReused,
    /// 409: a request with this idempotency key is still running.
    IdempotencyKeyInUse,
    /// 410: the magic link was used already, has expired, or never existed.
    LinkGone,
    /// 408: the body did not arrive within this long; the connection is closed.
    BodyTimeout(std::time::Duration),
    /// 413: the body is over the limit.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 404: no such endpoint.
    RouteNotFound,
    /// 405: the endpoint does not take this method.
    MethodNotAllowed,
    /// 429: the key's rate is used up; retry after this long.
    RateLimited(std::time::Duration),
    /// 503: the request took longer than the server allows.
    Timeout,
    /// 503: the database is unreachable or gave the request up; the log has the cause.
    Unavailable,
    /// 500: something failed on the server's side; the log has the cause.
    Internal,
}

/// The largest body the server reads.
pub const BODY_LIMIT: usize = fitmate_model::rules::MAX_BODY_BYTES;

/// The largest body the server receives at all: one between [`BODY_LIMIT`] and this is read
/// and thrown away before the 413, so the client sees the answer; beyond this the server
/// answers 413 at once and closes the connection.
pub const DRAIN_LIMIT: usize = 1024 * 1024;

impl ApiError {
    /// Logs `cause` (never shown to the client) and answers 500.
    pub(crate) fn internal(cause: &dyn fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::Internal
    }

    /// The whole seconds a client told to wait `wait` should wait: at least 1.
    pub(crate) fn retry_after_secs(wait: std::time::Duration) -> u64 {
        (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
    }

    fn body_timeout(limit: std::time::Duration) -> String {
        format!(
            "The body did not arrive within {} s; nothing was changed. Send the request again",
            Self::retry_after_secs(limit)
        )
    }

    fn rate_limited(wait: std::time::Duration) -> String {
        format!(
            "Too many requests for this API key; retry after {} s",
            Self::retry_after_secs(wait)
        )
    }

    /// Whether the request changed nothing and a new attempt may go otherwise: a 400, the
    /// 409 of a user that kept changing, the 503 of a webhook that could not be asked. An
    /// idempotency key is released for these, not saved.
    pub(crate) fn asks_for_a_new_attempt(&self) -> bool {
        matches!(
            self,
            ApiError::Invalid(_)
                | ApiError::UnknownVersion(_)
                | ApiError::WebhookRejected(_)
                | ApiError::ChangedWhileApproving
                | ApiError::WebhookUnavailable
        )
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::UnknownVersion(_) | ApiError::Invalid(_) | ApiError::WebhookRejected(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::WebhookUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::LinkGone => StatusCode::GONE,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::UserNotFound | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::Taken(_)
            | ApiError::ChangedWhileApproving
            | ApiError::IdempotencyKeyInUse => StatusCode::CONFLICT,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout | ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The reason label of the metrics of this error: a fixed word per variant.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::UnknownVersion(_) => "unknown_version",
            ApiError::Forbidden => "forbidden",
            ApiError::UserNotFound => "user_not_found",
            ApiError::Invalid(_) => "invalid",
            ApiError::Taken(_) => "taken",
            ApiError::WebhookRejected(_) => "webhook_rejected",
            ApiError::WebhookUnavailable => "webhook_unavailable",
            ApiError::ChangedWhileApproving => "changed_while_approving",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::IdempotencyKeyInUse => "idempotency_key_in_use",
            ApiError::LinkGone => "link_gone",
            ApiError::BodyTimeout(_) => "body_timeout",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::RouteNotFound => "route_not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Timeout => "timeout",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal => "internal",
        }
    }

    /// The error a bare status stands for, for responses made outside the handlers.
    pub(crate) fn from_status(status: StatusCode) -> ApiError {
        match status {
            StatusCode::UNAUTHORIZED => ApiError::Unauthenticated,
            StatusCode::GONE => ApiError::LinkGone,
            StatusCode::NOT_FOUND => ApiError::RouteNotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => ApiError::Timeout,
            s if s.is_client_error() => ApiError::Invalid(
                fitmate_model::rules::Fault::new(
                    "",
                    fitmate_model::rules::Code::InvalidJson,
                    "the request could not be read",
                )
                .into(),
            ),
            _ => ApiError::Internal,
        }
    }

    const UNAUTHENTICATED: &'static str =
        "Missing or invalid API key: send Authorization: Bearer <key>";
    const PAYLOAD_TOO_LARGE: &'static str = "the body is over 64 KiB";
    const UNSUPPORTED_MEDIA_TYPE: &'static str =
        "the body must be JSON sent with Content-Type: application/json";
    const ROUTE_NOT_FOUND: &'static str = "no such endpoint";
    const METHOD_NOT_ALLOWED: &'static str = "this endpoint does not take this method";
    const TIMEOUT: &'static str =
        "the request took too long; nothing may be assumed about it, retry it";
    const INTERNAL: &'static str = "Internal server error";
    const UNAVAILABLE: &'static str = "the service is unavailable for a moment; nothing may be assumed about the request, retry it";
    const WEBHOOK_UNAVAILABLE: &'static str =
        "The project's validation webhook could not be asked; nothing was changed";
    const LINK_GONE: &'static str = "This magic link was already used or has expired";
    const KEY_REUSED: &'static str = "This Idempotency-Key was used with another request (method, path, version or body); use a new key for a new request";
    const KEY_IN_USE: &'static str =
        "A request with this Idempotency-Key is still running; retry after it ends";
    const CHANGED_WHILE_APPROVING: &'static str = "The user kept changing while the project's validation webhook was asked about this update; nothing was changed. Send the update again";

    /// The JSON body in `format`.
    pub(crate) fn body(self, format: ErrorFormat, request_id: &str) -> Vec<u8> {
        let json = match format {
            ErrorFormat::Fitmate => serde_json::to_vec(&self.fitmate_body(request_id)),
            ErrorFormat::Projects => serde_json::to_vec(&self.projects_body(request_id)),
        };
        json.unwrap_or_else(|_| br#"{"message":"Internal server error"}"#.to_vec())
    }

    fn fitmate_body(self, request_id: &str) -> ErrorBody {
        let server_error = self.status().is_server_error();
        let mut body = match self {
            ApiError::Unauthenticated => ErrorBody::message(Self::UNAUTHENTICATED),
            ApiError::UnknownVersion(unknown) => ErrorBody::message(unknown.to_string()),
            ApiError::Forbidden => ErrorBody::message("this key does not serve that project"),
            ApiError::UserNotFound => ErrorBody::message(fitmate_error::USER_NOT_FOUND),
            ApiError::Invalid(report) => ErrorBody::from_report(report),
            ApiError::WebhookRejected(message) => {
                ErrorBody::from_report(Fault::new("", Code::ValidationFailed, message).into())
            }
            ApiError::WebhookUnavailable => ErrorBody::message(Self::WEBHOOK_UNAVAILABLE),
            ApiError::ChangedWhileApproving => ErrorBody::message(Self::CHANGED_WHILE_APPROVING),
            ApiError::IdempotencyKeyReused => ErrorBody::from_report(
                Fault::new(
                    "Idempotency-Key",
                    Code::IdempotencyKeyReused,
                    Self::KEY_REUSED,
                )
                .into(),
            ),
            ApiError::IdempotencyKeyInUse => ErrorBody::from_report(
                Fault::new(
                    "Idempotency-Key",
                    Code::IdempotencyKeyInUse,
                    Self::KEY_IN_USE,
                )
                .into(),
            ),
            ApiError::LinkGone => ErrorBody::message(Self::LINK_GONE),
            ApiError::Taken(Conflict::Email) => ErrorBody::email_exists(),
            ApiError::Taken(Conflict::Phone) => ErrorBody::phone_exists(),
            ApiError::Taken(conflict) => ErrorBody::message(conflict.to_string()),
            ApiError::BodyTimeout(limit) => ErrorBody::message(Self::body_timeout(limit)),
            ApiError::PayloadTooLarge => ErrorBody::message(Self::PAYLOAD_TOO_LARGE),
            ApiError::UnsupportedMediaType => ErrorBody::message(Self::UNSUPPORTED_MEDIA_TYPE),
            ApiError::RouteNotFound => ErrorBody::message(Self::ROUTE_NOT_FOUND),
            ApiError::MethodNotAllowed => ErrorBody::message(Self::METHOD_NOT_ALLOWED),
            ApiError::RateLimited(wait) => ErrorBody::message(Self::rate_limited(wait)),
            ApiError::Timeout => ErrorBody::message(Self::TIMEOUT),
            ApiError::Unavailable => ErrorBody::message(Self::UNAVAILABLE),
            ApiError::Internal => ErrorBody::message(Self::INTERNAL),
        };
        if server_error {
            body.request_id = Some(request_id.to_owned());
        }
        body
    }

    fn projects_body(self, request_id: &str) -> projects::ErrorBody {
        use projects::ErrorBody as Body;
        let server_error = self.status().is_server_error();
        let unavailable = match self {
            ApiError::Timeout => Some(Self::TIMEOUT),
            ApiError::Unavailable => Some(Self::UNAVAILABLE),
            _ => None,
        };
        let mut body = match self {
            ApiError::Unauthenticated => {
                Body::new(ErrorCode::Unauthenticated, Self::UNAUTHENTICATED)
            }
            ApiError::UnknownVersion(unknown) => {
                Body::new(ErrorCode::UnsupportedVersion, unknown.to_string())
            }
            ApiError::Forbidden => Body::new(
                ErrorCode::NotAuthorized,
                "This API key does not serve that project",
            ),
            ApiError::UserNotFound | ApiError::RouteNotFound => {
                Body::new(ErrorCode::NotFound, fitmate_error::USER_NOT_FOUND)
            }
            ApiError::Invalid(report) => Body::from_report(report),
            ApiError::WebhookRejected(message) => Body::new(ErrorCode::ValidationFailed, message),
            ApiError::WebhookUnavailable => {
                Body::new(ErrorCode::ValidationUnavailable, Self::WEBHOOK_UNAVAILABLE)
            }
            ApiError::ChangedWhileApproving => {
                Body::new(ErrorCode::Conflict, Self::CHANGED_WHILE_APPROVING)
            }
            ApiError::IdempotencyKeyReused => {
                Body::new(ErrorCode::IdempotencyKeyReused, Self::KEY_REUSED)
            }
            ApiError::IdempotencyKeyInUse => {
                Body::new(ErrorCode::IdempotencyKeyInUse, Self::KEY_IN_USE)
            }
            ApiError::LinkGone => Body::new(ErrorCode::NotFound, Self::LINK_GONE),
            ApiError::Taken(_) => Body::new(ErrorCode::UsernameTaken, "Username already taken"),
            ApiError::BodyTimeout(limit) => {
                Body::new(ErrorCode::RequestTimeout, Self::body_timeout(limit))
            }
            ApiError::PayloadTooLarge => {
                Body::new(ErrorCode::PayloadTooLarge, Self::PAYLOAD_TOO_LARGE)
            }
            ApiError::UnsupportedMediaType => Body::new(
                ErrorCode::UnsupportedMediaType,
                Self::UNSUPPORTED_MEDIA_TYPE,
            ),
            ApiError::MethodNotAllowed => {
                Body::new(ErrorCode::MethodNotAllowed, Self::METHOD_NOT_ALLOWED)
            }
            ApiError::RateLimited(wait) => {
                Body::new(ErrorCode::RateLimited, Self::rate_limited(wait))
            }
            ApiError::Timeout | ApiError::Unavailable | ApiError::Internal => Body::new(
                ErrorCode::ServerError,
                unavailable.unwrap_or(Self::INTERNAL),
            ),
        };
        if server_error {
            body.details = Some(request_id.to_owned());
        }
        body
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status())
    }
}

impl std::error::Error for ApiError {}

impl From<Report> for ApiError {
    fn from(report: Report) -> Self {
        ApiError::Invalid(report)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(conflict) => ApiError::Taken(conflict),
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "the database is unavailable");
                ApiError::Unavailable
            }
            other => ApiError::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    /// The status alone, with the error in the extensions; `finish` writes the body.
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if matches!(self, ApiError::BodyTimeout(_)) {
            // The rest of the body may still come; the connection cannot carry another
            // request after it.
            response.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
        }
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(error: ApiError, format: ErrorFormat, request_id: &str) -> serde_json::Value {
        serde_json::from_slice(&error.body(format, request_id)).unwrap_or_default()
    }

    #[test]
    fn server_errors_carry_the_request_id_and_no_cause() {
        let body = rendered(ApiError::Internal, ErrorFormat::Projects, "req-1");
        assert_eq!(body["code"], "user/server-error");
        assert_eq!(body["details"], "req-1");
        let body = rendered(ApiError::Internal, ErrorFormat::Fitmate, "req-2");
        assert_eq!(body["requestId"], "req-2");
        let body = rendered(ApiError::UserNotFound, ErrorFormat::Fitmate, "req-3");
        assert_eq!(
            body,
            serde_json::json!({"message": "User not found", "errors": []})
        );
    }
}
