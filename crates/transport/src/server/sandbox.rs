//! What sandbox projects offer their own keys besides the API: the request log, answers on
//! demand (`Prefer: code=NNN`), the reset, the project clock, and the reads the console
//! shows (users in each version, the emails sent). A production project's key gets 404 on
//! every `/_sandbox` path, and its `Prefer` is ignored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::response::{IntoResponse, Response};
use fitmate_model::ApiVersion;
use fitmate_model::rules::{Code, Fault};
use fitmate_store::{AuditAction, Conflict, LoggedRequest, ProjectId, REQUEST_LOG_KEPT, Store};
use http::request::Parts;
use http::{HeaderMap, Method};
use serde_json::{Value, json};
use uuid::Uuid;

use super::App;
use super::error::ApiError;
use super::extract::{Caller, JsonBody};
use super::finish::RequestSlot;

/// The header a sandbox caller names the answer it wants in (Prism's convention).
pub(crate) const PREFER: http::HeaderName = http::HeaderName::from_static("prefer");

/// The longest answer body the request log keeps; a longer one goes out as it is and is
/// logged without it.
const LOGGED_BODY_LIMIT: usize = 256 * 1024;

/// What the request log learns of a request while it runs: what it is and whose sandbox
/// (set by the caller's extractor, only for a sandbox project's API requests), the body it
/// sent, the user it concerns, and the validation webhook call it made. Every request
/// carries one, empty, in its [`RequestSlot`].
#[derive(Default)]
pub(crate) struct Trace {
    marked: OnceLock<Marked>,
    request_body: OnceLock<Bytes>,
    webhook: Mutex<Option<Value>>,
    user: OnceLock<Uuid>,
}

impl std::fmt::Debug for Trace {
    /// What the request is, never its bodies.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("marked", &self.marked.get())
            .finish_non_exhaustive()
    }
}

/// A request to be logged: its project, and what the log names it by.
#[derive(Debug)]
struct Marked {
    project: ProjectId,
    method: String,
    path: String,
    request_id: String,
}

impl Trace {
    /// Marks the request (`parts`, with id `request_id`) as one of `project`'s, to be
    /// logged.
    pub(crate) fn mark(&self, project: &ProjectId, parts: &Parts, request_id: &str) {
        let _ = self.marked.set(Marked {
            project: project.clone(),
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            request_id: request_id.to_owned(),
        });
    }

    /// Whether the request is to be logged.
    pub(crate) fn is_marked(&self) -> bool {
        self.marked.get().is_some()
    }

    /// Keeps the request's body, when the request is logged.
    pub(crate) fn keep_request_body(&self, body: &Bytes) {
        if self.is_marked() {
            let _ = self.request_body.set(body.clone());
        }
    }

    /// Records the user the request reads or writes, so that its entry is erased with it.
    pub(crate) fn user_is(&self, user: Uuid) {
        let _ = self.user.set(user);
    }

    /// Records the request's validation webhook call (the last one, when it asked again).
    pub(crate) fn webhook_called(&self, call: Value) {
        if let Ok(mut webhook) = self.webhook.lock() {
            *webhook = Some(call);
        }
    }
}

/// Where the `finish` middleware hands the answer of a marked request, to be kept in its
/// project's log: the server's store, behind a trait so that the middleware need not be
/// generic over it.
pub(crate) trait RequestLog: Send + Sync + 'static {
    /// Keeps `entry` in the log of `project`; a failure is logged, not answered.
    fn keep<'a>(
        &'a self,
        project: &'a ProjectId,
        entry: &'a LoggedRequest,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;
}

impl<S: Store> RequestLog for App<S> {
    fn keep<'a>(
        &'a self,
        project: &'a ProjectId,
        entry: &'a LoggedRequest,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            if let Err(error) = self.store().log_request(project, entry).await {
                tracing::warn!(%error, "keeping a sandbox request in its log failed");
            }
        })
    }
}

