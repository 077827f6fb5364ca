//! The embedded default: one SQLite file in WAL mode.

mod batch;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use fitmate_model::projects::Suspension;
use fitmate_model::rules::Email;
use fitmate_model::{ApiVersion, User};
use jiff::Timestamp;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::keys::{self, ApiKey, KeyInfo};
use crate::{
    Conflict, NewProject, PendingEmail, Project, ProjectId, Store, StoreError, StoredUser,
};

/// The database `fitmate` uses when given none: a file under `fitmate-data/` in the working
/// directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://fitmate-data/fitmate.db";

const USER_BY_ID: &str = "SELECT * FROM users WHERE project_id = ? AND id = ?";
const USER_BY_EMAIL: &str = "SELECT * FROM users WHERE project_id = ? AND email_key = ?";

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
    writer: SqlitePool,
    reader: SqlitePool,
    /// Checkpoints the write-ahead log (none for an in-memory database).
    checkpointer: Option<SqlitePool>,
    writes: mpsc::Sender<batch::Job>,
    secrets: std::sync::Arc<crate::SecretKeys>,
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
        let in_memory = file.as_os_str().is_empty() || file == Path::new(":memory:");
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
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
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
        let checkpointer = if in_memory {
            None
        } else {
            // Its busy timeout bounds how long a truncation may hold the writer back.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone().busy_timeout(TRUNCATE_WAIT))
                .await?;
            tokio::spawn(checkpoints(pool.clone(), writer.clone()));
            Some(pool)
        };
        let writes = batch::start(writer.clone());
        Ok(SqliteStore {
            writer,
            reader,
            checkpointer,
            writes,
            secrets,
        })
    }

    /// Hands a write of `user` to the writer and waits until it is committed (or refused).
    async fn write(
        &self,
        id: Uuid,
        project: &ProjectId,
        user: &User,
        kind: batch::Kind,
    ) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        let job = batch::Job {
            id,
            project: project.clone(),
            keys: UserKeys::of(user, &id.to_string(), &self.secrets)?,
            now: millis(Timestamp::now()),
            kind,
            done,
        };
        self.writes
            .send(job)
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// The user that `sql` (one of [`USER_BY_ID`], [`USER_BY_EMAIL`]) finds in `project`.
    async fn fetch_user(
        &self,
        sql: &'static str,
        project: &ProjectId,
        key: String,
    ) -> Result<Option<StoredUser>, StoreError> {
        sqlx::query(sql)
            .bind(project.as_str())
            .bind(key)
            .fetch_optional(&self.reader)
            .await?
            .as_ref()
            .map(|row| user_of(row, &self.secrets))
            .transpose()
    }

    /// Closes the connections, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.reader.close().await;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.close().await;
        }
        self.writer.close().await;
    }
}

/// How often the write-ahead log is copied into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Past this many frames in the write-ahead log (64 MiB with 4 KiB pages), the checkpointer
/// also truncates it. Under steady traffic some reader is nearly always open, so SQLite never
/// finds the moment to start the log over by itself and the file grows without end (a soak
/// run left a 3.2 GB log beside a 58 MB database, and the server's memory grew with the
/// log's index).
const WAL_TRUNCATE_FRAMES: i64 = 16_384;

/// The longest a truncation waits for the readers still on the log. It holds the write lock
/// while it waits, so this is also the longest it holds writes back.
const TRUNCATE_WAIT: Duration = Duration::from_millis(200);

/// After a truncation that had to give up (a reader stayed on the log), the next one is
/// tried no sooner than this, so a long-lived reader cannot keep writes waiting.
const TRUNCATE_BACKOFF: Duration = Duration::from_secs(10);

/// Copies the write-ahead log into the database every [`CHECKPOINT_EVERY`], beside the
/// writer rather than inside its commits, and truncates the log once it holds
/// [`WAL_TRUNCATE_FRAMES`]. Ends when the store is closed.
async fn checkpoints(checkpointer: SqlitePool, writer: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut truncate_after = tokio::time::Instant::now();
    while !writer.is_closed() && !checkpointer.is_closed() {
        tick.tick().await;
        let truncate_past = if tokio::time::Instant::now() >= truncate_after {
            WAL_TRUNCATE_FRAMES
        } else {
            i64::MAX
        };
        match checkpoint_once(&checkpointer, truncate_past).await {
            Ok(Checkpoint {
                frames,
                truncated: Some(false),
                ..
            }) => {
                tracing::warn!(
                    frames,
                    "the write-ahead log could not be truncated: a reader stayed on it past {TRUNCATE_WAIT:?}; trying again in {TRUNCATE_BACKOFF:?}"
                );
                truncate_after = tokio::time::Instant::now() + TRUNCATE_BACKOFF;
            }
            Ok(_) => {}
            Err(error) => {
                if writer.is_closed() || checkpointer.is_closed() {
                    break;
                }
                tracing::warn!(%error, "checkpoint of the write-ahead log failed");
            }
        }
    }
    checkpointer.close().await;
}

