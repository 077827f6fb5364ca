//! The embedded default: one SQLite file in WAL mode.

mod batch;
mod checkpoint;

use std::str::FromStr;
use std::time::Duration;

use fitmate_model::User;
use jiff::Timestamp;
use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::queries::Queries;
use crate::rows::{UserKeys, millis};
use crate::{
    AuditEvent, NewProject, PendingEmail, Project, ProjectId, Store, StoreError, StoredUser,
};

/// The database `fitmate` uses when given none: a file under `fitmate-data/` in the working
/// directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://fitmate-data/fitmate.db";

/// Who may write now: the group-commit writer takes it for each transaction, and the
/// checkpointer to start the log over. Taken in turn (a fair lock), neither of them
/// meets the other's SQLite write lock, whose busy handler would sleep-poll for
/// milliseconds past the moment the lock is free. The other writes (projects, keys,
/// suspensions, the outbox, magic links) are rare and short and meet SQLite's lock.
type WriteTurn = std::sync::Arc<tokio::sync::Mutex<()>>;

/// Readers beside the one writer. WAL lets them read while it writes.
const READERS: u32 = 4;

/// The store on one SQLite file.
///
/// The file is in WAL mode with `synchronous=NORMAL`: a write is acknowledged once it is in
/// the write-ahead log, so a crash or kill of the server loses nothing acknowledged, while
/// a power loss may lose the last transactions before the next checkpoint (see
/// `docs/deploy.md`). All writes go through one connection, in order; creates and updates
/// arriving together share one transaction (group commit, see `batch`). Reads use a small
/// pool of their own.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The statements shared with PostgreSQL: reads on the readers, writes on the writer.
    pub(crate) queries: Queries<Sqlite>,
    /// Checkpoints the write-ahead log (none for an in-memory database).
    checkpointer: Option<SqlitePool>,
    writes: mpsc::Sender<batch::Job>,
}

impl SqliteStore {
    /// Opens (creating if missing, with its folder) the database at `url`, such as
    /// `sqlite://fitmate-data/fitmate.db`, and applies the migrations.
    ///
    /// `secrets` seal `secureMetadata`: opening the database later needs the same key (or
    /// it among the previous ones).
    pub async fn open(
        url: &str,
        secrets: std::sync::Arc<crate::SecretKeys>,
    ) -> Result<Self, StoreError> {
        let bad_url = |reason: String| StoreError::BadUrl {
            url: url.to_owned(),
            reason,
        };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| bad_url(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let file = options.get_filename().to_owned();
        // `sqlite::memory:` is named `file:sqlx-in-memory-N` by sqlx: a shared in-memory
        // database, not a file.
        let name = file.to_string_lossy();
        let in_memory = name.is_empty()
            || name == ":memory:"
            || name.starts_with("file:sqlx-in-memory")
            || name.contains("mode=memory");
        if !in_memory
            && let Some(folder) = file.parent()
            && !folder.as_os_str().is_empty()
        {
            std::fs::create_dir_all(folder)
                .map_err(|e| bad_url(format!("cannot create {}: {e}", folder.display())))?;
        }
        // The writer never checkpoints in the middle of a commit (that would stall every
        // write waiting behind it); a task of its own does, see `checkpoints`.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                options
                    .clone()
                    .pragma("wal_autocheckpoint", "0")
                    .pragma("journal_size_limit", checkpoint::LOG_SIZE_LIMIT)
                    // Content deleted or replaced is overwritten with zeros, so an erased
                    // user's data does not linger in free space of the file.
                    .pragma("secure_delete", "on"),
            )
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let reader = if in_memory {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READERS)
                .connect_with(options.clone().read_only(true))
                .await?
        };
        let turn = WriteTurn::default();
        let checkpointer = if in_memory {
            None
        } else {
            // Its busy timeout bounds how long a restart of the log may hold the writer back.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone().busy_timeout(checkpoint::RESTART_WAIT))
                .await?;
            let database = checkpoint::database_handle(&file)
                .map_err(|e| bad_url(format!("cannot open {}: {e}", file.display())))?;
            tokio::spawn(checkpoint::checkpoints(
                pool.clone(),
                writer.clone(),
                turn.clone(),
                database,
            ));
            Some(pool)
        };
        let writes = batch::start(writer.clone(), turn);
        Ok(SqliteStore {
            queries: Queries {
                read: reader,
                write: writer,
                secrets,
            },
            checkpointer,
            writes,
        })
    }

    /// Hands a write about user `id` to the writer and waits until it is committed (or
    /// refused).
    async fn write(
        &self,
        id: Uuid,
        project: &ProjectId,
        kind: batch::Kind,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let write = batch::UserWrite {
            id,
            kind,
            audit: audit.clone(),
        };
        self.apply(project, batch::Work::User(write)).await?;
        Ok(())
    }

    /// Hands `work` to the writer and waits until it is committed (or refused).
    async fn apply(
        &self,
        project: &ProjectId,
        work: batch::Work,
    ) -> Result<batch::Done, StoreError> {
        let (done, answer) = oneshot::channel();
        let job = batch::Job {
            project: project.clone(),
            now: millis(Timestamp::now()),
            work,
            done,
        };
        self.writes
            .send(job)
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Closes the connections, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.queries.read.close().await;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.close().await;
        }
        self.queries.write.close().await;
    }
}