/// Writes the marked request of `slot`, answered `response` after `latency`, to its
/// project's log, and gives the response back: the answer leaves after its entry is kept,
/// so a partner reading the log next finds it. An answer of unknown or too great a length
/// goes out as it is, logged without its body.
pub(crate) async fn log_answer(
    log: Arc<dyn RequestLog>,
    slot: RequestSlot,
    latency: std::time::Duration,
    response: Response,
) -> Response {
    let trace = slot.trace();
    let Some(marked) = trace.marked.get() else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let small = http_body::Body::size_hint(&body)
        .upper()
        .is_some_and(|n| n <= LOGGED_BODY_LIMIT as u64);
    let (body, kept) = if small {
        match axum::body::to_bytes(body, LOGGED_BODY_LIMIT).await {
            Ok(bytes) => (Body::from(bytes.clone()), Some(bytes)),
            // The body failed while being read: the client would have seen it fail too.
            Err(_) => (Body::empty(), None),
        }
    } else {
        (body, None)
    };
    let entry = LoggedRequest {
        request_id: marked.request_id.clone(),
        at: jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::try_from(latency).unwrap_or_default())
            .unwrap_or_else(|_| jiff::Timestamp::now()),
        method: marked.method.clone(),
        path: marked.path.clone(),
        version: parts
            .headers
            .get(&super::VERSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        status: parts.status.as_u16(),
        latency_us: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
        request_body: trace.request_body.get().map(without_secure_metadata),
        response_body: kept.map(|b| b.to_vec()),
        webhook: trace.webhook.lock().ok().and_then(|mut w| w.take()),
        user: trace.user.get().copied(),
    };
    log.keep(&marked.project, &entry).await;
    Response::from_parts(parts, body)
}

/// What the log keeps of a request body: the body, but with the value of every
/// `secureMetadata` in it replaced, since no endpoint ever returns `secureMetadata`, the
/// log included. A body that is not JSON is kept as it came.
fn without_secure_metadata(body: &Bytes) -> Vec<u8> {
    fn hide(value: &mut Value) -> bool {
        match value {
            Value::Object(fields) => {
                let mut hid = false;
                for (name, field) in fields.iter_mut() {
                    if name == "secureMetadata" {
                        *field = Value::String(SEALED.to_owned());
                        hid = true;
                    } else {
                        hid |= hide(field);
                    }
                }
                hid
            }
            Value::Array(items) => {
                // Every item is visited: none may keep its value.
                let mut hid = false;
                for item in items {
                    hid |= hide(item);
                }
                hid
            }
            _ => false,
        }
    }
    // Parsed whatever its bytes say: a key may be written with escapes
    // (`"secure\u004detadata"`).
    let Ok(mut json) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    if hide(&mut json) {
        serde_json::to_vec(&json).unwrap_or_default()
    } else {
        body.to_vec()
    }
}

/// What the log shows instead of a `secureMetadata` value.
const SEALED: &str = "(secureMetadata: sealed, never shown)";

/// The `code` of the request's `Prefer` header, if it names one: `Prefer: code=404`, among
/// other preferences or not. A code that is not a number is refused.
pub(crate) fn preferred_code(headers: &HeaderMap) -> Result<Option<u16>, ApiError> {
    for value in headers.get_all(&PREFER) {
        let text = String::from_utf8_lossy(value.as_bytes());
        for preference in text.split([',', ';']) {
            let Some((name, code)) = preference.split_once('=') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("code") {
                continue;
            }
            let code = code.trim().trim_matches('"');
            return match code.parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) => Ok(Some(code)),
                _ => Err(prefer_fault(format!(
                    "Prefer: code must be an HTTP status, e.g. code=404, not {:?}",
                    code.chars().take(20).collect::<String>()
                ))),
            };
        }
    }
    Ok(None)
}

fn prefer_fault(message: String) -> ApiError {
    ApiError::Invalid(Fault::new("Prefer", Code::InvalidPrefer, message).into())
}

/// The error statuses each operation documents, by method and path template, read from the
/// combined OpenAPI document (every version's operations are the same).
#[derive(Debug, Default)]
pub(crate) struct DocumentedErrors(HashMap<(Method, String), Vec<u16>>);