/// What one round of [`checkpoint_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checkpoint {
    /// Frames in the log when the round began.
    frames: i64,
    /// Frames of those already copied into the database after the `PASSIVE` step.
    copied: i64,
    /// `None` when no truncation was tried; else whether the log was truncated to nothing.
    truncated: Option<bool>,
}

/// One round: a `PASSIVE` checkpoint, which never waits for, nor blocks, a reader or the
/// writer. Then, when the log holds `truncate_past` frames or more and all of them are in
/// the database, a `TRUNCATE` one: it takes the write lock, waits for the readers still on
/// the log (they take milliseconds; it gives up after [`TRUNCATE_WAIT`]), and starts the
/// log over from an empty file. While a reader holds an old snapshot, frames stay uncopied
/// and no truncation is tried at all.
async fn checkpoint_once(
    checkpointer: &SqlitePool,
    truncate_past: i64,
) -> Result<Checkpoint, sqlx::Error> {
    // Each returns (busy, frames in the log, frames copied into the database).
    let passive = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(checkpointer)
        .await?;
    let frames: i64 = passive.try_get(1)?;
    let copied: i64 = passive.try_get(2)?;
    let mut truncated = None;
    if frames >= truncate_past && copied == frames {
        let truncate = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(checkpointer)
            .await?;
        let done = truncate.try_get::<i64, _>(0)? == 0;
        if done {
            tracing::debug!(frames, "truncated the write-ahead log");
        }
        truncated = Some(done);
    }
    Ok(Checkpoint {
        frames,
        copied,
        truncated,
    })
}

crate::rows::decoders!(SqliteRow);
use crate::rows::{UserKeys, is_unique_violation, millis};

/// Which value of `keys` another user (not `except`) of the project holds, email first: the
/// database names only the first index it tripped over, and email is the user's key.
async fn which_conflict(
    conn: &mut SqliteConnection,
    project: &ProjectId,
    keys: &UserKeys,
    except: Option<Uuid>,
) -> Result<Conflict, StoreError> {
    // Two lookups by the unique indexes (not a scan of the project's users); a conflict
    // on neither is the username.
    let row = sqlx::query(
        "SELECT
            EXISTS (SELECT 1 FROM users
                    WHERE project_id = ?3 AND email_key = ?1 AND id IS NOT ?4) AS email,
            EXISTS (SELECT 1 FROM users
                    WHERE project_id = ?3 AND phone_key = ?2 AND id IS NOT ?4) AS phone",
    )
    .bind(&keys.email)
    .bind(&keys.phone)
    .bind(project.as_str())
    .bind(except.map(|id| id.to_string()))
    .fetch_one(&mut *conn)
    .await?;
    let (email, phone): (bool, bool) = (row.try_get("email")?, row.try_get("phone")?);
    Ok(if email {
        Conflict::Email
    } else if phone {
        Conflict::Phone
    } else {
        Conflict::Username
    })
}

impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn create_project(&self, project: &NewProject) -> Result<Project, StoreError> {
        let now = Timestamp::now();
        let inserted = crate::queries::bind_settings(
            sqlx::query(crate::queries::INSERT_PROJECT)
                .bind(project.id.as_str())
                .bind(millis(now)),
            project,
        )
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(_) => Ok(Project {
                settings: project.clone(),
                created_at: Timestamp::from_millisecond(millis(now)).unwrap_or(now),
            }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::ProjectExists),
            Err(e) => Err(e.into()),
        }
    }

    async fn set_project_settings(&self, project: &NewProject) -> Result<Project, StoreError> {
        let updated = crate::queries::bind_settings(
            sqlx::query(crate::queries::UPDATE_PROJECT).bind(project.id.as_str()),
            project,
        )
        .execute(&self.writer)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("project"));
        }
        self.project(&project.id)
            .await?
            .ok_or(StoreError::NotFound("project"))
    }

    async fn project(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        sqlx::query("SELECT * FROM projects WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?
            .as_ref()
            .map(project_of)
            .transpose()
    }

    async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        sqlx::query("SELECT * FROM projects ORDER BY created_at, id")
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(project_of)
            .collect()
    }

    async fn create_key(
        &self,
        project: &ProjectId,
        version: ApiVersion,
    ) -> Result<(ApiKey, KeyInfo), StoreError> {
        if self.project(project).await?.is_none() {
            return Err(StoreError::NotFound("project"));
        }
        let now = Timestamp::from_millisecond(millis(Timestamp::now()))
            .map_err(|e| StoreError::corrupt("timestamp", e))?;
        // A prefix carries 54 random bits; a clash is all but impossible, but costs only a
        // retry.
        for _ in 0..3 {
            let key = ApiKey::generate().map_err(|e| StoreError::corrupt("random key", e))?;
            let inserted = sqlx::query(
                "INSERT INTO api_keys (prefix, hash, project_id, version, created_at)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(key.prefix())
            .bind(&keys::hash(key.expose())[..])
            .bind(project.as_str())
            .bind(version.as_str())
            .bind(millis(now))
            .execute(&self.writer)
            .await;
            match inserted {
                Ok(_) => {
                    let info = KeyInfo {
                        prefix: key.prefix().to_owned(),
                        project: project.clone(),
                        version,
                        created_at: now,
                        revoked_at: None,
                    };
                    return Ok((key, info));
                }
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::corrupt("random key", "three prefixes clashed"))
    }

    async fn keys(&self) -> Result<Vec<KeyInfo>, StoreError> {
        sqlx::query("SELECT * FROM api_keys ORDER BY created_at, prefix")
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(key_of)
            .collect()
    }

    async fn revoke_key(&self, prefix: &str) -> Result<KeyInfo, StoreError> {
        sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?)
             WHERE prefix = ? RETURNING *",
        )
        .bind(millis(Timestamp::now()))
        .bind(prefix)
        .fetch_optional(&self.writer)
        .await?
        .as_ref()
        .map(key_of)
        .transpose()?
        .ok_or(StoreError::NotFound("key"))
    }

    async fn authenticate(&self, presented: &str) -> Result<Option<KeyInfo>, StoreError> {
        let Some(prefix) = keys::prefix_of(presented) else {
            return Ok(None);
        };
        let Some(row) = sqlx::query("SELECT * FROM api_keys WHERE prefix = ?")
            .bind(prefix)
            .fetch_optional(&self.reader)
            .await?
        else {
            return Ok(None);
        };
        let hash: &[u8] = row.try_get("hash")?;
        if !keys::matches(presented, hash) {
            return Ok(None);
        }
        let info = key_of(&row)?;
        Ok(info.revoked_at.is_none().then_some(info))
    }

    async fn create_user(
        &self,
        project: &ProjectId,
        user: &User,
    ) -> Result<StoredUser, StoreError> {
        let id = Uuid::new_v4();
        self.write(id, project, user, batch::Kind::Create).await?;
        Ok(StoredUser {
            id,
            user: user.clone(),
            revision: 1,
        })
    }

    async fn user_by_email(
        &self,
        project: &ProjectId,
        email: &Email,
    ) -> Result<Option<StoredUser>, StoreError> {
        self.fetch_user(USER_BY_EMAIL, project, email.normalized())
            .await
    }

    async fn user_by_id(
        &self,
        project: &ProjectId,
        id: Uuid,
    ) -> Result<Option<StoredUser>, StoreError> {
        self.fetch_user(USER_BY_ID, project, id.to_string()).await
    }

    async fn update_user(
        &self,
        project: &ProjectId,
        current: &StoredUser,
        next: &User,
    ) -> Result<StoredUser, StoreError> {
        let kind = batch::Kind::Update {
            revision: current.revision,
        };
        self.write(current.id, project, next, kind).await?;
        Ok(StoredUser {
            id: current.id,
            user: next.clone(),
            revision: current.revision + 1,
        })
    }

    async fn suspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        reason: &str,
        start: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<Suspension, StoreError> {
        sqlx::query(
            "INSERT INTO suspensions (user_id, reason, start_at, end_at)
             SELECT id, ?, ?, ? FROM users WHERE project_id = ? AND id = ?
             RETURNING *",
        )
        .bind(reason)
        .bind(millis(start))
        .bind(until.map(millis))
        .bind(project.as_str())
        .bind(user.to_string())
        .fetch_optional(&self.writer)
        .await?
        .as_ref()
        .map(suspension_of)
        .transpose()?
        .ok_or(StoreError::NotFound("user"))
    }

    async fn unsuspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        if self.user_by_id(project, user).await?.is_none() {
            return Err(StoreError::NotFound("user"));
        }
        let done = sqlx::query(
            "UPDATE suspensions SET end_at = ?1
             WHERE user_id = ?2 AND start_at <= ?1 AND (end_at IS NULL OR end_at > ?1)",
        )
        .bind(millis(now))
        .bind(user.to_string())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    async fn active_suspensions(
        &self,
        user: Uuid,
        now: Timestamp,
    ) -> Result<Vec<Suspension>, StoreError> {
        sqlx::query(
            "SELECT * FROM suspensions
             WHERE user_id = ?1 AND start_at <= ?2 AND (end_at IS NULL OR end_at > ?2)
             ORDER BY start_at, id",
        )
        .bind(user.to_string())
        .bind(millis(now))
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(suspension_of)
        .collect()
    }

    async fn claim_due_emails(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<PendingEmail>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.id AS outbox_id, o.attempts, u.*
             FROM outbox o JOIN users u ON u.id = o.user_id
             WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ?
             ORDER BY o.next_attempt_at, o.id LIMIT ?",
        )
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                let project: String = row.try_get("project_id")?;
                let attempts: i64 = row.try_get("attempts")?;
                Ok(PendingEmail {
                    id: row.try_get("outbox_id")?,
                    user: user_of(row, &self.secrets)?,
                    project: project
                        .parse()
                        .map_err(|e| StoreError::corrupt("outbox", e))?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    async fn release_emails(&self, _ids: &[i64]) -> Result<(), StoreError> {
        // One dispatcher per file and no lease: nothing is held.
        Ok(())
    }

    async fn email_delivered(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE id = ?")
            .bind(millis(now))
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn email_failed(
        &self,
        id: i64,
        retry_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
             WHERE id = ?",
        )
        .bind(millis(retry_at))
        .bind(error)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn create_magic_link(
        &self,
        user: Uuid,
        token_hash: [u8; 32],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO magic_links (token_hash, user_id, created_at, expires_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(&token_hash[..])
        .bind(user.to_string())
        .bind(millis(now))
        .bind(millis(expires_at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn redeem_magic_link(
        &self,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<Uuid>, StoreError> {
        let row = sqlx::query(
            "UPDATE magic_links SET used_at = ?1
             WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1
             RETURNING user_id",
        )
        .bind(millis(now))
        .bind(&token_hash[..])
        .fetch_optional(&self.writer)
        .await?;
        row.map(|row| {
            let id: String = row.try_get("user_id")?;
            id.parse().map_err(|e| StoreError::corrupt("magic link", e))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long log is truncated; a reader on an old snapshot stops it from being tried, and
    /// one on the newest snapshot makes it give up after [`TRUNCATE_WAIT`] while writes
    /// go on.
    #[tokio::test]
    async fn a_long_log_is_truncated_and_readers_only_delay_it() {
        let path = std::env::temp_dir().join(format!("fitmate-wal-{}.db", Uuid::new_v4()));
        let url = format!("sqlite://{}", path.display());
        let secrets = crate::SecretKeys::from_base64(
            &crate::SecretKeys::generate().expect("random bytes"),
            &[],
        )
        .expect("a fresh key");
        let store = SqliteStore::open(&url, std::sync::Arc::new(secrets))
            .await
            .expect("a fresh store");
        let checkpointer = store.checkpointer.clone().expect("a file store has one");
        let wal = path.with_extension("db-wal");
        let wal_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
        let insert =
            || sqlx::query("INSERT INTO filler VALUES (randomblob(4000))").execute(&store.writer);
        let read = "SELECT count(*) FROM filler";
        sqlx::query("CREATE TABLE filler (data BLOB)")
            .execute(&store.writer)
            .await
            .expect("create");

        // A reader holding the snapshot from before the writes: nothing can be copied.
        let mut old = store.reader.begin().await.expect("begin");
        sqlx::query(read).execute(&mut *old).await.expect("read");
        for _ in 0..300 {
            insert().await.expect("insert");
        }
        let round = checkpoint_once(&checkpointer, 100).await.expect("round");
        assert!(round.frames >= 300, "{round:?}");
        assert!(round.copied < round.frames, "{round:?}");
        assert_eq!(round.truncated, None, "not tried while frames are uncopied");
        assert!(wal_len() > 1_000_000, "the log stays");

        // A reader on the newest snapshot, taken while the log is uncopied so that it
        // reads from the log; then the old one goes. Everything can be copied now, but the
        // truncation has to wait for the new reader, and gives up.
        let mut new = store.reader.begin().await.expect("begin");
        sqlx::query(read).execute(&mut *new).await.expect("read");
        old.rollback().await.expect("end the old read");
        let started = std::time::Instant::now();
        let (round, written) = tokio::join!(checkpoint_once(&checkpointer, 100), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            insert().await
        });
        let round = round.expect("round");
        assert_eq!(round.copied, round.frames, "{round:?}");
        assert_eq!(round.truncated, Some(false), "{round:?}");
        assert!(written.is_ok(), "a write during the wait went through");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "gave up within its wait: {:?}",
            started.elapsed()
        );
        new.rollback().await.expect("end the new read");

        // No reader left on the log: it is truncated.
        let round = checkpoint_once(&checkpointer, 100).await.expect("round");
        assert_eq!(round.truncated, Some(true), "{round:?}");
        assert_eq!(wal_len(), 0, "the log is empty");

        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
