//! What both backends share: times, the columns a user is written as, and the decoding of
//! rows (one macro, expanded for each backend's row type).

use fitmate_model::User;
use jiff::Timestamp;

use crate::{SecretKeys, StoreError};

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

/// Decoders of projects, keys, users and suspensions from rows of type `$row`; the module
/// that expands it imports `sqlx::Row`.
macro_rules! decoders {
    ($row:ty) => {
        pub(crate) fn project_of(row: &$row) -> Result<$crate::Project, $crate::StoreError> {
            let id: String = row.try_get("id")?;
            let timeout: i64 = row.try_get("webhook_timeout_ms")?;
            Ok($crate::Project {
                settings: $crate::NewProject {
                    id: id
                        .parse()
                        .map_err(|e| $crate::StoreError::corrupt("project", e))?,
                    validation_webhook: row.try_get("validation_webhook")?,
                    webhook_secret: row.try_get("webhook_secret")?,
                    webhook_timeout_ms: u32::try_from(timeout)
                        .map_err(|e| $crate::StoreError::corrupt("project", e))?,
                    welcome_email: row.try_get("welcome_email")?,
                    webhook_version: $crate::rows::webhook_version(
                        &row.try_get::<String, _>("webhook_version")?,
                    ),
                },
                created_at: $crate::rows::timestamp(row.try_get("created_at")?)?,
            })
        }

        pub(crate) fn key_of(row: &$row) -> Result<$crate::KeyInfo, $crate::StoreError> {
            let project: String = row.try_get("project_id")?;
            let version: String = row.try_get("version")?;
            Ok($crate::KeyInfo {
                prefix: row.try_get("prefix")?,
                project: project
                    .parse()
                    .map_err(|e| $crate::StoreError::corrupt("key", e))?,
                version: version
                    .parse()
                    .map_err(|e: fitmate_model::UnknownVersion| {
                        $crate::StoreError::corrupt("key", e)
                    })?,
                created_at: $crate::rows::timestamp(row.try_get("created_at")?)?,
                revoked_at: row
                    .try_get::<Option<i64>, _>("revoked_at")?
                    .map($crate::rows::timestamp)
                    .transpose()?,
            })
        }

        pub(crate) fn user_of(
            row: &$row,
            secrets: &$crate::SecretKeys,
        ) -> Result<$crate::StoredUser, $crate::StoreError> {
            let id: String = row.try_get("id")?;
            let document: &str = row.try_get("document")?;
            let secure = secrets.open(row.try_get("secure_metadata")?, &id)?;
            let mut user: fitmate_model::User = serde_json::from_str(document)
                .map_err(|e| $crate::StoreError::corrupt_json("user", &e))?;
            user.secure_metadata =
                serde_json::from_slice::<fitmate_model::rules::Metadata>(&secure)
                    .map_err(|e| $crate::StoreError::corrupt_json("user", &e))?;
            Ok($crate::StoredUser {
                id: id
                    .parse()
                    .map_err(|e| $crate::StoreError::corrupt("user", e))?,
                user,
                revision: row.try_get("revision")?,
            })
        }

        pub(crate) fn suspension_of(
            row: &$row,
        ) -> Result<fitmate_model::projects::Suspension, $crate::StoreError> {
            Ok(fitmate_model::projects::Suspension {
                reason: row.try_get("reason")?,
                start_date: $crate::rows::timestamp(row.try_get("start_at")?)?,
                end_date: row
                    .try_get::<Option<i64>, _>("end_at")?
                    .map($crate::rows::timestamp)
                    .transpose()?,
            })
        }
    };
}

pub(crate) use decoders;

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