impl DocumentedErrors {
    /// The statuses of 400 and over that `document`'s operations list.
    pub(crate) fn of(document: &Value) -> Self {
        let mut found = HashMap::new();
        let paths = document["paths"].as_object().into_iter().flatten();
        for (path, item) in paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                let mut codes: Vec<u16> = operation["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(status, _)| status.parse().ok())
                    .filter(|status| *status >= 400)
                    .collect();
                codes.sort_unstable();
                found.insert((method, path.clone()), codes);
            }
        }
        DocumentedErrors(found)
    }

    /// The error the sandbox answers for `Prefer: code=<code>` on the operation `method`
    /// `path` (its template, as routed): the documented error of that status, or a 400 that
    /// names the documented ones.
    pub(crate) fn forced(&self, method: &Method, path: &str, code: u16) -> ApiError {
        let documented = self
            .0
            .get(&(method.clone(), path.to_owned()))
            .map_or(&[][..], Vec::as_slice);
        if !documented.contains(&code) {
            let list = documented
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            return prefer_fault(format!(
                "code={code} is not a documented answer of {method} {path}; the documented errors are {list}"
            ));
        }
        let forced =
            || format!("Prefer: code={code} asked for this answer (sandbox); nothing was changed");
        match code {
            401 => ApiError::Unauthenticated,
            403 => ApiError::Forbidden,
            404 => ApiError::UserNotFound,
            405 => ApiError::MethodNotAllowed,
            408 => ApiError::BodyTimeout(std::time::Duration::from_secs(10)),
            409 if path == "/users/create" => ApiError::Taken(Conflict::Email),
            409 => ApiError::Taken(Conflict::Phone),
            410 => ApiError::LinkGone,
            413 => ApiError::PayloadTooLarge,
            415 => ApiError::UnsupportedMediaType,
            422 => ApiError::IdempotencyKeyReused,
            429 => ApiError::RateLimited(std::time::Duration::from_secs(1)),
            500 => ApiError::Internal,
            503 => ApiError::Unavailable,
            _ => ApiError::Invalid(Fault::new("", Code::ValidationFailed, forced()).into()),
        }
    }
}

/// The caller of a `/_sandbox` endpoint: a key of a sandbox project. Any other key is
/// told there is no such endpoint.
pub(crate) struct SandboxCaller(Caller);

impl<S: Store> FromRequestParts<App<S>> for SandboxCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, app).await?;
        if caller.settings.settings.sandbox {
            Ok(SandboxCaller(caller))
        } else {
            Err(ApiError::RouteNotFound)
        }
    }
}

/// `?limit=N` of the listings.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Listing {
    limit: Option<u32>,
}

impl Listing {
    /// The limit asked for (1 to `most`), else `default`.
    fn limit(&self, default: u32, most: u32) -> Result<u32, ApiError> {
        limit(self.limit, default, most)
    }
}

/// `given` if it is 1 to `most`, `default` if none is given; else a 400 naming `limit`.
fn limit(given: Option<u32>, default: u32, most: u32) -> Result<u32, ApiError> {
    match given {
        None => Ok(default),
        Some(n) if (1..=most).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::Invalid(
            Fault::new(
                "limit",
                Code::InvalidType,
                format!("limit must be a whole number from 1 to {most}"),
            )
            .into(),
        )),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Listing {
    type Rejection = ApiError;

    /// A query string that is not `limit=N` is a 400 naming what was not understood.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(listing) = Query::<Listing>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                ApiError::Invalid(
                    Fault::new(
                        "query",
                        Code::InvalidType,
                        format!(
                            "the query string is not understood: {}",
                            rejection.body_text()
                        ),
                    )
                    .into(),
                )
            })?;
        Ok(listing)
    }
}

fn time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A logged body as the log shows it: the JSON it was, else the text, else nothing.
fn shown(body: Option<Vec<u8>>) -> Value {
    match body {
        None => Value::Null,
        Some(b) if b.is_empty() => Value::Null,
        Some(b) => serde_json::from_slice(&b)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&b).into_owned())),
    }
}

