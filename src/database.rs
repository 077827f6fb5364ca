//! Opening the database a command names with `--database`.

use fitmate_store::{DEFAULT_DATABASE_URL, SqliteStore, StoreError};

/// `--database URL`, shared by every command that reads or writes the server's data.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DatabaseArgs {
    /// Where the server keeps its data: `sqlite://PATH` (created on first use).
    #[arg(
        long = "database",
        value_name = "URL",
        env = "FITMATE_DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL
    )]
    pub(crate) url: String,
}

impl DatabaseArgs {
    /// Opens the store, applying any migration it lacks.
    pub(crate) async fn open(&self) -> anyhow::Result<SqliteStore> {
        let url = self.url.trim();
        if url.starts_with("sqlite:") {
            return SqliteStore::open(url)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)));
        }
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        anyhow::bail!(
            "--database: unsupported URL scheme {scheme:?}; this release stores data in SQLite: sqlite://PATH (default {DEFAULT_DATABASE_URL})"
        )
    }
}

fn describe(error: &StoreError) -> String {
    format!("cannot open the database: {error}")
}
