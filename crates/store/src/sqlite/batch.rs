//! Group commit: the writes waiting at the same moment share one transaction.
//!
//! SQLite has one writer. Written one by one, each write pays for a commit that copies
//! every page it touched into the write-ahead log, and the writers queue for the one
//! connection. Instead one task owns the writing: it takes every write waiting (up to
//! [`MAX_BATCH`]) and applies them in one `BEGIN IMMEDIATE … COMMIT`:
//!
//! - the creates by one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING id`: the rows
//!   that come back were written; any other collided with a unique index (possibly with an
//!   earlier row of the same batch, so of two racing creates exactly one wins) and is told
//!   which value is taken;
//! - the updates one statement each, in arrival order, each guarded by the revision it read;
//! - the claims, saved answers and releases of idempotency keys one statement each, in
//!   arrival order: a keyed write makes three trips to the writer, and each shares its
//!   commit with everything else waiting;
//! - the audit events of every write that went through, and of the reads waiting, by one
//!   multi-row insert: a write's event commits with it, and a read is answered only once
//!   its event is kept.
//!
//! Every write is answered only after its transaction committed. If the transaction as a
//! whole fails, each write is tried again alone, so each gets its own answer.

use std::collections::HashSet;

use sqlx::sqlite::SqlitePool;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::WriteTurn;
use crate::queries::{INSERT_USER_COLUMNS, Queries, UPDATE_USER};
use crate::rows::{UserKeys, is_unique_violation};
use crate::{
    AuditEvent, IdempotencyClaim, IdempotencyState, IdempotentAnswer, ProjectId, StoreError,
};

/// Writes applied by one transaction at most (a create binds 10 parameters, far below
/// SQLite's limit of 32766 per statement).
const MAX_BATCH: usize = 128;
/// Writes waiting for the writer at most; more wait to be queued.
const QUEUE: usize = 1024;

/// One write waiting to be applied in `project`; `done` gets its outcome once committed.
pub(super) struct Job {
    pub(super) project: ProjectId,
    pub(super) now: i64,
    pub(super) work: Work,
    pub(super) done: oneshot::Sender<Result<Done, StoreError>>,
}

/// What a job writes.
pub(super) enum Work {
    /// A write about one user, with its audit event.
    User(UserWrite),
    /// A claim on an idempotency key.
    Claim(IdempotencyClaim),
    /// The answer of the request holding claim `token` on `key`.
    Save {
        key: String,
        token: [u8; 16],
        answer: IdempotentAnswer,
    },
    /// Claim `token` on `key` given up.
    Release { key: String, token: [u8; 16] },
}

/// A write about user `id`.
pub(super) struct UserWrite {
    pub(super) id: Uuid,
    pub(super) kind: Kind,
    /// Appended to the audit trail when the write goes through.
    pub(super) audit: AuditEvent,
}

/// What a user write does.
pub(super) enum Kind {
    /// A new user with identifier `id`.
    Create(UserKeys),
    /// User `id`, if it is still at this revision.
    Update { keys: UserKeys, revision: i64 },
    /// Nothing but its audit event: a read of user `id`.
    Read,
}

/// What a job that went through answers.
#[derive(Debug)]
pub(super) enum Done {
    /// Written.
    Written,
    /// What the claim on a key found.
    Claim(IdempotencyState),
}

/// Starts the writer on `pool`, taking `turn` for each transaction; it ends when every
/// sender is dropped.
pub(super) fn start(pool: SqlitePool, turn: WriteTurn) -> mpsc::Sender<Job> {
    let (sender, jobs) = mpsc::channel(QUEUE);
    tokio::spawn(write(pool, jobs, turn));
    sender
}

async fn write(pool: SqlitePool, mut jobs: mpsc::Receiver<Job>, turn: WriteTurn) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A write or claim whose caller gave up (its request timed out) is not applied:
        // nobody would hear that it was, and a retry of the request will run it again. A
        // saved answer or a release is, for the retries' sake.
        batch.retain(|job| {
            matches!(job.work, Work::Save { .. } | Work::Release { .. }) || !job.done.is_closed()
        });
        if batch.is_empty() {
            continue;
        }
        let _turn = turn.lock().await;
        let started = std::time::Instant::now();
        let applied = apply(&pool, &batch).await;
        tracing::trace!(writes = batch.len(), took = ?started.elapsed(), "group commit");
        match applied {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.done.send(outcome);
                }
            }
            Err(_) => {
                for job in batch.drain(..) {
                    let outcome = match apply(&pool, std::slice::from_ref(&job)).await {
                        Ok(mut outcomes) => outcomes.pop().unwrap_or(Err(StoreError::Closed)),
                        Err(e) => Err(e.into()),
                    };
                    let _ = job.done.send(outcome);
                }
            }
        }
    }
}

/// Applies `jobs` in one transaction; answers each job's outcome, in order.
async fn apply(
    pool: &SqlitePool,
    jobs: &[Job],
) -> Result<Vec<Result<Done, StoreError>>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    match apply_in_transaction(&mut conn, jobs).await {
        Ok(outcomes) => match sqlx::query("COMMIT").execute(&mut *conn).await {
            Ok(_) => Ok(outcomes),
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                Err(e)
            }
        },
        Err(e) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            Err(e)
        }
    }
}

