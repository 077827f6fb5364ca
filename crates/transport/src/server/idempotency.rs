//! `Idempotency-Key` on create, update and the project PATCH: a retried write gets the first
//! attempt's answer, byte for byte, instead of a second effect.
//!
//! The first request with a key claims it in the database (any replica sees the claim) for
//! a lease while it runs. How it ends decides what retries get:
//!
//! - an answer that wrote or settled something (2xx, and 4xx other than 400 and the
//!   "send it again" 409) is saved and replayed, with `Idempotent-Replayed: true`, until
//!   the key expires (24 hours by default);
//! - an answer that changed nothing and asks for a new attempt (400, 409 `user/conflict`,
//!   the webhook's 503) releases the key, so the retry runs afresh;
//! - an answer that leaves the outcome unknown (a timeout, a database failure) keeps the
//!   claim until its lease ends: retries get 409 meanwhile, then run afresh. A replica
//!   that dies mid-request leaves the key the same way.
//!
//! The same key with another request (method, path, version or body) is 422.

use std::time::Duration;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use fitmate_model::rules::{Code, Fault};
use fitmate_store::{AuditAction, IdempotencyClaim, IdempotencyState, IdempotentAnswer, Store};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::App;
use super::error::ApiError;
use super::extract::Caller;
use crate::error_format::ErrorFormat;

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The header of a replayed answer.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The longest key, in characters.
const KEY_MAX_CHARS: usize = 255;

/// The key a request carries, if any: 1 to 255 printable ASCII characters, bare or in the
/// IETF draft's quoted form (`"…"`, with `\"` and `\\` escapes).
fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(&IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::Invalid(
            Fault::new(
                "Idempotency-Key",
                Code::InvalidIdempotencyKey,
                format!(
                    "Idempotency-Key must be 1 to {KEY_MAX_CHARS} printable ASCII characters, \
                     bare or quoted"
                ),
            )
            .into(),
        )
    };
    let text = value.to_str().map_err(|_| invalid())?.trim();
    // The quoted form when it is one; otherwise the value as it is (a bare key may hold
    // quotes too).
    let key = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(unquote)
        .unwrap_or_else(|| text.to_owned());
    let printable = key.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    if key.is_empty() || key.len() > KEY_MAX_CHARS || !printable {
        return Err(invalid());
    }
    Ok(Some(key))
}

/// The key of the quoted form's inside: `\"` and `\\` escapes, no bare quote; `None` when it
/// is not one.
fn unquote(quoted: &str) -> Option<String> {
    let mut key = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => key.push(chars.next().filter(|c| matches!(c, '"' | '\\'))?),
            '"' => return None,
            c => key.push(c),
        }
    }
    Some(key)
}

/// What makes two requests the same: method, path, the version they are read in, body.
fn fingerprint(method: &Method, path: &str, caller: &Caller, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [
        method.as_str().as_bytes(),
        path.as_bytes(),
        caller.version.as_str().as_bytes(),
    ] {
        hash.update(part);
        hash.update(b"\n");
    }
    hash.update(body);
    hash.finalize().into()
}

/// What a write answered, and which user the answer is about.
pub(crate) type Outcome = Result<(Response, Option<Uuid>), ApiError>;