/// `GET /_sandbox/requests?limit=N`: the newest requests first (50 unless asked, at most
/// the 1,000 kept).
pub(crate) async fn requests<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
    listing: Listing,
) -> Result<Response, ApiError> {
    let limit = listing.limit(50, REQUEST_LOG_KEPT)?;
    let logged = app.store().logged_requests(&caller.project, limit).await?;
    const SHOWN: [&str; 2] = ["requestBody", "responseBody"];
    let users = logged.iter().filter_map(|e| e.user).collect();
    audit_reads(&app, &caller, users, &SHOWN).await?;
    let data: Vec<Value> = logged
        .into_iter()
        .map(|entry| {
            json!({
                "requestId": entry.request_id,
                "time": time(entry.at),
                "method": entry.method,
                "path": entry.path,
                "version": entry.version,
                "status": entry.status,
                "latencyMs": entry.latency_us as f64 / 1000.0,
                "requestBody": shown(entry.request_body),
                "responseBody": shown(entry.response_body),
                "webhook": entry.webhook,
            })
        })
        .collect();
    Ok(Json(json!({ "data": data })).into_response())
}

/// `POST /_sandbox/reset`: erases the project's users, emails, magic links and request
/// log, and sets its clock back to the real time. Audit events stay.
pub(crate) async fn reset<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
) -> Result<Response, ApiError> {
    let audit = caller.audit(AuditAction::Delete, [""; 0]);
    let erased = app.store().reset_sandbox(&caller.project, &audit).await?;
    Ok(Json(json!({"deleted": {
        "users": erased.users,
        "emails": erased.emails,
        "requests": erased.requests,
    }}))
    .into_response())
}

/// The body of `POST /_sandbox/clock`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance: String,
}

/// The farthest the project clock may run ahead of the real one, all advances together.
const MOST_AHEAD: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 3660);

/// `GET /_sandbox/clock`: the project's time and how far it runs ahead.
pub(crate) async fn clock<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
) -> Result<Response, ApiError> {
    let project = app
        .store()
        .project(&caller.project)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(clock_answer(project.clock_offset))
}

/// `POST /_sandbox/clock {"advance": "25h"}`: moves the project's clock forward (a
/// duration such as `25h`, `90m`, `2h 30m` or ISO 8601 `PT25H`); it never goes back but by
/// a reset.
pub(crate) async fn advance_clock<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let advance: Advance = body.parse()?;
    let by = duration(advance.advance.trim())
        .filter(|by| by.is_positive())
        .ok_or_else(|| {
            ApiError::Invalid(
                Fault::new(
                    "advance",
                    Code::InvalidText,
                    "advance must be a positive duration, e.g. \"25h\", \"2d 3h\", \"90m\" or \"PT25H\"",
                )
                .into(),
            )
        })?;
    let offset = app
        .store()
        .advance_clock(&caller.project, by, MOST_AHEAD)
        .await?
        .ok_or_else(|| {
            ApiError::Invalid(
                Fault::new(
                    "advance",
                    Code::InvalidText,
                    "the project clock may run at most 10 years ahead of the real time; \
                     reset the sandbox to set it back",
                )
                .into(),
            )
        })?;
    Ok(clock_answer(offset))
}

/// A duration as people write it (`25h`, `2d 3h`, `90m`) or as ISO 8601 (`PT25H`, `P2D`);
/// a day is 24 hours.
fn duration(text: &str) -> Option<jiff::SignedDuration> {
    if let Ok(exact) = text.parse::<jiff::SignedDuration>() {
        return Some(exact);
    }
    let span: jiff::Span = text.parse().ok()?;
    span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .ok()
}

fn clock_answer(offset: jiff::SignedDuration) -> Response {
    let now = jiff::Timestamp::now()
        .checked_add(offset)
        .unwrap_or(jiff::Timestamp::MAX);
    Json(json!({"now": time(now), "offsetSeconds": offset.as_secs()})).into_response()
}

/// `GET /_sandbox/users?limit=N`: the project's newest users.
pub(crate) async fn users<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
    listing: Listing,
) -> Result<Response, ApiError> {
    let limit = listing.limit(50, 500)?;
    users_whose_email_contains(&app, &caller, "", limit).await
}

