//! Opening the database a command names with `--database`.

use std::time::Duration;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fitmate_store::{AnyStore, Backend, DEFAULT_DATABASE_URL, PgSettings, SecretKeys};

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
    /// A file holding the secret key that seals secureMetadata (base64 of 32 bytes): the
    /// current key on its first line, earlier ones on the next lines. FITMATE_SECRET_KEY
    /// (and FITMATE_SECRET_KEY_PREVIOUS, comma-separated) take precedence. Default on
    /// SQLite: secret.key beside the database file, made on first use.
    #[arg(long, value_name = "PATH", env = "FITMATE_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
}

impl DatabaseArgs {
    fn settings(&self) -> PgSettings {
        let mut settings = PgSettings::default();
        settings.max_connections = self.db_max_connections;
        settings.statement_timeout = Duration::from_millis(self.db_statement_timeout_ms);
        settings
    }

    /// The keys that seal secureMetadata, from the environment, the key file, or (SQLite
    /// only) the default file beside the database, made when missing. `serving` is false
    /// for the operator commands, which never read or write secureMetadata: without a
    /// configured key they get a throwaway one instead of an error.
    pub(crate) fn secrets(&self, serving: bool) -> anyhow::Result<Arc<SecretKeys>> {
        Backend::of(self.url.trim())?;
        let parse = |current: &str, previous: &[&str], source: &str| {
            SecretKeys::from_base64(current, previous)
                .map(Arc::new)
                .map_err(|e| anyhow::anyhow!("{source}: {e}"))
        };
        if let Some(current) = std::env::var("FITMATE_SECRET_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
        {
            let previous = std::env::var("FITMATE_SECRET_KEY_PREVIOUS").unwrap_or_default();
            let previous: Vec<&str> = previous.split(',').collect();
            return parse(&current, &previous, "FITMATE_SECRET_KEY");
        }
        let file = match &self.secret_key_file {
            Some(file) => file.clone(),
            None => match sqlite_path(self.url.trim()) {
                Some(db) if db.as_os_str() == ":memory:" => {
                    return parse(&SecretKeys::generate()?, &[], "a fresh key");
                }
                Some(db) => {
                    let file = db.with_file_name("secret.key");
                    if !file.exists() {
                        create_key_file(&file)?;
                    }
                    file
                }
                None if !serving => {
                    return parse(&SecretKeys::generate()?, &[], "a fresh key");
                }
                None => anyhow::bail!(
                    "PostgreSQL needs the secret key that seals secureMetadata, the same on every \
                     replica: set FITMATE_SECRET_KEY (make one with `fitmate keys secret`) or \
                     --secret-key-file"
                ),
            },
        };
        let text = std::fs::read_to_string(&file).map_err(|e| {
            anyhow::anyhow!("cannot read the secret key file {}: {e}", file.display())
        })?;
        let mut keys = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let current = keys.next().ok_or_else(|| {
            anyhow::anyhow!("the secret key file {} holds no key", file.display())
        })?;
        let previous: Vec<&str> = keys.collect();
        parse(current, &previous, &file.display().to_string())
    }

    /// Opens the store, applying any migration it lacks.
    pub(crate) async fn open(&self) -> anyhow::Result<AnyStore> {
        self.open_migrating(true).await
    }

    /// Opens the store; PostgreSQL is migrated only if `migrate` (SQLite always is).
    pub(crate) async fn open_migrating(&self, migrate: bool) -> anyhow::Result<AnyStore> {
        AnyStore::open(
            self.url.trim(),
            &self.settings(),
            migrate,
            self.secrets(false)?,
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
    }

    /// Opens the store for `serve`: while PostgreSQL is unreachable, says so and tries
    /// again with growing waits (up to 30 s) instead of giving up.
    pub(crate) async fn open_waiting(&self, migrate: bool) -> anyhow::Result<AnyStore> {
        let url = self.url.trim();
        let secrets = self.secrets(true)?;
        let mut wait = Duration::from_millis(500);
        loop {
            match AnyStore::open(url, &self.settings(), migrate, secrets.clone()).await {
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

/// The file of a `sqlite:` URL (`:memory:` for an in-memory database); `None` for others.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

/// Writes a new random key to `file` (readable by its owner only), with a note on keeping it.
fn create_key_file(file: &Path) -> anyhow::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let key = SecretKeys::generate()?;
    let text = format!(
        "# The key that seals secureMetadata in the database beside this file. Without it that\n\
         # data cannot be read: back it up apart from the database. To rotate, put a new key\n\
         # (fitmate keys secret) on the first line and keep this one below it.\n{key}\n"
    );
    use std::io::Write;
    crate::private_file::create(file, false)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| anyhow::anyhow!("cannot write the secret key file {}: {e}", file.display()))?;
    tracing::info!("made a new secret key in {}", file.display());
    eprintln!(
        "Made a new secret key for secureMetadata in {} (back it up apart from the database).",
        file.display()
    );
    Ok(())
}
