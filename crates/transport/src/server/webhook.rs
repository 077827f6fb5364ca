//! The validateUserUpdated webhook: a project's own server approves every update first.
//!
//! The call is `POST <url>` with `{"event":"validateUserUpdated","apiVersion","projectId",
//! "userId","revision","data"}` (`data`: the changes, named as the project's webhook
//! version names them; `revision`: the user's revision they apply to, which is the one
//! written if approved), `X-Timestamp` (unix milliseconds) and `X-Signature`, the hex HMAC-SHA256 of
//! `"<timestamp>.<body>"` under the project's secret. Only a 2xx JSON answer whose
//! `X-Response-Signature` is the HMAC of `"<timestamp>.<answer body>"` (same timestamp)
//! counts; `{"valid": true}` lets the update through, `{"valid": false, "message"}`
//! rejects it with that message. Anything else fails closed: nothing is written.

use std::time::Duration;

use fitmate_model::UserChanges;
use fitmate_store::{Project, StoredUser};
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use super::webhook_address::{check_webhook_url, refusal_in};
use sha2::Sha256;

/// The longest answer read from a webhook.
const ANSWER_LIMIT: usize = 64 * 1024;
/// The longest rejection message passed on to the caller, in characters.
const MESSAGE_LIMIT: usize = 1000;

/// What the webhook said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A signed `{"valid": true}`.
    Valid,
    /// A signed `{"valid": false, "message"}`: the message.
    Rejected(String),
    /// No usable answer: what kind of failure, and why, for the log (never personal data).
    Unavailable(Unanswered, String),
}

impl Verdict {
    /// The outcome label of the call's metrics: one of [`OUTCOMES`].
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Verdict::Valid => "approved",
            Verdict::Rejected(_) => "rejected",
            Verdict::Unavailable(kind, _) => kind.as_str(),
        }
    }
}

/// Why a webhook gave no usable answer, in a word an operator can count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unanswered {
    /// The URL, or every address it resolves to, may not be called.
    Refused,
    /// No whole answer within the project's timeout.
    Timeout,
    /// No connection could be made.
    Unreachable,
    /// The answer's status was not 2xx.
    ErrorStatus,
    /// A 2xx answer that does not count: too large, unsigned, wrongly signed, not JSON.
    BadAnswer,
    /// The call failed otherwise (the connection broke, the call could not be made).
    Failed,
}

impl Unanswered {
    /// Its label.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Unanswered::Refused => "refused",
            Unanswered::Timeout => "timeout",
            Unanswered::Unreachable => "unreachable",
            Unanswered::ErrorStatus => "error_status",
            Unanswered::BadAnswer => "bad_answer",
            Unanswered::Failed => "failed",
        }
    }
}

/// Every outcome of a call, as its metrics name it.
pub(crate) const OUTCOMES: [&str; 8] = [
    "approved",
    "rejected",
    Unanswered::Refused.as_str(),
    Unanswered::Timeout.as_str(),
    Unanswered::Unreachable.as_str(),
    Unanswered::ErrorStatus.as_str(),
    Unanswered::BadAnswer.as_str(),
    Unanswered::Failed.as_str(),
];