/// The body of `POST /_sandbox/users/search`: the email goes in the body, as with
/// `/users/retrieve`, so that no access log in front of the server records it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Search {
    email: String,
    limit: Option<u32>,
}

/// `POST /_sandbox/users/search {"email": "part"}`: the project's users whose email
/// contains `part` (case-insensitively), the newest first.
pub(crate) async fn search_users<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
    body: JsonBody,
) -> Result<Response, ApiError> {
    let search: Search = body.parse()?;
    let limit = limit(search.limit, 50, 500)?;
    users_whose_email_contains(&app, &caller, &search.email, limit).await
}

/// The users of the caller's project whose email contains `part`, each read audited.
async fn users_whose_email_contains<S: Store>(
    app: &App<S>,
    caller: &Caller,
    part: &str,
    limit: u32,
) -> Result<Response, ApiError> {
    const SHOWN: [&str; 3] = ["email", "firstname", "lastname"];
    let found = app.store().find_users(&caller.project, part, limit).await?;
    let users = found.iter().map(|u| u.id).collect();
    audit_reads(app, caller, users, &SHOWN).await?;
    let data: Vec<Value> = found
        .iter()
        .map(|stored| {
            json!({
                "identifier": stored.id,
                "email": stored.user.email.as_str(),
                "firstName": stored.user.firstname.as_str(),
                "lastName": stored.user.lastname.as_str(),
            })
        })
        .collect();
    Ok(Json(json!({ "data": data })).into_response())
}

/// Appends an audit event of a read (by the console) of `fields` of each of `users`, once
/// per user, before the answer leaves: listings show patient data too.
async fn audit_reads<S: Store>(
    app: &App<S>,
    caller: &Caller,
    mut users: Vec<Uuid>,
    fields: &[&str],
) -> Result<(), ApiError> {
    users.sort_unstable();
    users.dedup();
    for user in users {
        let audit = caller.audit(AuditAction::Retrieve, fields.iter().copied());
        app.store()
            .record_read(&caller.project, user, &audit)
            .await?;
    }
    Ok(())
}

/// `GET /_sandbox/users/{identifier}`: the user as each version renders it, newest
/// version first. A read of the whole record: it is audited as a retrieve.
pub(crate) async fn user<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
    Path(identifier): Path<String>,
) -> Result<Response, ApiError> {
    let id = Uuid::parse_str(&identifier).map_err(|_| ApiError::UserNotFound)?;
    let stored = app
        .store()
        .user_by_id(&caller.project, id)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    let versions: Vec<(ApiVersion, serde_json::Map<String, Value>)> = ApiVersion::NEWEST_FIRST
        .iter()
        .map(|version| (*version, version.render_user(&stored.user)))
        .collect();
    let mut fields: Vec<&String> = versions.iter().flat_map(|(_, r)| r.keys()).collect();
    fields.sort_unstable();
    fields.dedup();
    let audit = caller.audit(AuditAction::Retrieve, fields);
    app.store()
        .record_read(&caller.project, stored.id, &audit)
        .await?;
    let versions: Vec<Value> = versions
        .into_iter()
        .map(|(version, record)| json!({"version": version.as_str(), "record": record}))
        .collect();
    Ok(Json(json!({"identifier": stored.id, "versions": versions})).into_response())
}

