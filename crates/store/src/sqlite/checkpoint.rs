//! The write-ahead log's checkpointer: a task of its own beside the writer, so that no
//! commit waits for a checkpoint's copying and syncing, and the log's size stays bounded.
//!
//! SQLite starts its log over from the beginning only when a write begins while every frame
//! of the log is already copied into the database and no reader is on the log. Under steady
//! writes that moment never comes: a checkpoint beside the writer copies what was in the
//! log when it began, and by its end the writer has appended more. So once the log is long,
//! the checkpointer makes the moment: it copies until what is left is small (each `PASSIVE`
//! round runs beside the writer), then runs a `RESTART` checkpoint, which holds writes back
//! only while it copies and syncs that small rest and waits for the readers on the log.
//! The log's file is kept and written again from its start, never truncated: truncating a
//! file of tens of megabytes and growing it again made each round hold writes back for
//! 150 to 380 ms on an ext4 disk (see BENCHMARKS.md).

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::SqlitePool;

use super::WriteTurn;

/// How often the write-ahead log is copied into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Past this many frames in the write-ahead log (64 MiB with 4 KiB pages), the checkpointer
/// starts it over. Without that, under steady traffic, the file grows without end (a soak
/// run left a 3.2 GB log beside a 58 MB database, and the server's memory grew with the
/// log's index).
const RESTART_PAST_FRAMES: i64 = 16_384;

/// A restart is run once a catch-up round had fewer frames than this left to copy (4 MiB):
/// that rest is what the restart copies and syncs while writes wait.
const SMALL_REST_FRAMES: i64 = 1_024;

/// Catch-up rounds before a restart at most; the restart runs after them whatever is left.
const CATCH_UP_ROUNDS: usize = 4;

/// The longest a restart waits for the readers still on the log. It holds the write lock
/// while it waits, so this bounds how long the wait holds writes back.
pub(super) const RESTART_WAIT: Duration = Duration::from_millis(200);

/// The log's file is cut back to this size when the log starts over. It stays below this
/// in steady use (a restart runs at [`RESTART_PAST_FRAMES`], 64 MiB); only a log that grew
/// past it while a long read held it (a backup) is cut back, once.
pub(super) const LOG_SIZE_LIMIT: &str = "100663296"; // 96 MiB

/// After a restart that had to give up (a reader stayed on the log), the next one is tried
/// no sooner than this, so a long-lived reader cannot keep writes waiting.
const RESTART_BACKOFF: Duration = Duration::from_secs(10);

