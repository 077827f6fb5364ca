//! PostgreSQL, for deployments of several server replicas on one database.

mod batch;

use std::str::FromStr;
use std::time::Duration;

use fitmate_model::User;
use jiff::Timestamp;
use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::sync::{mpsc, oneshot};

use crate::queries::{Queries, UPDATE_USER};
use crate::rows::{UserKeys, is_unique_violation, millis};
use crate::{
    AuditEvent, CLAIM_LEASE, NewProject, PendingEmail, Project, ProjectId, Store, StoreError,
    StoredUser,
};

/// How the PostgreSQL store uses its server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PgSettings {
    /// Connections in the pool at most (per replica).
    pub max_connections: u32,
    /// The longest one statement may run before PostgreSQL cancels it.
    pub statement_timeout: Duration,
    /// How long taking a connection from the pool may wait.
    pub acquire_timeout: Duration,
    /// The schema to keep the tables in (the server's default `search_path` without it).
    pub schema: Option<String>,
}

impl Default for PgSettings {
    fn default() -> Self {
        PgSettings {
            max_connections: 16,
            statement_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(10),
            schema: None,
        }
    }
}

/// The store on a PostgreSQL database, which several replicas can share: uniqueness holds
/// across them (unique indexes), updates name the revision they read, and welcome emails
/// are claimed with `FOR UPDATE SKIP LOCKED` and a lease.
#[derive(Debug, Clone)]
pub struct PgStore {
    /// The statements shared with SQLite, reads and writes on the one pool.
    pub(crate) queries: Queries<Postgres>,
    /// Creates waiting together, committed together (see `batch`).
    creates: mpsc::Sender<batch::Create>,
    /// The audit events of reads, committed together in the same way.
    reads: mpsc::Sender<batch::Read>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`), without
    /// migrating: see [`PgStore::migrate`].
    /// `secrets` seal `secureMetadata`; every replica needs the same current key.
    pub async fn connect(
        url: &str,
        settings: &PgSettings,
        secrets: std::sync::Arc<crate::SecretKeys>,
    ) -> Result<Self, StoreError> {
        let timeout_ms = settings.statement_timeout.as_millis().to_string();
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl {
                url: redact(url),
                reason: e.to_string(),
            })?
            .options([("statement_timeout", timeout_ms.as_str())]);
        let options = match &settings.schema {
            Some(schema) => options.options([("search_path", schema.as_str())]),
            None => options,
        };
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        let creates = batch::start(pool.clone(), settings.max_connections);
        let reads = batch::start_reads(pool.clone(), settings.max_connections);
        Ok(PgStore {
            queries: Queries {
                read: pool.clone(),
                write: pool,
                secrets,
            },
            creates,
            reads,
        })
    }

    /// Applies the migrations the database lacks. Safe to run from several replicas at once:
    /// they take turns on an advisory lock.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("migrations/postgres")
            .run(&self.queries.write)
            .await?;
        Ok(())
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.queries.write.close().await;
    }
}

/// An update guarded by its revision and its audit event, in one statement: the event is
/// appended only for the row the update changed, so the statement changes one row or none.
static UPDATE_AUDITED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH updated AS ({UPDATE_USER} RETURNING id, project_id, updated_at)
         INSERT INTO audit_events (at, project_id, actor, request_id, action, user_id, fields)
         SELECT updated_at, project_id, $9, $10, $11, id, $12 FROM updated"
    )
});

/// A URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store for PgStore {
    crate::queries::shared_store_methods!();

    async fn create_user(
        &self,
        project: &ProjectId,
        user: &User,
        audit: &AuditEvent,
    ) -> Result<StoredUser, StoreError> {
        let id = crate::rows::new_user_id();
        let (done, answer) = oneshot::channel();
        let create = batch::Create {
            id,
            project: project.clone(),
            keys: UserKeys::of(user, &id.to_string(), &self.queries.secrets)?,
            now: millis(Timestamp::now()),
            audit: audit.clone(),
            done,
        };
        self.creates
            .send(create)
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)??;
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
        let keys = UserKeys::of(next, &current.id.to_string(), &self.queries.secrets)?;
        let mut conn = self.queries.write.acquire().await?;
        let updated = sqlx::query(sqlx::AssertSqlSafe(UPDATE_AUDITED.as_str()))
            .bind(&keys.phone)
            .bind(&keys.username)
            .bind(&keys.document)
            .bind(&keys.secure)
            .bind(millis(Timestamp::now()))
            .bind(project.as_str())
            .bind(current.id.to_string())
            .bind(current.revision)
            .bind(audit.actor.as_str())
            .bind(audit.request_id.as_str())
            .bind(audit.action.as_str())
            .bind(audit.fields.join(","))
            .execute(&mut *conn)
            .await;
        match updated {
            Ok(done) if done.rows_affected() == 1 => Ok(StoredUser {
                id: current.id,
                user: next.clone(),
                revision: current.revision + 1,
            }),
            Ok(_) => Err(StoreError::Stale),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(
                Queries::<Postgres>::which_conflict(&mut conn, project, &keys, Some(current.id))
                    .await?,
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn claim_idempotency_key(
        &self,
        claim: &crate::IdempotencyClaim,
    ) -> Result<crate::IdempotencyState, StoreError> {
        let mut conn = self.queries.write.acquire().await?;
        Queries::<Postgres>::claim_idempotency_key(&mut conn, claim).await
    }

    async fn save_idempotent_answer(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
        answer: &crate::IdempotentAnswer,
    ) -> Result<(), StoreError> {
        let mut conn = self.queries.write.acquire().await?;
        Queries::<Postgres>::save_idempotent_answer(&mut conn, project, key, token, answer).await
    }

    async fn release_idempotency_key(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
    ) -> Result<(), StoreError> {
        let mut conn = self.queries.write.acquire().await?;
        Queries::<Postgres>::release_idempotency_key(&mut conn, project, key, token).await
    }

    async fn record_read(
        &self,
        project: &ProjectId,
        user: uuid::Uuid,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        let read = batch::Read {
            project: project.clone(),
            user,
            at: millis(Timestamp::now()),
            event: audit.clone(),
            done,
        };
        self.reads
            .send(read)
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn claim_due_emails(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<PendingEmail>, StoreError> {
        // Replicas share the outbox: each claims what is due for a lease, skipping rows
        // another replica is claiming at the same moment. One statement, one transaction.
        let lease_ms = i64::try_from(CLAIM_LEASE.as_millis()).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "WITH due AS (
                SELECT id FROM outbox
                WHERE delivered_at IS NULL AND bounced_at IS NULL AND next_attempt_at <= $1
                  AND (claimed_until IS NULL OR claimed_until <= $1)
                ORDER BY next_attempt_at, id LIMIT $2
                FOR UPDATE SKIP LOCKED),
             claimed AS (
                UPDATE outbox o SET claimed_until = $3
                FROM due WHERE o.id = due.id
                RETURNING o.id AS outbox_id, o.attempts, o.created_at AS queued_at, o.user_id,
                          o.next_attempt_at)
             SELECT claimed.outbox_id, claimed.attempts, claimed.queued_at, u.*
             FROM claimed JOIN users u ON u.id = claimed.user_id
             ORDER BY claimed.next_attempt_at, claimed.outbox_id",
        )
        .bind(millis(now))
        .bind(i64::from(limit))
        .bind(millis(now).saturating_add(lease_ms))
        .fetch_all(&self.queries.write)
        .await?;
        rows.iter()
            .map(|row| self.queries.pending_email(row, row))
            .collect()
    }

    fn pool_use(&self) -> Vec<crate::PoolUse> {
        // Reads and writes share the one pool.
        vec![Queries::pool_use("main", &self.queries.write)]
    }

    async fn release_emails(&self, ids: &[i64]) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1) AND delivered_at IS NULL",
        )
        .bind(ids)
        .execute(&self.queries.write)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/fitmate"),
            "postgres://app:***@db:5432/fitmate"
        );
        assert_eq!(redact("postgres://db/fitmate"), "postgres://db/fitmate");
    }
}
