//! Group commit of creates, and of the audit events of reads: what waits at the same moment
//! is written by one statement, in one round trip and one commit.
//!
//! Each create alone would cost PostgreSQL a statement, a commit and its flush of the
//! write-ahead log. Instead a task of this replica takes every create waiting (up to
//! [`MAX_BATCH`]) and sends them as arrays: `unnest` turns them into rows, one
//! `INSERT … ON CONFLICT DO NOTHING RETURNING id` writes those that take no email, phone or
//! username already held (by an earlier user or an earlier row of the same batch, so of two
//! racing creates exactly one wins), and the same statement queues their welcome emails
//! and appends their audit events.
//! The statement's text is the same for any batch size, so it is prepared once per
//! connection.
//!
//! Every create is answered after the commit: its id came back, so it was written; or it
//! collided, and a lookup by the unique indexes says which value is taken. A batch that fails
//! as a whole is tried again one create at a time, so each gets its own answer. Up to
//! [`IN_FLIGHT`] batches run at once, so a batch gathers while the previous one commits.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use sqlx::postgres::PgPool;
use sqlx::{Postgres, Row};
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

use crate::queries::{INSERT_USER_COLUMNS, Queries};
use crate::rows::UserKeys;
use crate::{AuditEvent, ProjectId, StoreError};

/// Creates written by one statement at most.
const MAX_BATCH: usize = 256;
/// Creates waiting for a batch at most; more wait to be queued.
const QUEUE: usize = 1024;
/// Batches committing at once at most (each holds one connection of the pool while it runs).
const IN_FLIGHT: u32 = 4;

/// One create waiting for its batch; `done` gets its outcome once committed.
pub(super) struct Create {
    pub(super) id: Uuid,
    pub(super) project: ProjectId,
    pub(super) keys: UserKeys,
    pub(super) now: i64,
    /// Appended to the audit trail with the user.
    pub(super) audit: AuditEvent,
    pub(super) done: oneshot::Sender<Result<(), StoreError>>,
}

/// Starts the batching of creates on `pool` (of `connections`); it ends when every sender
/// is dropped.
pub(super) fn start(pool: PgPool, connections: u32) -> mpsc::Sender<Create> {
    // Creates may take up to a quarter of the pool, reads' events another quarter: the rest
    // is left to reads, updates and the outbox.
    let in_flight = IN_FLIGHT.min(connections.div_ceil(4)).max(1);
    batches(pool, in_flight, |pool, mut batch: Vec<Create>| async move {
        // A create whose caller gave up (its request timed out) is not written: a retry of
        // the request will run it again.
        batch.retain(|create| !create.done.is_closed());
        if !batch.is_empty() {
            commit(&pool, batch).await;
        }
    })
}

/// Starts a task that gathers what is sent to it into batches of up to [`MAX_BATCH`] and
/// hands each to `commit`, with up to `in_flight` running at once (each holds a connection),
/// so a batch gathers while the previous one commits.
pub(super) fn batches<T, F, Done>(pool: PgPool, in_flight: u32, commit: F) -> mpsc::Sender<T>
where
    T: Send + 'static,
    F: Fn(PgPool, Vec<T>) -> Done + Send + 'static,
    Done: std::future::Future<Output = ()> + Send + 'static,
{
    let (sender, mut waiting) = mpsc::channel(QUEUE);
    let slots = Arc::new(Semaphore::new(in_flight as usize));
    tokio::spawn(async move {
        loop {
            // Wait for a free slot first: what arrives meanwhile joins this batch.
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let mut batch = Vec::with_capacity(MAX_BATCH);
            if waiting.recv_many(&mut batch, MAX_BATCH).await == 0 {
                return;
            }
            let done = commit(pool.clone(), batch);
            tokio::spawn(async move {
                done.await;
                drop(slot);
            });
        }
    });
    sender
}

/// Writes `batch` and answers each create.
async fn commit(pool: &PgPool, batch: Vec<Create>) {
    match insert_all(pool, &batch).await {
        Ok(written) => {
            for create in batch {
                let outcome = if written.contains(&create.id) {
                    Ok(())
                } else {
                    taken(pool, &create).await
                };
                let _ = create.done.send(outcome);
            }
        }
        Err(error) if batch.len() > 1 => {
            tracing::warn!(%error, creates = batch.len(), "a batch of creates failed as a whole; writing them one by one");
            for create in batch {
                let outcome = match insert_all(pool, std::slice::from_ref(&create)).await {
                    Ok(written) if written.contains(&create.id) => Ok(()),
                    Ok(_) => taken(pool, &create).await,
                    Err(e) => Err(e.into()),
                };
                let _ = create.done.send(outcome);
            }
        }
        Err(e) => {
            // A batch of one: its own error.
            if let Some(create) = batch.into_iter().next() {
                let _ = create.done.send(Err(e.into()));
            }
        }
    }
}