impl Store for SqliteStore {
    crate::queries::shared_store_methods!();

    async fn create_user(
        &self,
        project: &ProjectId,
        user: &User,
        audit: &AuditEvent,
    ) -> Result<StoredUser, StoreError> {
        let id = crate::rows::new_user_id();
        let keys = UserKeys::of(user, &id.to_string(), &self.queries.secrets)?;
        self.write(id, project, batch::Kind::Create(keys), audit)
            .await?;
        Ok(StoredUser {
            id,
            user: user.clone(),
            revision: 1,
        })
    }

    async fn update_user(
        &self,
        project: &ProjectId,
        current: &StoredUser,
        next: &User,
        audit: &AuditEvent,
    ) -> Result<StoredUser, StoreError> {
        let kind = batch::Kind::Update {
            keys: UserKeys::of(next, &current.id.to_string(), &self.queries.secrets)?,
            revision: current.revision,
        };
        self.write(current.id, project, kind, audit).await?;
        Ok(StoredUser {
            id: current.id,
            user: next.clone(),
            revision: current.revision + 1,
        })
    }

    async fn record_read(
        &self,
        project: &ProjectId,
        user: Uuid,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        // Through the writer, so that reads arriving together share one commit.
        self.write(user, project, batch::Kind::Read, audit).await
    }

    async fn claim_idempotency_key(
        &self,
        claim: &crate::IdempotencyClaim,
    ) -> Result<crate::IdempotencyState, StoreError> {
        // Through the writer, so that claims share the commit of the writes waiting.
        match self
            .apply(&claim.project, batch::Work::Claim(claim.clone()))
            .await?
        {
            batch::Done::Claim(state) => Ok(state),
            batch::Done::Written => Err(StoreError::corrupt(
                "idempotency key",
                "the writer answered a claim with no state",
            )),
        }
    }

    async fn save_idempotent_answer(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
        answer: &crate::IdempotentAnswer,
    ) -> Result<(), StoreError> {
        let save = batch::Work::Save {
            key: key.to_owned(),
            token,
            answer: answer.clone(),
        };
        self.apply(project, save).await?;
        Ok(())
    }

    async fn release_idempotency_key(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
    ) -> Result<(), StoreError> {
        let release = batch::Work::Release {
            key: key.to_owned(),
            token,
        };
        self.apply(project, release).await?;
        Ok(())
    }

    async fn claim_due_emails(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<PendingEmail>, StoreError> {
        // One dispatcher per file: what is due is its own, with no lease to take.
        let rows = sqlx::query(
            "SELECT o.id AS outbox_id, o.attempts, o.created_at AS queued_at, u.*
             FROM outbox o JOIN users u ON u.id = o.user_id
             WHERE o.delivered_at IS NULL AND o.bounced_at IS NULL AND o.next_attempt_at <= $1
             ORDER BY o.next_attempt_at, o.id LIMIT $2",
        )
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&self.queries.read)
        .await?;
        rows.iter()
            .map(|row| self.queries.pending_email(row, row))
            .collect()
    }

    fn pool_use(&self) -> Vec<crate::PoolUse> {
        vec![
            Queries::pool_use("reader", &self.queries.read),
            Queries::pool_use("writer", &self.queries.write),
        ]
    }

    async fn release_emails(&self, _ids: &[i64]) -> Result<(), StoreError> {
        // One dispatcher per file and no lease: nothing is held.
        Ok(())
    }
}
