//! Projects: one partner account each, owning its users and keys.

use std::fmt;
use std::str::FromStr;

use fitmate_model::ApiVersion;
use jiff::Timestamp;

/// A project id: 1 to 63 characters of `a-z`, `0-9` and `-`, starting with a letter or
/// digit. It appears in paths (`/{projectId}/users/{userId}`), so it needs no escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(String);

/// A project id that breaks the rule; the message says the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "project id {0:?} must be 1 to 63 characters of a-z, 0-9 and -, starting with a letter or digit"
)]
pub struct InvalidProjectId(pub String);

impl ProjectId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProjectId {
    type Err = InvalidProjectId;
    fn from_str(s: &str) -> Result<Self, InvalidProjectId> {
        let ok = (1..=63).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            Ok(ProjectId(s.to_owned()))
        } else {
            Err(InvalidProjectId(s.chars().take(80).collect()))
        }
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A project as created. Its `Debug` leaves the webhook secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct NewProject {
    /// Its id.
    pub id: ProjectId,
    /// The URL that approves every update (validateUserUpdated), if any.
    pub validation_webhook: Option<String>,
    /// The secret that signs webhook calls and answers.
    pub webhook_secret: Option<String>,
    /// The secret `webhook_secret` replaced, still signing until its time is up.
    pub retiring_webhook_secret: Option<RetiringSecret>,
    /// How long the webhook may take, in milliseconds.
    pub webhook_timeout_ms: u32,
    /// Whether creating a user sends a welcome email.
    pub welcome_email: bool,
    /// The API version the validation webhook receives its `data` in.
    pub webhook_version: ApiVersion,
    /// Whether it is a sandbox project: its own keys also reach the request log, `Prefer:
    /// code=NNN`, the reset and the project clock (`/_sandbox/*`), and the console.
    pub sandbox: bool,
}

impl fmt::Debug for NewProject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewProject")
            .field("id", &self.id)
            .field("validation_webhook", &self.validation_webhook)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "retiring_webhook_secret",
                &self
                    .retiring_webhook_secret
                    .as_ref()
                    .map(|r| format!("<redacted> until {}", r.until)),
            )
            .field("webhook_timeout_ms", &self.webhook_timeout_ms)
            .field("welcome_email", &self.welcome_email)
            .field("webhook_version", &self.webhook_version)
            .field("sandbox", &self.sandbox)
            .finish()
    }
}

impl NewProject {
    /// A production project with no webhook, welcome emails on, and webhook calls in the
    /// current version.
    pub fn new(id: ProjectId) -> Self {
        NewProject {
            id,
            validation_webhook: None,
            webhook_secret: None,
            retiring_webhook_secret: None,
            webhook_timeout_ms: 5_000,
            welcome_email: true,
            webhook_version: ApiVersion::CURRENT,
            sandbox: false,
        }
    }
}

/// A webhook secret being rotated out: it keeps signing beside the new one until `until`.
#[derive(Clone, PartialEq, Eq)]
pub struct RetiringSecret {
    /// The secret.
    pub secret: String,
    /// When it stops signing.
    pub until: jiff::Timestamp,
}

impl fmt::Debug for RetiringSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetiringSecret")
            .field("secret", &"<redacted>")
            .field("until", &self.until)
            .finish()
    }
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its settings.
    pub settings: NewProject,
    /// When it was created.
    pub created_at: Timestamp,
    /// How far the project's clock runs ahead of the real one: zero but for a sandbox
    /// project whose clock was advanced (`POST /_sandbox/clock`).
    pub clock_offset: jiff::SignedDuration,
}

impl Project {
    /// Its id.
    pub fn id(&self) -> &ProjectId {
        &self.settings.id
    }

    /// The time by the project's clock: the real time, moved forward by
    /// [`clock_offset`](Project::clock_offset).
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.clock_offset)
            .unwrap_or(Timestamp::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_follow_the_path_safe_rule() {
        for good in ["sandbox", "acme-clinic", "a", "p1"] {
            assert!(good.parse::<ProjectId>().is_ok(), "{good}");
        }
        let too_long = "a".repeat(64);
        for bad in ["", "Sandbox", "-x", "a b", "a/b", "é", too_long.as_str()] {
            assert!(bad.parse::<ProjectId>().is_err(), "{bad}");
        }
    }
}