/// Runs `work`, the write of a request to `path`, at most once per idempotency key: see
/// the module's documentation.
pub(crate) async fn once<S: Store>(
    app: &App<S>,
    caller: &Caller,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
    work: impl Future<Output = Outcome>,
) -> Result<Response, ApiError> {
    let Some(key) = key_of(headers)? else {
        return work.await.map(|(response, _)| response);
    };
    let store = app.store();
    let fingerprint = fingerprint(method, path, caller, body);
    let now = Timestamp::now();
    let after = |wait: Duration| {
        SignedDuration::try_from(wait)
            .ok()
            .and_then(|wait| now.checked_add(wait).ok())
            .unwrap_or(now)
    };
    let token = *Uuid::new_v4().as_bytes();
    let claim = IdempotencyClaim {
        project: caller.project.clone(),
        key: key.clone(),
        fingerprint,
        token,
        now,
        lease_until: after(app.idempotency_lease()),
        expires_at: after(app.idempotency_ttl()),
    };
    match store.claim_idempotency_key(&claim).await? {
        IdempotencyState::Claimed => {}
        IdempotencyState::Running { fingerprint: held } if held == fingerprint => {
            return Err(ApiError::IdempotencyKeyInUse);
        }
        IdempotencyState::Answered {
            fingerprint: held,
            status,
            body,
            user,
        } if held == fingerprint => {
            // A replay hands the user's data out again: the trail says so.
            if let Some(user) = user {
                let audit = caller.audit(AuditAction::Replay, answered_fields(&body));
                store.record_read(&caller.project, user, &audit).await?;
            }
            return Ok(replay(status, body));
        }
        _ => return Err(ApiError::IdempotencyKeyReused),
    }
    let project = &caller.project;
    match work.await {
        Ok((response, user)) => {
            let (mut parts, answer) = response.into_parts();
            let bytes = axum::body::to_bytes(answer, usize::MAX)
                .await
                .map_err(|e| ApiError::internal(&e))?;
            let saved = IdempotentAnswer {
                status: parts.status.as_u16(),
                body: bytes.to_vec(),
                user,
            };
            if let Err(error) = store
                .save_idempotent_answer(project, &key, token, &saved)
                .await
            {
                // The write went through: its answer goes out. Retries get 409 until the
                // lease ends, then run again and meet what this one wrote.
                tracing::warn!(%error, "saving an idempotent answer failed");
            }
            parts.headers.remove(http::header::CONTENT_LENGTH);
            Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
        }
        Err(error) if error.asks_for_a_new_attempt() => {
            if let Err(e) = store.release_idempotency_key(project, &key, token).await {
                tracing::warn!(error = %e, "releasing an idempotency key failed; it waits for its lease");
            }
            Err(error)
        }
        Err(error) if error.status().is_client_error() => {
            let saved = IdempotentAnswer {
                status: error.status().as_u16(),
                body: error.clone().body(ErrorFormat::of(path), "-"),
                user: None,
            };
            if let Err(e) = store
                .save_idempotent_answer(project, &key, token, &saved)
                .await
            {
                tracing::warn!(error = %e, "saving an idempotent answer failed");
            }
            Err(error)
        }
        // The outcome is unknown: the claim stays until its lease ends.
        Err(error) => Err(error),
    }
}

/// The names of the user's fields a saved answer holds: its `data`'s, or its own members'.
fn answered_fields(body: &[u8]) -> Vec<String> {
    let Ok(serde_json::Value::Object(answer)) = serde_json::from_slice(body) else {
        return Vec::new();
    };
    match answer.get("data") {
        Some(serde_json::Value::Object(data)) => data.keys().cloned().collect(),
        _ => answer.keys().cloned().collect(),
    }
}

/// A saved answer, as first given, marked as a replay.
fn replay(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(value: &str) -> Result<Option<String>, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(IDEMPOTENCY_KEY, HeaderValue::from_str(value).unwrap());
        key_of(&headers)
    }

    #[test]
    fn keys_are_bare_or_quoted_printable_ascii_of_at_most_255_characters() {
        assert_eq!(key("abc-123").unwrap().as_deref(), Some("abc-123"));
        assert_eq!(
            key("\"8e03978e-40d5\"").unwrap().as_deref(),
            Some("8e03978e-40d5")
        );
        assert_eq!(key(r#""a\"b""#).unwrap().as_deref(), Some("a\"b"));
        assert_eq!(key(&"k".repeat(255)).unwrap().map(|k| k.len()), Some(255));
        // Not the quoted form: a bare key that holds quotes.
        assert_eq!(key(r#""a"b""#).unwrap().as_deref(), Some(r#""a"b""#));
        for bad in ["", "\"\"", &"k".repeat(256), "é"] {
            assert!(key(bad).is_err(), "{bad:?}");
        }
        assert_eq!(key_of(&HeaderMap::new()).unwrap(), None);
    }
}
