//! What can go wrong in the store.

use std::fmt;

/// Which unique value another user of the project already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Conflict {
    /// The email address (compared case-insensitively).
    Email,
    /// The phone number (compared as `+` and digits).
    Phone,
    /// The username.
    Username,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Conflict::Email => "email already taken",
            Conflict::Phone => "phone number already taken",
            Conflict::Username => "username already taken",
        })
    }
}

/// A store failure. The variants a caller acts on come first; `Database` and `Corrupt`
/// are the server's problem, never the client's, and their text is for logs only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another user of the project has this value.
    #[error("{0}")]
    Conflict(Conflict),
    /// The user changed since it was read; read it again and retry.
    #[error("the user changed since it was read")]
    Stale,
    /// The project, key or user named does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A project with this id exists already.
    #[error("a project with this id exists already")]
    ProjectExists,
    /// The store was closed while the request waited.
    #[error("the store is closed")]
    Closed,
    /// The database URL cannot be used.
    #[error("database URL {url}: {reason}")]
    BadUrl {
        /// The URL, without any password.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A stored row does not read back as what was written.
    #[error("stored {what} does not read back: {reason}")]
    Corrupt {
        /// Which record.
        what: &'static str,
        /// What failed.
        reason: String,
    },
    /// Applying the migrations failed.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the database could not be reached or gave the statement up: down,
    /// restarting, out of connections, a statement timeout, a lock it could not take.
    /// Such a failure is worth retrying later and is no fault of the request.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Closed => true,
            StoreError::Database(error) => match error {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(e) => e.code().is_some_and(|code| {
                    // PostgreSQL: connection exceptions (class 08), statement timeout,
                    // shutdowns, too many connections, serialization failure, deadlock.
                    code.starts_with("08")
                        || matches!(
                            code.as_ref(),
                            "57014" | "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01"
                        )
                        // SQLite: busy or locked, with their extended codes.
                        || matches!(code.as_ref(), "5" | "6" | "261" | "262" | "517")
                }),
                _ => false,
            },
            _ => false,
        }
    }

    pub(crate) fn corrupt(what: &'static str, reason: impl fmt::Display) -> Self {
        StoreError::Corrupt {
            what,
            reason: reason.to_string(),
        }
    }

    /// A stored document that does not parse. serde's messages may quote the value (a
    /// height, a date of birth), and this text reaches logs, so only the kind of fault and
    /// its position are kept.
    pub(crate) fn corrupt_json(what: &'static str, error: &serde_json::Error) -> Self {
        StoreError::Corrupt {
            what,
            reason: format!(
                "{:?} fault at line {} column {}",
                error.classify(),
                error.line(),
                error.column()
            ),
        }
    }
}
