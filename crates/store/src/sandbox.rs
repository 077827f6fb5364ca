//! What sandbox projects keep besides users: the request log, the copies of the emails sent,
//! and what a reset erased.

use jiff::Timestamp;

/// How many requests the log of a sandbox project keeps; older ones are forgotten.
pub const REQUEST_LOG_KEPT: u32 = 1_000;

/// One request to a sandbox project, as its log keeps it. The bodies and the webhook call are
/// sealed at rest with the store's secret key, like `secureMetadata`; no header is kept, so
/// neither is the API key. Its `Debug` shows no body.
#[derive(Clone, PartialEq)]
pub struct LoggedRequest {
    /// The request id (`X-Request-Id`).
    pub request_id: String,
    /// When it arrived.
    pub at: Timestamp,
    /// Its method.
    pub method: String,
    /// Its path, without the query.
    pub path: String,
    /// The API version it used, once its key was read.
    pub version: Option<String>,
    /// The status answered.
    pub status: u16,
    /// How long the answer took, in microseconds.
    pub latency_us: u64,
    /// The request's body, when it had one.
    pub request_body: Option<Vec<u8>>,
    /// The answer's body, when it had one.
    pub response_body: Option<Vec<u8>>,
    /// The validation webhook call the request made, if any, as the server describes it.
    pub webhook: Option<serde_json::Value>,
    /// The user the request read or wrote, when there was one: the entry is erased with it.
    pub user: Option<uuid::Uuid>,
}

impl std::fmt::Debug for LoggedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = |body: &Option<Vec<u8>>| body.as_ref().map(|b| format!("<{} bytes>", b.len()));
        f.debug_struct("LoggedRequest")
            .field("request_id", &self.request_id)
            .field("at", &self.at)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("version", &self.version)
            .field("status", &self.status)
            .field("latency_us", &self.latency_us)
            .field("request_body", &size(&self.request_body))
            .field("response_body", &size(&self.response_body))
            .field("webhook", &self.webhook.as_ref().map(|_| "<redacted>"))
            .field("user", &self.user)
            .finish()
    }
}

/// A welcome email of a sandbox project as it was sent, for the console to show. Only
/// sandbox projects keep one: it holds a live sign-in link. Its `Debug` shows the subject
/// alone.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailCopy {
    /// The recipient's address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
    /// The magic link in it.
    pub link: String,
}

/// What a sandbox reset erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResetCounts {
    /// Users, with their suspensions and magic links.
    pub users: u64,
    /// Emails of the outbox.
    pub emails: u64,
    /// Entries of the request log.
    pub requests: u64,
}

impl std::fmt::Debug for EmailCopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailCopy")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl EmailCopy {
    /// The copy as the store keeps it (before sealing).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "to": self.to,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "link": self.link,
        })
    }

    /// The copy from what [`to_json`](EmailCopy::to_json) made.
    pub(crate) fn from_json(json: &serde_json::Value) -> Option<EmailCopy> {
        let field = |name: &str| json.get(name)?.as_str().map(str::to_owned);
        Some(EmailCopy {
            to: field("to")?,
            subject: field("subject")?,
            text: field("text")?,
            html: field("html")?,
            link: field("link")?,
        })
    }
}
