//! What a call can fail with.

use std::time::Duration;

use fitmate_model::rules::{Code, Fault, Report};

/// A failed call. The documented answers of the API are variants of their own; a
/// transport failure keeps the `reqwest::Error` as its source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 409: another user of the project has this email.
    #[error("Email already exists")]
    EmailExists,
    /// 409: another user of the project has this phone number.
    #[error("Phone number already exists")]
    PhoneExists,
    /// 409: another user of the project has this username.
    #[error("Username already taken")]
    UsernameTaken,
    /// 400 (or refused before sending, when checked locally): every fault of the payload.
    #[error("{}", message(.0))]
    Invalid(Report),
    /// 404: no such user in the key's project.
    #[error("User not found")]
    NotFound,
    /// 401: no key, or an unknown or revoked one.
    #[error("the API key was refused")]
    Unauthorized,
    /// 403: the key does not serve that project.
    #[error("the API key does not serve that project")]
    Forbidden,
    /// 400: the project's validation webhook rejected the update, with its message.
    #[error("the project's validation webhook rejected the update: {0}")]
    WebhookRejected(String),
    /// 408, 429 or 502 to 504 (after the retries): the server cannot take the request now,
    /// or did not receive its body in time; or 409 when an earlier attempt of the same
    /// write still held its idempotency key past the policy's patience.
    #[error("{}{}", unavailable(*.status), after(.retry_after))]
    Unavailable {
        /// The status, 408, 429, 502, 503 or 504.
        status: u16,
        /// How long the server asked to wait, if it said.
        retry_after: Option<Duration>,
        /// The request id to quote to support, if the server gave one.
        request_id: Option<String>,
    },
    /// Another answer: a 5xx, or a status or body this client does not know.
    #[error("the server answered {status}{}", quote(.request_id))]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's message, if it gave one.
        message: Option<String>,
        /// The request id to quote to support, if the server gave one.
        request_id: Option<String>,
    },
    /// No answer: connecting, sending or reading failed, or timed out.
    #[error("no answer from the server: {0}")]
    Transport(#[source] reqwest::Error),
}

fn message(report: &Report) -> String {
    report
        .first_message()
        .unwrap_or("the payload is invalid")
        .to_owned()
}

fn unavailable(status: u16) -> &'static str {
    match status {
        408 => "the server did not receive the body in time",
        429 => "the API key sent more requests than its rate allows",
        _ => "the server is unavailable",
    }
}

fn after(retry_after: &Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| format!(" (retry after {} s)", d.as_secs()))
}

fn quote(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map_or_else(String::new, |id| format!(" (request id {id})"))
}

impl Error {
    /// The HTTP status the server answered with, if it answered; a payload refused
    /// before sending counts as 400.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::EmailExists | Error::PhoneExists | Error::UsernameTaken => Some(409),
            Error::Invalid(_) | Error::WebhookRejected(_) => Some(400),
            Error::NotFound => Some(404),
            Error::Unauthorized => Some(401),
            Error::Forbidden => Some(403),
            Error::Unavailable { status, .. } | Error::Server { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
        }
    }

    /// Whether sending the same request later may succeed: the server was unavailable or
    /// did not answer. A client error (4xx other than 408 and 429) never is.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Unavailable { .. } | Error::Transport(_) => true,
            Error::Server { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }

    /// The faults of an invalid payload (empty for other errors).
    pub fn faults(&self) -> &[Fault] {
        match self {
            Error::Invalid(report) => report.faults(),
            _ => &[],
        }
    }

    /// The error the server's 409 body names.
    pub(crate) fn conflict(faults: &[Fault], message: &str) -> Error {
        let code = faults.first().map(|f| f.code);
        match code {
            Some(Code::PhoneTaken) => Error::PhoneExists,
            Some(Code::UsernameTaken) => Error::UsernameTaken,
            Some(Code::EmailTaken) => Error::EmailExists,
            _ if message.contains("Phone") => Error::PhoneExists,
            _ if message.contains("sername") => Error::UsernameTaken,
            _ => Error::EmailExists,
        }
    }
}