/// Inserts the users of `batch` and queues their welcome emails, in one statement; answers
/// the ids written.
async fn insert_all(pool: &PgPool, batch: &[Create]) -> Result<HashSet<Uuid>, sqlx::Error> {
    let column = |f: fn(&Create) -> String| batch.iter().map(f).collect::<Vec<_>>();
    let rows = sqlx::query(sqlx::AssertSqlSafe(INSERT_BATCH.as_str()))
        .bind(column(|c| c.id.to_string()))
        .bind(column(|c| c.project.as_str().to_owned()))
        .bind(column(|c| c.keys.email.clone()))
        .bind(column(|c| c.keys.phone.clone()))
        .bind(
            batch
                .iter()
                .map(|c| c.keys.username.clone())
                .collect::<Vec<_>>(),
        )
        .bind(column(|c| c.keys.document.clone()))
        .bind(column(|c| c.keys.secure.clone()))
        .bind(batch.iter().map(|c| c.now).collect::<Vec<_>>())
        .bind(column(|c| c.audit.actor.clone()))
        .bind(column(|c| c.audit.request_id.clone()))
        .bind(column(|c| c.audit.action.as_str().to_owned()))
        .bind(column(|c| c.audit.fields.join(",")))
        .fetch_all(pool)
        .await?;
    let mut written = HashSet::with_capacity(rows.len());
    for row in rows {
        let id: &str = row.try_get(0)?;
        written.insert(Uuid::parse_str(id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?);
    }
    Ok(written)
}

/// The one statement of a batch: its creates as arrays, one per column, then the users that
/// could be written and their welcome emails.
static INSERT_BATCH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH given AS (
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[],
                                  $11::text[], $12::text[])
                 AS given (id, project_id, email_key, phone_key, username, document,
                           secure_metadata, now, actor, request_id, action, fields)
         ), inserted AS (
             {INSERT_USER_COLUMNS}
             SELECT id, project_id, email_key, phone_key, username, document, secure_metadata,
                    1, now, now
             FROM given
             ON CONFLICT DO NOTHING RETURNING id, project_id, created_at
         ), welcome AS (
             INSERT INTO outbox (user_id, kind, created_at, next_attempt_at)
             SELECT inserted.id, 'welcome', inserted.created_at, inserted.created_at
             FROM inserted JOIN projects ON projects.id = inserted.project_id
             WHERE projects.welcome_email
         ), audited AS (
             INSERT INTO audit_events (at, project_id, actor, request_id, action, user_id, fields)
             SELECT given.now, given.project_id, given.actor, given.request_id, given.action,
                    given.id, given.fields
             FROM inserted JOIN given ON given.id = inserted.id
         )
         SELECT id FROM inserted"
    )
});

/// The conflict that kept `create` from being written; or none, when the user is there
/// under its own id: a batch whose commit went through but whose answer was lost (the
/// connection dropped) is written again one by one, and must not then find itself.
async fn taken(pool: &PgPool, create: &Create) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await?;
    let written: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)")
        .bind(create.id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    if written {
        return Ok(());
    }
    let conflict =
        Queries::<Postgres>::which_conflict(&mut conn, &create.project, &create.keys, None).await?;
    Err(StoreError::Conflict(conflict))
}

/// The audit event of one read, waiting for its batch; `done` is answered once it is kept.
pub(super) struct Read {
    pub(super) project: ProjectId,
    pub(super) user: Uuid,
    pub(super) at: i64,
    pub(super) event: AuditEvent,
    pub(super) done: oneshot::Sender<Result<(), StoreError>>,
}

/// Starts the batching of read events on `pool`: reads arriving together have their
/// events appended by one statement and one commit, as creates do, instead of a commit
/// (and a flush of PostgreSQL's log) each.
pub(super) fn start_reads(pool: PgPool, connections: u32) -> mpsc::Sender<Read> {
    let in_flight = IN_FLIGHT.min(connections.div_ceil(4)).max(1);
    batches(pool, in_flight, |pool, batch: Vec<Read>| async move {
        match append_reads(&pool, &batch).await {
            Ok(()) => {
                for read in batch {
                    let _ = read.done.send(Ok(()));
                }
            }
            Err(_) if batch.len() > 1 => {
                for read in batch {
                    let outcome = append_reads(&pool, std::slice::from_ref(&read)).await;
                    let _ = read.done.send(outcome.map_err(Into::into));
                }
            }
            Err(e) => {
                if let Some(read) = batch.into_iter().next() {
                    let _ = read.done.send(Err(e.into()));
                }
            }
        }
    })
}

async fn append_reads(pool: &PgPool, batch: &[Read]) -> Result<(), sqlx::Error> {
    let column = |f: fn(&Read) -> String| batch.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO audit_events (at, project_id, actor, request_id, action, user_id, fields)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::text[], $7::text[])",
    )
    .bind(batch.iter().map(|r| r.at).collect::<Vec<_>>())
    .bind(column(|r| r.project.as_str().to_owned()))
    .bind(column(|r| r.event.actor.clone()))
    .bind(column(|r| r.event.request_id.clone()))
    .bind(column(|r| r.event.action.as_str().to_owned()))
    .bind(column(|r| r.user.to_string()))
    .bind(column(|r| r.event.fields.join(",")))
    .execute(pool)
    .await?;
    Ok(())
}