fn sign(secret: &str, timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`, as the headers carry it.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    sign(secret, timestamp, body)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Asks the project's webhook about `changes` to user `user`; `None` when the project has
/// no webhook.
pub(crate) async fn ask(
    http: &reqwest::Client,
    allow_private: bool,
    project: &Project,
    user: &StoredUser,
    changes: &UserChanges,
) -> Option<Verdict> {
    let settings = &project.settings;
    let url = settings.validation_webhook.as_deref()?;
    // Projects made before the URL rules, or written to the database by hand, are held to
    // them here; what a host name resolves to is checked by the client's resolver.
    if let Err(why) = check_webhook_url(url, allow_private) {
        return Some(Verdict::Unavailable(
            Unanswered::Refused,
            format!("the webhook URL is refused: {why}"),
        ));
    }
    let secrets = live_secrets(project, jiff::Timestamp::now());
    let timeout = Duration::from_millis(u64::from(settings.webhook_timeout_ms));
    Some(
        match call(http, url, &secrets, timeout, project, user, changes).await {
            Ok(verdict) | Err(verdict) => verdict,
        },
    )
}

/// The secrets that sign a project's calls at `now`: the current one first, then the one it
/// replaced while that is still live.
fn live_secrets(project: &Project, now: jiff::Timestamp) -> Vec<&str> {
    let settings = &project.settings;
    let mut secrets = vec![settings.webhook_secret.as_deref().unwrap_or("")];
    if let Some(retiring) = &settings.retiring_webhook_secret
        && retiring.until > now
    {
        secrets.push(retiring.secret.as_str());
    }
    secrets
}

/// The HMAC key a secret stands for in Standard Webhooks: the bytes base64 writes after
/// `whsec_`; any other secret (made before `whsec_` secrets) is its own bytes.
fn standard_key(secret: &str) -> Vec<u8> {
    use base64::Engine;
    secret
        .strip_prefix("whsec_")
        .and_then(|key| base64::engine::general_purpose::STANDARD.decode(key).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The Standard Webhooks signature of a message: `v1,` and the base64 HMAC-SHA256 of
/// `"<id>.<timestamp>.<body>"` under the secret's key.
pub fn standard_signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    use base64::Engine;
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&standard_key(secret)) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// A new webhook secret: `whsec_` and the base64 of 32 random bytes, as Standard Webhooks
/// libraries read it.
pub fn new_webhook_secret() -> Result<String, fitmate_store::StoreError> {
    Ok(format!("whsec_{}", fitmate_store::SecretKeys::generate()?))
}

/// A new message id: `msg_` and 32 random hex digits.
fn message_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// Whether an answer's signature is one of `secrets`' over `bytes`: the Standard Webhooks
/// `webhook-response-signature` (bound to the call's id and timestamp), else the hex
/// `X-Response-Signature` (bound to the call's millisecond timestamp).
fn answer_is_signed(
    signatures: &Signatures,
    secrets: &[&str],
    call: &CallStamp,
    bytes: &[u8],
) -> Result<(), &'static str> {
    if let Some(standard) = &signatures.standard {
        let expected: Vec<String> = secrets
            .iter()
            .map(|secret| standard_signature(secret, &call.id, &call.seconds, bytes))
            .collect();
        let genuine = standard.split_whitespace().any(|given| {
            expected
                .iter()
                .any(|e| e.len() == given.len() && bool::from(e.as_bytes().ct_eq(given.as_bytes())))
        });
        return if genuine {
            Ok(())
        } else {
            Err("the answer's webhook-response-signature does not match")
        };
    }
    let Some(signed) = &signatures.legacy else {
        return Err("the answer is not signed");
    };
    let Ok(claimed) = hex::decode(signed.trim()) else {
        return Err("the answer's signature is not hex");
    };
    let genuine = secrets.iter().any(|secret| {
        sign(secret, &call.millis, bytes).is_some_and(|mac| mac.verify_slice(&claimed).is_ok())
    });
    if genuine {
        Ok(())
    } else {
        Err("the answer's signature does not match")
    }
}

/// What identifies one call, for the signatures of its answer.
struct CallStamp {
    id: String,
    seconds: String,
    millis: String,
}

/// The signature headers of an answer.
struct Signatures {
    standard: Option<String>,
    legacy: Option<String>,
}

async fn call(
    http: &reqwest::Client,
    url: &str,
    secrets: &[&str],
    timeout: Duration,
    project: &Project,
    user: &StoredUser,
    changes: &UserChanges,
) -> Result<Verdict, Verdict> {
    use Unanswered::{BadAnswer, ErrorStatus, Refused, Timeout, Unreachable};
    let unavailable = |kind: Unanswered, why: String| Verdict::Unavailable(kind, why);
    let version = project.settings.webhook_version;
    let body = serde_json::to_vec(&serde_json::json!({
        "event": "validateUserUpdated",
        "apiVersion": version,
        "projectId": project.id().as_str(),
        "userId": user.id,
        "revision": user.revision,
        "data": version.render_changes(changes),
    }))
    .map_err(|e| unavailable(Unanswered::Failed, format!("encoding the call: {e}")))?;
    let now = jiff::Timestamp::now();
    let stamp = CallStamp {
        id: message_id(),
        seconds: now.as_second().to_string(),
        millis: now.as_millisecond().to_string(),
    };
    let standard: Vec<String> = secrets
        .iter()
        .map(|secret| standard_signature(secret, &stamp.id, &stamp.seconds, &body))
        .collect();
    // The older headers sign with the oldest live secret, so a receiver that verifies
    // them keeps working through a rotation and switches secrets when it ends.
    let legacy_secret = secrets.last().copied().unwrap_or("");
    let sent = http
        .post(url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &stamp.id)
        .header("webhook-timestamp", &stamp.seconds)
        .header("webhook-signature", standard.join(" "))
        .header("X-Timestamp", &stamp.millis)
        .header(
            "X-Signature",
            signature(legacy_secret, &stamp.millis, &body),
        )
        .body(body)
        .send();
    // The timeout covers reading the answer too, which is read to ANSWER_LIMIT and no
    // further: a webhook streaming an endless answer costs 64 KiB of memory, not more.
    enum Failed {
        Http(reqwest::Error),
        TooLarge,
    }
    let answered = tokio::time::timeout(timeout, async {
        let mut response = sent.await.map_err(Failed::Http)?;
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let signed = Signatures {
            standard: header("webhook-response-signature"),
            legacy: header("X-Response-Signature"),
        };
        if response
            .content_length()
            .is_some_and(|n| n > ANSWER_LIMIT as u64)
        {
            return Err(Failed::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Failed::Http)? {
            if bytes.len() + chunk.len() > ANSWER_LIMIT {
                return Err(Failed::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, signed, bytes))
    })
    .await;
    let (status, signed, bytes) = match answered {
        Err(_) => {
            return Err(unavailable(
                Timeout,
                format!("no answer within {timeout:?}"),
            ));
        }
        Ok(Err(Failed::TooLarge)) => {
            return Err(unavailable(BadAnswer, "answered over 64 KiB".to_owned()));
        }
        Ok(Err(Failed::Http(e))) => {
            let (kind, why) = if let Some(refused) = refusal_in(&e) {
                (Refused, refused)
            } else if e.is_timeout() {
                (Timeout, format!("no answer within {timeout:?}"))
            } else if e.is_connect() {
                (Unreachable, "unreachable".to_owned())
            } else {
                (
                    Unanswered::Failed,
                    "the call failed before a whole answer came".to_owned(),
                )
            };
            return Err(unavailable(kind, why));
        }
        Ok(Ok(answer)) => answer,
    };
    if !status.is_success() {
        return Err(unavailable(ErrorStatus, format!("answered {status}")));
    }
    answer_is_signed(&signed, secrets, &stamp, &bytes)
        .map_err(|why| unavailable(BadAnswer, why.to_owned()))?;
    #[derive(serde::Deserialize)]
    struct Answer {
        valid: bool,
        #[serde(default)]
        message: Option<String>,
    }
    let answer: Answer = serde_json::from_slice(&bytes)
        .map_err(|_| unavailable(BadAnswer, "the answer is not {\"valid\": bool}".to_owned()))?;
    if answer.valid {
        return Ok(Verdict::Valid);
    }
    let message: String = answer
        .message
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(MESSAGE_LIMIT)
        .collect();
    Ok(Verdict::Rejected(if message.trim().is_empty() {
        "The update was rejected by the project's validation".to_owned()
    } else {
        message
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project_with(secret: &str, retiring: Option<(&str, jiff::Timestamp)>) -> Project {
        let mut settings = fitmate_store::NewProject::new("clinic".parse().unwrap());
        settings.webhook_secret = Some(secret.to_owned());
        settings.retiring_webhook_secret =
            retiring.map(|(secret, until)| fitmate_store::RetiringSecret {
                secret: secret.to_owned(),
                until,
            });
        Project {
            settings,
            created_at: jiff::Timestamp::now(),
            clock_offset: jiff::SignedDuration::ZERO,
        }
    }

    /// During a window the current and the retiring secret sign (the legacy header takes
    /// the last, the retiring one); once it ends, the current one alone.
    #[test]
    fn the_retiring_secret_signs_until_its_window_ends() {
        let now = jiff::Timestamp::now();
        let until = now + jiff::SignedDuration::from_hours(1);
        let open = project_with("whsec_new", Some(("whsec_old", until)));
        assert_eq!(live_secrets(&open, now), ["whsec_new", "whsec_old"]);
        assert_eq!(live_secrets(&open, until), ["whsec_new"]);
        let none = project_with("whsec_new", None);
        assert_eq!(live_secrets(&none, now), ["whsec_new"]);
    }

    /// The example of the Standard Webhooks specification, which the official libraries
    /// also sign to this value.
    #[test]
    fn standard_signatures_match_the_specifications_example() {
        assert_eq!(
            standard_signature(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                "1614265330",
                br#"{"test": 2432232314}"#,
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn signatures_are_hex_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently with Python:
        // hmac.new(b"secret", b"1700000000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            signature("secret", "1700000000000", b"{}"),
            "8399216d111287e3bb28e25c0f4f31dffdf831c68c9ee2b96c2f67c9b81d341b"
        );
    }
}