async fn apply_in_transaction(
    conn: &mut SqliteConnection,
    jobs: &[Job],
) -> Result<Vec<Result<Done, StoreError>>, sqlx::Error> {
    let creates: Vec<(&Job, &UserWrite, &UserKeys)> = jobs
        .iter()
        .filter_map(|job| match &job.work {
            Work::User(
                write @ UserWrite {
                    kind: Kind::Create(keys),
                    ..
                },
            ) => Some((job, write, keys)),
            _ => None,
        })
        .collect();
    let created = insert_all(conn, &creates).await?;
    if let Some((first, _, _)) = creates.first() {
        queue_welcome_emails(conn, &created, first.now).await?;
    }
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut events = Vec::new();
    for job in jobs {
        let outcome = match &job.work {
            Work::User(write) => {
                let written = match &write.kind {
                    Kind::Create(_) if created.contains(&write.id) => Ok(Done::Written),
                    Kind::Create(keys) => Err(taken(conn, job, keys, None).await?),
                    Kind::Update { keys, revision } => {
                        match update(conn, job, write.id, keys, *revision).await {
                            Ok(1) => Ok(Done::Written),
                            Ok(_) => Err(StoreError::Stale),
                            Err(e) if is_unique_violation(&e) => {
                                Err(taken(conn, job, keys, Some(write.id)).await?)
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    Kind::Read => Ok(Done::Written),
                };
                if written.is_ok() {
                    events.push((job, write));
                }
                written
            }
            Work::Claim(claim) => alone(
                Queries::<Sqlite>::claim_idempotency_key(conn, claim)
                    .await
                    .map(Done::Claim),
            )?,
            Work::Save { key, token, answer } => alone(
                Queries::<Sqlite>::save_idempotent_answer(conn, &job.project, key, *token, answer)
                    .await
                    .map(|()| Done::Written),
            )?,
            Work::Release { key, token } => alone(
                Queries::<Sqlite>::release_idempotency_key(conn, &job.project, key, *token)
                    .await
                    .map(|()| Done::Written),
            )?,
        };
        outcomes.push(outcome);
    }
    append_events(conn, &events).await?;
    Ok(outcomes)
}

/// A job's own outcome, or the database's failure, which fails the whole transaction.
fn alone(outcome: Result<Done, StoreError>) -> Result<Result<Done, StoreError>, sqlx::Error> {
    match outcome {
        Err(StoreError::Database(e)) => Err(e),
        outcome => Ok(outcome),
    }
}

/// Appends the audit events of `writes`, in one statement.
async fn append_events(
    conn: &mut SqliteConnection,
    writes: &[(&Job, &UserWrite)],
) -> Result<(), sqlx::Error> {
    if writes.is_empty() {
        return Ok(());
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO audit_events (at, project_id, actor, request_id, action, user_id, fields) ",
    );
    query.push_values(writes, |mut row, (job, write)| {
        row.push_bind(job.now)
            .push_bind(job.project.as_str())
            .push_bind(write.audit.actor.as_str())
            .push_bind(write.audit.request_id.as_str())
            .push_bind(write.audit.action.as_str())
            .push_bind(write.id.to_string())
            .push_bind(write.audit.fields.join(","));
    });
    query.build().execute(&mut *conn).await?;
    Ok(())
}

async fn insert_all(
    conn: &mut SqliteConnection,
    creates: &[(&Job, &UserWrite, &UserKeys)],
) -> Result<HashSet<Uuid>, sqlx::Error> {
    if creates.is_empty() {
        return Ok(HashSet::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new(INSERT_USER_COLUMNS);
    query.push_values(creates, |mut row, (job, write, keys)| {
        row.push_bind(write.id.to_string())
            .push_bind(job.project.as_str())
            .push_bind(&keys.email)
            .push_bind(&keys.phone)
            .push_bind(&keys.username)
            .push_bind(&keys.document)
            .push_bind(&keys.secure)
            .push_bind(1_i64)
            .push_bind(job.now)
            .push_bind(job.now);
    });
    query.push(" ON CONFLICT DO NOTHING RETURNING id");
    let rows = query.build().fetch_all(&mut *conn).await?;
    let mut written = HashSet::with_capacity(rows.len());
    for row in rows {
        let id: &str = row.try_get(0)?;
        written.insert(Uuid::parse_str(id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?);
    }
    Ok(written)
}

/// Queues, in the transaction that created them, the welcome email of each created user
/// whose project sends one.
async fn queue_welcome_emails(
    conn: &mut SqliteConnection,
    created: &HashSet<Uuid>,
    now: i64,
) -> Result<(), sqlx::Error> {
    if created.is_empty() {
        return Ok(());
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO outbox (user_id, kind, created_at, next_attempt_at) SELECT u.id, 'welcome', ",
    );
    query.push_bind(now).push(", ").push_bind(now).push(
        " FROM users u JOIN projects p ON p.id = u.project_id \
         WHERE p.welcome_email AND u.id IN (",
    );
    let mut ids = query.separated(", ");
    for id in created {
        ids.push_bind(id.to_string());
    }
    query.push(")");
    query.build().execute(&mut *conn).await?;
    Ok(())
}

/// Rows changed: 1 if written, 0 if the user is no longer at `revision`.
async fn update(
    conn: &mut SqliteConnection,
    job: &Job,
    id: Uuid,
    keys: &UserKeys,
    revision: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(UPDATE_USER)
        .bind(&keys.phone)
        .bind(&keys.username)
        .bind(&keys.document)
        .bind(&keys.secure)
        .bind(job.now)
        .bind(job.project.as_str())
        .bind(id.to_string())
        .bind(revision)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// The conflict that kept `job` from being written.
async fn taken(
    conn: &mut SqliteConnection,
    job: &Job,
    keys: &UserKeys,
    except: Option<Uuid>,
) -> Result<StoreError, sqlx::Error> {
    match Queries::<Sqlite>::which_conflict(conn, &job.project, keys, except).await {
        Ok(conflict) => Ok(StoreError::Conflict(conflict)),
        Err(StoreError::Database(e)) => Err(e),
        Err(other) => Ok(other),
    }
}