/// Copies the write-ahead log into the database every [`CHECKPOINT_EVERY`], beside the
/// writer rather than inside its commits, and starts the log over once it holds
/// [`RESTART_PAST_FRAMES`]. Ends when the store is closed.
pub(super) async fn checkpoints(
    checkpointer: SqlitePool,
    writer: SqlitePool,
    turn: WriteTurn,
    database: Arc<File>,
) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut restart_after = tokio::time::Instant::now();
    while !writer.is_closed() && !checkpointer.is_closed() {
        tick.tick().await;
        let restart_past = if tokio::time::Instant::now() >= restart_after {
            RESTART_PAST_FRAMES
        } else {
            i64::MAX
        };
        match checkpoint_once(&checkpointer, &turn, &database, restart_past).await {
            Ok(Checkpoint {
                frames,
                restarted: Some(false),
                ..
            }) => {
                tracing::warn!(
                    frames,
                    "the write-ahead log could not be started over: a reader or a write held it past {RESTART_WAIT:?}; trying again in {RESTART_BACKOFF:?}"
                );
                restart_after = tokio::time::Instant::now() + RESTART_BACKOFF;
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
    /// Frames of those already copied into the database after the first `PASSIVE` step.
    copied: i64,
    /// `None` when no restart was tried; else whether the log was started over.
    restarted: Option<bool>,
}

/// A descriptor of the database file, for [`sync_file`]: one per file, opened on first use
/// and never closed. On Unix, closing any descriptor of a file drops every POSIX lock the
/// process holds on it, SQLite's own included, which would let another process (an
/// operator command, `sqlite3`) take the database from under the server's connections.
/// SQLite keeps its own descriptors open for the same reason.
pub(super) fn database_handle(path: &Path) -> std::io::Result<Arc<File>> {
    static OPEN: LazyLock<Mutex<HashMap<PathBuf, Arc<File>>>> = LazyLock::new(Default::default);
    let mut open = OPEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = std::fs::canonicalize(path)?;
    if let Some(file) = open.get(&key) {
        return Ok(file.clone());
    }
    let file = Arc::new(File::open(&key)?);
    open.insert(key, file.clone());
    Ok(file)
}

/// Flushes the database file's written pages to disk (an fsync of the file, whoever wrote
/// them), through its long-lived descriptor.
async fn sync_file(file: &Arc<File>) -> Result<(), sqlx::Error> {
    let file = file.clone();
    tokio::task::spawn_blocking(move || file.sync_all())
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
        .map_err(sqlx::Error::Io)
}

/// Copies what it can beside the writer and the readers, waiting for neither.
const PASSIVE: &str = "PRAGMA wal_checkpoint(PASSIVE)";
/// Holds writes back, copies the rest, waits for the readers on the log, so that the next
/// write starts the log over.
const RESTART: &str = "PRAGMA wal_checkpoint(RESTART)";

/// Runs `checkpoint` ([`PASSIVE`] or [`RESTART`]): whether it had to give up (busy), the
/// frames in the log, and how many of them are copied into the database.
async fn wal_checkpoint(
    checkpointer: &SqlitePool,
    checkpoint: &'static str,
) -> Result<(bool, i64, i64), sqlx::Error> {
    let started = std::time::Instant::now();
    let row = sqlx::query(checkpoint).fetch_one(checkpointer).await?;
    let (busy, frames, copied): (i64, i64, i64) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    tracing::trace!(checkpoint, busy, frames, copied, took = ?started.elapsed(), "checkpoint");
    Ok((busy != 0, frames, copied))
}

/// One round: a `PASSIVE` checkpoint, which never waits for, nor blocks, a reader or the
/// writer. Then, when the log holds `restart_past` frames or more and all of them are in
/// the database, more `PASSIVE` rounds until little is left (the writer keeps appending),
/// and a `RESTART` one: it takes the write lock, copies and syncs the rest, waits for the
/// readers still on the log (they take milliseconds; it gives up after [`RESTART_WAIT`]),
/// and lets the next write start the log over. A reader on an old snapshot stops the first
/// round from copying everything, and then no restart is tried; one that takes such a
/// snapshot during the catch-up rounds only makes the restart wait (up to
/// [`RESTART_WAIT`]) or give up. The restart takes the writer's `turn` first, so the
/// group-commit writer waits for it on that lock rather than on SQLite's.
async fn checkpoint_once(
    checkpointer: &SqlitePool,
    turn: &WriteTurn,
    database: &Arc<File>,
    restart_past: i64,
) -> Result<Checkpoint, sqlx::Error> {
    let (_, frames, copied) = wal_checkpoint(checkpointer, PASSIVE).await?;
    let mut restarted = None;
    if frames >= restart_past && copied == frames {
        let started = std::time::Instant::now();
        let mut last = frames;
        for _ in 0..CATCH_UP_ROUNDS {
            let (_, now, copied) = wal_checkpoint(checkpointer, PASSIVE).await?;
            let rest = now - last;
            last = now;
            if copied < now {
                break; // a reader holds an old snapshot: the restart will wait for it
            }
            if rest < SMALL_REST_FRAMES {
                break;
            }
        }
        // While the writer appends, a `PASSIVE` round copies pages into the database but
        // leaves them unsynced (SQLite syncs the file only when a round reaches the log's
        // end), and the restart would sync all of them while writes wait: 50 ms and more
        // here. Synced now, beside the writer, they leave the restart only its rest.
        sync_file(database).await?;
        wal_checkpoint(checkpointer, PASSIVE).await?;
        let _turn = turn.lock().await;
        let (busy, _, _) = wal_checkpoint(checkpointer, RESTART).await?;
        tracing::debug!(frames, restarted = !busy, took = ?started.elapsed(), "restart of the write-ahead log");
        restarted = Some(!busy);
    }
    Ok(Checkpoint {
        frames,
        copied,
        restarted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use uuid::Uuid;

    /// A store on a fresh file of the temporary folder, and the file's path.
    async fn file_store() -> (SqliteStore, PathBuf) {
        let path = std::env::temp_dir().join(format!("fitmate-wal-{}.db", Uuid::new_v4()));
        let secrets = crate::SecretKeys::from_base64(
            &crate::SecretKeys::generate().expect("random bytes"),
            &[],
        )
        .expect("a fresh key");
        let url = format!("sqlite://{}", path.display());
        let store = SqliteStore::open(&url, std::sync::Arc::new(secrets))
            .await
            .expect("a fresh store");
        (store, path)
    }

    /// Closes `store` and removes its database, log and index files.
    async fn close_and_remove(store: SqliteStore, path: &Path) {
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    /// A long log is started over, its file kept; a reader on an old snapshot stops the
    /// restart from being tried, and one on the newest snapshot makes it give up after
    /// [`RESTART_WAIT`] while writes go on.
    #[tokio::test]
    async fn a_long_log_is_started_over_and_readers_only_delay_it() {
        let (store, path) = file_store().await;
        let checkpointer = store.checkpointer.clone().expect("a file store has one");
        let (reader, writer) = (store.queries.read.clone(), store.queries.write.clone());
        let turn = WriteTurn::default();
        let database = database_handle(&path).expect("the database file");
        let wal = path.with_extension("db-wal");
        let wal_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
        let insert =
            || sqlx::query("INSERT INTO filler VALUES (randomblob(4000))").execute(&writer);
        let read = "SELECT count(*) FROM filler";
        sqlx::query("CREATE TABLE filler (data BLOB)")
            .execute(&writer)
            .await
            .expect("create");

        // A reader holding the snapshot from before the writes: nothing can be copied.
        let mut old = reader.begin().await.expect("begin");
        sqlx::query(read).execute(&mut *old).await.expect("read");
        for _ in 0..300 {
            insert().await.expect("insert");
        }
        let round = checkpoint_once(&checkpointer, &turn, &database, 100)
            .await
            .expect("round");
        assert!(round.frames >= 300, "{round:?}");
        assert!(round.copied < round.frames, "{round:?}");
        assert_eq!(round.restarted, None, "not tried while frames are uncopied");
        assert!(wal_len() > 1_000_000, "the log stays");

        // A reader on the newest snapshot, taken while the log is uncopied so that it
        // reads from the log; then the old one goes. Everything can be copied now, but the
        // restart has to wait for the new reader, and gives up.
        let mut new = reader.begin().await.expect("begin");
        sqlx::query(read).execute(&mut *new).await.expect("read");
        old.rollback().await.expect("end the old read");
        let started = std::time::Instant::now();
        let (round, written) = tokio::join!(
            checkpoint_once(&checkpointer, &turn, &database, 100),
            async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                insert().await
            }
        );
        let round = round.expect("round");
        assert_eq!(round.copied, round.frames, "{round:?}");
        assert_eq!(round.restarted, Some(false), "{round:?}");
        assert!(written.is_ok(), "a write during the wait went through");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "gave up within its wait: {:?}",
            started.elapsed()
        );
        new.rollback().await.expect("end the new read");

        // No reader left on the log: it is started over. The next write goes to the start
        // of the same file, which keeps its size.
        let long = wal_len();
        let round = checkpoint_once(&checkpointer, &turn, &database, 100)
            .await
            .expect("round");
        assert_eq!(round.restarted, Some(true), "{round:?}");
        insert().await.expect("insert");
        let (_, frames, _) = wal_checkpoint(&checkpointer, PASSIVE).await.expect("round");
        assert!(frames < 10, "the log started over: {frames} frames");
        assert_eq!(
            wal_len(),
            long,
            "the file is written again, not cut and grown"
        );

        close_and_remove(store, &path).await;
    }

    /// The checkpointer's fsync keeps the server's locks on the database file: another
    /// process that opens and closes the database meanwhile (an operator's `sqlite3`) must
    /// not take it for unused, or it would copy the log in and delete it under the server.
    #[tokio::test]
    async fn syncing_the_file_keeps_the_servers_hold_on_it() {
        let (store, path) = file_store().await;
        let writer = store.queries.write.clone();
        sqlx::query("CREATE TABLE filler (n INTEGER)")
            .execute(&writer)
            .await
            .expect("create");
        sqlx::query("INSERT INTO filler VALUES (1)")
            .execute(&writer)
            .await
            .expect("insert");
        for _ in 0..2 {
            sync_file(&database_handle(&path).expect("the database file"))
                .await
                .expect("synced");
        }

        let visitor = std::process::Command::new("python3")
            .arg("-c")
            .arg("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM filler').fetchall(); c.close()")
            .arg(&path)
            .status()
            .expect("python3 runs");
        assert!(visitor.success());
        let wal = path.with_extension("db-wal");
        assert!(
            wal.exists(),
            "another process closing the database took the log away from the server"
        );

        close_and_remove(store, &path).await;
    }
}
