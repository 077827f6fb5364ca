//! The write-ahead log's checkpointer: a task of its own beside the writer, so that no
//! commit ever waits for a checkpoint, and the log's size stays bounded.

use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::SqlitePool;

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
pub(super) const TRUNCATE_WAIT: Duration = Duration::from_millis(200);

/// After a truncation that had to give up (a reader stayed on the log), the next one is
/// tried no sooner than this, so a long-lived reader cannot keep writes waiting.
const TRUNCATE_BACKOFF: Duration = Duration::from_secs(10);

/// Copies the write-ahead log into the database every [`CHECKPOINT_EVERY`], beside the
/// writer rather than inside its commits, and truncates the log once it holds
/// [`WAL_TRUNCATE_FRAMES`]. Ends when the store is closed.
pub(super) async fn checkpoints(checkpointer: SqlitePool, writer: SqlitePool) {
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
    let started = std::time::Instant::now();
    let passive = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(checkpointer)
        .await?;
    let frames: i64 = passive.try_get(1)?;
    let copied: i64 = passive.try_get(2)?;
    tracing::trace!(frames, copied, took = ?started.elapsed(), "checkpointed the write-ahead log");
    let mut truncated = None;
    if frames >= truncate_past && copied == frames {
        let started = std::time::Instant::now();
        let truncate = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(checkpointer)
            .await?;
        let done = truncate.try_get::<i64, _>(0)? == 0;
        tracing::debug!(frames, done, took = ?started.elapsed(), "truncation of the write-ahead log");
        truncated = Some(done);
    }
    Ok(Checkpoint {
        frames,
        copied,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use uuid::Uuid;

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
        let (reader, writer) = (store.queries.read.clone(), store.queries.write.clone());
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
        let round = checkpoint_once(&checkpointer, 100).await.expect("round");
        assert!(round.frames >= 300, "{round:?}");
        assert!(round.copied < round.frames, "{round:?}");
        assert_eq!(round.truncated, None, "not tried while frames are uncopied");
        assert!(wal_len() > 1_000_000, "the log stays");

        // A reader on the newest snapshot, taken while the log is uncopied so that it
        // reads from the log; then the old one goes. Everything can be copied now, but the
        // truncation has to wait for the new reader, and gives up.
        let mut new = reader.begin().await.expect("begin");
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
