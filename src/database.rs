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

    /// The keys that seal secureMetadata: from the environment, the key file, or (SQLite
    /// only) the default file beside the database, a new one when that is missing. Without
    /// any on PostgreSQL, a command that needs them fails here; one that never opens
    /// secureMetadata gets a throwaway key it never uses.
    fn keys(&self, need: KeyNeed) -> anyhow::Result<Keys> {
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
            return Ok(Keys::Configured {
                keys: parse(&current, &previous, "FITMATE_SECRET_KEY")?,
                source: "FITMATE_SECRET_KEY".to_owned(),
            });
        }
        let file = match &self.secret_key_file {
            Some(file) => file.clone(),
            None => match sqlite_path(self.url.trim()) {
                Some(db) if db.as_os_str() == ":memory:" => {
                    return Ok(Keys::Throwaway(parse(
                        &SecretKeys::generate()?,
                        &[],
                        "a fresh key",
                    )?));
                }
                Some(db) => {
                    let file = db.with_file_name("secret.key");
                    if !file.exists() {
                        let text = SecretKeys::generate()?;
                        return Ok(Keys::NewFile {
                            keys: parse(&text, &[], "a fresh key")?,
                            text,
                            file,
                        });
                    }
                    file
                }
                None if need == KeyNeed::NotNeeded => {
                    return Ok(Keys::Throwaway(parse(
                        &SecretKeys::generate()?,
                        &[],
                        "a fresh key",
                    )?));
                }
                None => anyhow::bail!(
                    "PostgreSQL needs the secret key that seals secureMetadata, the same on every \
                     replica and for the commands that read users: set FITMATE_SECRET_KEY (make \
                     one with `fitmate keys secret`) or --secret-key-file"
                ),
            },
        };
        let text = std::fs::read_to_string(&file).map_err(|e| {
            anyhow::anyhow!("cannot read the secret key file {}: {e}", file.display())
        })?;
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let current = lines.next().ok_or_else(|| {
            anyhow::anyhow!("the secret key file {} holds no key", file.display())
        })?;
        let previous: Vec<&str> = lines.collect();
        Ok(Keys::Configured {
            keys: parse(current, &previous, &file.display().to_string())?,
            source: file.display().to_string(),
        })
    }

    /// Opens the store for a command that never opens secureMetadata, applying any
    /// migration it lacks.
    pub(crate) async fn open(&self) -> anyhow::Result<AnyStore> {
        self.open_migrating(true).await
    }

    /// Opens the store for a command that reads or writes users, which needs the key that
    /// sealed their secureMetadata: it refuses to run with another.
    pub(crate) async fn open_needing_key(&self) -> anyhow::Result<AnyStore> {
        self.open_with(KeyNeed::Needed, true).await
    }

    /// Opens the store for a command that never opens secureMetadata; PostgreSQL is
    /// migrated only if `migrate` (SQLite always is).
    pub(crate) async fn open_migrating(&self, migrate: bool) -> anyhow::Result<AnyStore> {
        self.open_with(KeyNeed::NotNeeded, migrate).await
    }

    async fn open_with(&self, need: KeyNeed, migrate: bool) -> anyhow::Result<AnyStore> {
        let keys = self.keys(need)?;
        let store = AnyStore::open(self.url.trim(), &self.settings(), migrate, keys.get())
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        settle_keys(&store, keys).await?;
        Ok(store)
    }

    /// Opens the store for `serve`, which needs the sealing key: while PostgreSQL is
    /// unreachable, says so and tries again with growing waits (up to 30 s) instead of
    /// giving up.
    pub(crate) async fn open_waiting(&self, migrate: bool) -> anyhow::Result<AnyStore> {
        let url = self.url.trim();
        let keys = self.keys(KeyNeed::Needed)?;
        let mut wait = Duration::from_millis(500);
        loop {
            match AnyStore::open(url, &self.settings(), migrate, keys.get()).await {
                Ok(store) => {
                    settle_keys(&store, keys).await?;
                    return Ok(store);
                }
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

/// Whether a command opens users' secureMetadata, and so needs the key that sealed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyNeed {
    Needed,
    NotNeeded,
}

/// The keys a command opens the database with, and where they came from.
enum Keys {
    /// From FITMATE_SECRET_KEY or a key file (`source` names which).
    Configured {
        keys: Arc<SecretKeys>,
        source: String,
    },
    /// SQLite's default key file is missing: a new key, written there only once the
    /// database is known to hold nothing sealed with another.
    NewFile {
        keys: Arc<SecretKeys>,
        text: String,
        file: PathBuf,
    },
    /// No key at all: for commands that never seal or open anything (and in-memory
    /// databases, which live and die with one process).
    Throwaway(Arc<SecretKeys>),
}

impl Keys {
    fn get(&self) -> Arc<SecretKeys> {
        match self {
            Keys::Configured { keys, .. } | Keys::NewFile { keys, .. } | Keys::Throwaway(keys) => {
                keys.clone()
            }
        }
    }
}

/// Checks the keys against what the database holds sealed: a command with keys that do not
/// open it stops, naming the key expected; a new key file is written only beside a
/// database that holds nothing sealed.
async fn settle_keys(store: &AnyStore, keys: Keys) -> anyhow::Result<()> {
    let in_use = store.sealing_key_in_use().await.map_err(|e| {
        anyhow::anyhow!(
            "cannot read the database ({e}); is it migrated? Run `fitmate migrate` first \
                 when serving with --no-migrate"
        )
    })?;
    let refuse = |why: String| {
        anyhow::anyhow!(
            "{why}. Nothing was changed. Give the key with id {} through FITMATE_SECRET_KEY or \
             --secret-key-file (a rotated key goes in FITMATE_SECRET_KEY_PREVIOUS or on a later \
             line of the file)",
            in_use.as_deref().unwrap_or("?")
        )
    };
    match (keys, in_use.as_deref()) {
        (Keys::NewFile { file, .. }, Some(id)) => Err(refuse(format!(
            "{} is missing, and the database holds secureMetadata sealed with key {id}: a new \
             key would not open it, so none was made",
            file.display()
        ))),
        (Keys::NewFile { text, file, .. }, None) => create_key_file(&file, &text),
        (Keys::Configured { keys, source }, Some(id)) if !keys.opens(id) => Err(refuse(format!(
            "the database holds secureMetadata sealed with key {id}, and {source} holds key {} \
             instead",
            keys.current_id()
        ))),
        _ => Ok(()),
    }
}

/// The file of a `sqlite:` URL (`:memory:` for an in-memory database); `None` for others.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

/// Writes the new key `key` to `file` (readable by its owner only), with a note on keeping
/// it.
fn create_key_file(file: &Path, key: &str) -> anyhow::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
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
