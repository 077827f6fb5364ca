//! What both backends share beside their statements: times, the columns a user is written
//! as, and how a unique violation is recognised.

use fitmate_model::User;
use jiff::Timestamp;

use crate::{SecretKeys, StoreError};

/// A new user's identifier: a UUIDv7, which begins with its creation time, so that new
/// users land at the end of the primary-key index instead of on a random page of it. A
/// random (v4) id made each create of a group commit dirty a page of its own; on SQLite
/// that was most of the write-ahead log's volume (see BENCHMARKS.md).
pub(crate) fn new_user_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

pub(crate) fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn timestamp(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::corrupt("timestamp", e))
}

/// A project's webhook version as stored. One this build does not know (a newer replica
/// set it during a rolling upgrade) is read as the current version, with a warning: the
/// project's other requests must not fail for its webhook's sake.
pub(crate) fn webhook_version(stored: &str) -> fitmate_model::ApiVersion {
    stored.parse().unwrap_or_else(|_| {
        tracing::warn!(
            stored = %stored.chars().take(40).collect::<String>(),
            "a project's webhook version is unknown to this build; its webhook gets the current version"
        );
        fitmate_model::ApiVersion::CURRENT
    })
}

/// The columns of `user` that the unique indexes read.
pub(crate) struct UserKeys {
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) username: Option<String>,
    pub(crate) document: String,
    pub(crate) secure: String,
}

impl std::fmt::Debug for UserKeys {
    /// Personal data: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserKeys(…)")
    }
}

impl UserKeys {
    /// The columns of `user`, whose id is `id`; its `secureMetadata` sealed with `secrets`.
    pub(crate) fn of(user: &User, id: &str, secrets: &SecretKeys) -> Result<Self, StoreError> {
        let secure = serde_json::to_vec(&user.secure_metadata)
            .map_err(|e| StoreError::corrupt_json("user", &e))?;
        Ok(UserKeys {
            email: user.email.normalized(),
            phone: user.phonenumber.normalized(),
            username: user.username.as_ref().map(|u| u.as_str().to_owned()),
            document: serde_json::to_string(user)
                .map_err(|e| StoreError::corrupt_json("user", &e))?,
            secure: secrets.seal(&secure, id)?,
        })
    }
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use fitmate_model::ApiVersion;

    use super::*;

    #[test]
    fn an_unknown_webhook_version_reads_as_the_current_one() {
        assert_eq!(webhook_version("2023-08-01"), ApiVersion::V2023_08_01);
        assert_eq!(webhook_version("2099-01-01"), ApiVersion::CURRENT);
    }
}