/// `GET /_sandbox/emails?limit=N`: the project's welcome emails, the newest first, each as
/// sent once delivered.
pub(crate) async fn emails<S: Store>(
    State(app): State<App<S>>,
    SandboxCaller(caller): SandboxCaller,
    listing: Listing,
) -> Result<Response, ApiError> {
    let limit = listing.limit(50, 500)?;
    let entries = app
        .store()
        .emails(Some(&caller.project), false, limit)
        .await?;
    // A sent email shows its recipient's address and first name.
    const SHOWN: [&str; 2] = ["email", "firstname"];
    let users = entries
        .iter()
        .filter(|e| e.copy.is_some())
        .map(|e| e.user)
        .collect();
    audit_reads(&app, &caller, users, &SHOWN).await?;
    let data: Vec<Value> = entries
        .into_iter()
        .map(|entry| {
            let status = if entry.delivered_at.is_some() {
                "delivered"
            } else if entry.bounced_at.is_some() {
                "bounced"
            } else {
                "pending"
            };
            let copy = entry.copy.as_ref();
            json!({
                "id": entry.id,
                "userIdentifier": entry.user,
                "status": status,
                "queuedAt": time(entry.queued_at),
                "deliveredAt": entry.delivered_at.map(time),
                "attempts": entry.attempts,
                "lastError": entry.last_error,
                "to": copy.map(|c| c.to.as_str()),
                "subject": copy.map(|c| c.subject.as_str()),
                "text": copy.map(|c| c.text.as_str()),
                "html": copy.map(|c| c.html.as_str()),
                "link": copy.map(|c| c.link.as_str()),
            })
        })
        .collect();
    Ok(Json(json!({ "data": data })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    fn prefer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(value) {
            headers.insert(PREFER, value);
        }
        headers
    }

    #[test]
    fn the_log_never_keeps_a_secure_metadata_value() {
        let body = Bytes::from_static(
            br#"{"update": {"bio": "x", "secureMetadata": {"mrn": "MRN-1"}}, "list": [{"secureMetadata": 1}]}"#,
        );
        let kept = String::from_utf8(without_secure_metadata(&body)).unwrap_or_default();
        assert!(!kept.contains("MRN-1"), "{kept}");
        assert!(kept.contains("\"bio\":\"x\""), "{kept}");
        assert_eq!(kept.matches(SEALED).count(), 2, "{kept}");
        // Not JSON: kept as it came (it cannot have been stored either).
        let broken = Bytes::from_static(b"{\"secureMetadata\": ");
        assert_eq!(without_secure_metadata(&broken), broken.to_vec());
        // A key written with an escape is the same key.
        let escaped = Bytes::from_static(br#"{"secure\u004detadata": {"mrn": "MRN-2"}}"#);
        let kept = String::from_utf8(without_secure_metadata(&escaped)).unwrap_or_default();
        assert!(!kept.contains("MRN-2"), "{kept}");
    }

    #[test]
    fn the_code_preference_is_read_among_others() {
        assert_eq!(preferred_code(&prefer("code=404")).ok(), Some(Some(404)));
        assert_eq!(
            preferred_code(&prefer("respond-async, Code = \"409\"")).ok(),
            Some(Some(409))
        );
        assert_eq!(preferred_code(&prefer("return=minimal")).ok(), Some(None));
        assert!(preferred_code(&prefer("code=abc")).is_err());
        assert!(preferred_code(&prefer("code=99")).is_err());
        assert_eq!(preferred_code(&HeaderMap::new()).ok(), Some(None));
    }

    #[test]
    fn every_documented_error_can_be_forced_with_its_own_status() {
        let table = DocumentedErrors::of(&fitmate_model::openapi());
        assert!(table.0.len() > 10, "the table is read from the document");
        for ((method, path), codes) in &table.0 {
            for code in codes {
                let status = table.forced(method, path, *code).status();
                assert_eq!(status.as_u16(), *code, "{method} {path}");
            }
        }
    }

    #[test]
    fn only_documented_codes_are_forced() {
        let table = DocumentedErrors::of(&fitmate_model::openapi());
        let create = |code| table.forced(&Method::POST, "/users/create", code).status();
        assert_eq!(create(409), StatusCode::CONFLICT);
        assert_eq!(create(401), StatusCode::UNAUTHORIZED);
        assert_eq!(create(400), StatusCode::BAD_REQUEST);
        // 410 belongs to the magic link, not to create: refused with a 400.
        let refused = table.forced(&Method::POST, "/users/create", 410);
        match refused {
            ApiError::Invalid(report) => {
                let text = format!("{report:?}");
                assert!(text.contains("400, 401"), "{text}");
            }
            other => panic!("expected a 400, got {other:?}"),
        }
    }
}
