//! Opening the database a command names with `--database`.

use std::time::Duration;

use fitmate_store::{AnyStore, Backend, DEFAULT_DATABASE_URL, PgSettings};

/// `--database URL` and the pool settings, shared by every command that reads or writes
/// the server's data.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DatabaseArgs {
    /// Where the data is: `sqlite://PATH` (created on first use; one server per file) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (several replicas may share it).
    #[arg(
        long = "database",
        value_name = "URL",
        env = "FITMATE_DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true
    )]
    pub(crate) url: String,
    /// PostgreSQL: connections in the pool at most.
    #[arg(long, value_name = "N", env = "FITMATE_DB_MAX_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    db_max_connections: u32,
    /// PostgreSQL: the longest a statement may run, in milliseconds.
    #[arg(long, value_name = "MS", env = "FITMATE_DB_STATEMENT_TIMEOUT_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    db_statement_timeout_ms: u64,
}

impl DatabaseArgs {
    fn settings(&self) -> PgSettings {
        let mut settings = PgSettings::default();
        settings.max_connections = self.db_max_connections;
        settings.statement_timeout = Duration::from_millis(self.db_statement_timeout_ms);
        settings
    }

    /// Opens the store, applying any migration it lacks.
    pub(crate) async fn open(&self) -> anyhow::Result<AnyStore> {
        self.open_migrating(true).await
    }

    /// Opens the store; PostgreSQL is migrated only if `migrate` (SQLite always is).
    pub(crate) async fn open_migrating(&self, migrate: bool) -> anyhow::Result<AnyStore> {
        AnyStore::open(self.url.trim(), &self.settings(), migrate)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
    }

    /// Opens the store for `serve`: while PostgreSQL is unreachable, says so and tries
    /// again with growing waits (up to 30 s) instead of giving up.
    pub(crate) async fn open_waiting(&self, migrate: bool) -> anyhow::Result<AnyStore> {
        let url = self.url.trim();
        let mut wait = Duration::from_millis(500);
        loop {
            match AnyStore::open(url, &self.settings(), migrate).await {
                Ok(store) => return Ok(store),
                Err(error)
                    if Backend::of(url).is_ok_and(|b| b == Backend::Postgres)
                        && error.is_unavailable() =>
                {
                    tracing::warn!(
                        %error,
                        "the database is unreachable; trying again in {} s",
                        wait.as_secs_f32()
                    );
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
                Err(error) => anyhow::bail!("cannot open the database: {error}"),
            }
        }
    }
}
