//! The one query layer: every statement both backends run as it is, written once.
//!
//! sqlx's SQLite driver reads the `$N` placeholders PostgreSQL uses (by number, so a
//! placeholder may repeat or come out of order), and the schema of both backends has the same
//! tables and columns, so most statements are the same text on both. [`Queries`] runs them
//! for either backend, generic over sqlx's `Database`; the backends keep only what differs:
//! connecting, the batching of creates and updates, and the outbox lease.

use std::sync::Arc;

use fitmate_model::projects::Suspension;
use fitmate_model::rules::Email;
use fitmate_model::{ApiVersion, User};
use jiff::Timestamp;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEvent, AuditFilter, AuditRecord, INSERT_EVENT, MAGIC_LINK};
use crate::idempotency::{IdempotencyClaim, IdempotencyState, IdempotentAnswer};
use crate::keys::{self, ApiKey, KeyInfo};
use crate::rows::{is_unique_violation, millis, timestamp};
use crate::{
    Conflict, NewProject, OutboxEntry, PendingEmail, Project, ProjectId, SecretKeys, StoreError,
    StoredUser,
};

/// Updates a user guarded by the revision it was read at: phone, username, document, sealed
/// `secureMetadata`, the time, then project, id and revision. Changes one row, or none when
/// the user moved on (or is gone).
pub(crate) const UPDATE_USER: &str = "UPDATE users
 SET phone_key = $1, username = $2, document = $3, secure_metadata = $4,
     revision = revision + 1, updated_at = $5
 WHERE project_id = $6 AND id = $7 AND revision = $8";

/// The columns of a new user, in the order the backends' batched inserts bind them.
pub(crate) const INSERT_USER_COLUMNS: &str = "INSERT INTO users
 (id, project_id, email_key, phone_key, username, document, secure_metadata, revision,
  created_at, updated_at)";

/// The statements both backends share, on a backend's pools.
pub(crate) struct Queries<DB: Database> {
    /// Where reads go: SQLite's read-only pool, or PostgreSQL's one pool.
    pub(crate) read: Pool<DB>,
    /// Where single writes go: SQLite's one writer connection, or PostgreSQL's one pool.
    pub(crate) write: Pool<DB>,
    /// What seals and opens `secureMetadata`.
    pub(crate) secrets: Arc<SecretKeys>,
}

impl<DB: Database> Clone for Queries<DB> {
    fn clone(&self) -> Self {
        Queries {
            read: self.read.clone(),
            write: self.write.clone(),
            secrets: self.secrets.clone(),
        }
    }
}

impl<DB: Database> std::fmt::Debug for Queries<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queries")
            .field("backend", &DB::NAME)
            .finish_non_exhaustive()
    }
}

/// The moment now, to the millisecond the database keeps.
fn now_in_millis() -> Result<Timestamp, StoreError> {
    timestamp(millis(Timestamp::now()))
}

// What the shared statements need of a backend: stated once, on this one impl block.
impl<DB> Queries<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'n> &'n str: ColumnIndex<DB::Row>,
    for<'v> &'v str: Encode<'v, DB> + Type<DB>,
    for<'v> &'v [u8]: Encode<'v, DB> + Type<DB>,
    String: for<'v> Encode<'v, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<String>: for<'v> Encode<'v, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'v> Encode<'v, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    Option<i64>: for<'v> Encode<'v, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    bool: for<'v> Encode<'v, DB> + for<'r> Decode<'r, DB> + Type<DB>,
    for<'r> &'r str: Decode<'r, DB>,
    for<'r> &'r [u8]: Decode<'r, DB>,
{
    /// Answers when the database does.
    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query::<DB>("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// The id of the key that sealed one of the stored `secureMetadata` values, if any
    /// value is sealed.
    pub(crate) async fn sealing_key_in_use(&self) -> Result<Option<String>, StoreError> {
        let row = sqlx::query::<DB>(
            "SELECT secure_metadata FROM users WHERE secure_metadata LIKE 'fm1:%' LIMIT 1",
        )
        .fetch_optional(&self.read)
        .await?;
        row.map(|row| {
            let sealed: String = row.try_get("secure_metadata")?;
            Ok(crate::sealing::key_id_of(&sealed).map(str::to_owned))
        })
        .transpose()
        .map(Option::flatten)
    }

    /// Creates a project, its creation time to the millisecond it is stored at.
    pub(crate) async fn create_project(&self, project: &NewProject) -> Result<Project, StoreError> {
        let now = now_in_millis()?;
        let inserted = bind_settings(
            sqlx::query::<DB>(
                "INSERT INTO projects
                 (validation_webhook, webhook_secret, webhook_timeout_ms, welcome_email,
                  webhook_version, webhook_secret_previous, webhook_secret_previous_until,
                  sandbox, id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            ),
            project,
        )
        .bind(millis(now))
        .execute(&self.write)
        .await;
        match inserted {
            Ok(_) => Ok(Project {
                settings: project.clone(),
                created_at: now,
                clock_offset: jiff::SignedDuration::ZERO,
            }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::ProjectExists),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the settings of the project `project.id`. A project that stops being a
    /// sandbox gets the real time back and forgets its request log and its copies of the
    /// welcome emails sent (they hold live links), in the same transaction.
    pub(crate) async fn set_project_settings(
        &self,
        project: &NewProject,
    ) -> Result<Project, StoreError> {
        let mut tx = self.write.begin().await?;
        let stored = bind_settings(
            sqlx::query::<DB>(
                "UPDATE projects
                 SET validation_webhook = $1, webhook_secret = $2, webhook_timeout_ms = $3,
                     welcome_email = $4, webhook_version = $5, webhook_secret_previous = $6,
                     webhook_secret_previous_until = $7, sandbox = $8,
                     clock_offset_ms = CASE WHEN $8 THEN clock_offset_ms ELSE 0 END
                 WHERE id = $9 RETURNING *",
            ),
            project,
        )
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(Self::project_of)
        .transpose()?
        .ok_or(StoreError::NotFound("project"))?;
        if !project.sandbox {
            for statement in [
                "DELETE FROM sandbox_requests WHERE project_id = $1",
                "UPDATE outbox SET sandbox_copy = NULL
                 WHERE sandbox_copy IS NOT NULL
                   AND user_id IN (SELECT id FROM users WHERE project_id = $1)",
            ] {
                sqlx::query::<DB>(statement)
                    .bind(project.id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// The project with this id.
    pub(crate) async fn project(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        sqlx::query::<DB>("SELECT * FROM projects WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(Self::project_of)
            .transpose()
    }

    /// Every project, oldest first.
    pub(crate) async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        sqlx::query::<DB>("SELECT * FROM projects ORDER BY created_at, id")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(Self::project_of)
            .collect()
    }

    /// Issues a key for `project`, pinned to `version`.
    pub(crate) async fn create_key(
        &self,
        project: &ProjectId,
        version: ApiVersion,
    ) -> Result<(ApiKey, KeyInfo), StoreError> {
        if self.project(project).await?.is_none() {
            return Err(StoreError::NotFound("project"));
        }
        let now = now_in_millis()?;
        // A prefix carries 54 random bits; a clash is all but impossible, but costs only a
        // retry.
        for _ in 0..3 {
            let key = ApiKey::generate().map_err(|e| StoreError::corrupt("random key", e))?;
            let inserted = sqlx::query::<DB>(
                "INSERT INTO api_keys (prefix, hash, project_id, version, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(key.prefix())
            .bind(&keys::hash(key.expose())[..])
            .bind(project.as_str())
            .bind(version.as_str())
            .bind(millis(now))
            .execute(&self.write)
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

    /// Every key, revoked ones included, oldest first.
    pub(crate) async fn keys(&self) -> Result<Vec<KeyInfo>, StoreError> {
        sqlx::query::<DB>("SELECT * FROM api_keys ORDER BY created_at, prefix")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(Self::key_of)
            .collect()
    }

    /// Revokes the key whose prefix is `prefix` (a revoked key keeps its first revocation).
    pub(crate) async fn revoke_key(&self, prefix: &str) -> Result<KeyInfo, StoreError> {
        sqlx::query::<DB>(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1)
             WHERE prefix = $2 RETURNING *",
        )
        .bind(millis(Timestamp::now()))
        .bind(prefix)
        .fetch_optional(&self.write)
        .await?
        .as_ref()
        .map(Self::key_of)
        .transpose()?
        .ok_or(StoreError::NotFound("key"))
    }

    /// The live key that `presented` is, compared in constant time.
    pub(crate) async fn authenticate(
        &self,
        presented: &str,
    ) -> Result<Option<KeyInfo>, StoreError> {
        let Some(prefix) = keys::prefix_of(presented) else {
            return Ok(None);
        };
        let Some(row) = sqlx::query::<DB>("SELECT * FROM api_keys WHERE prefix = $1")
            .bind(prefix)
            .fetch_optional(&self.read)
            .await?
        else {
            return Ok(None);
        };
        let hash: &[u8] = row.try_get("hash")?;
        if !keys::matches(presented, hash) {
            return Ok(None);
        }
        let info = Self::key_of(&row)?;
        Ok(info.revoked_at.is_none().then_some(info))
    }

    /// The user of `project` with this email (compared as normalized).
    pub(crate) async fn user_by_email(
        &self,
        project: &ProjectId,
        email: &Email,
    ) -> Result<Option<StoredUser>, StoreError> {
        self.fetch_user(
            "SELECT * FROM users WHERE project_id = $1 AND email_key = $2",
            project,
            email.normalized(),
        )
        .await
    }

    /// The user of `project` with this identifier.
    pub(crate) async fn user_by_id(
        &self,
        project: &ProjectId,
        id: Uuid,
    ) -> Result<Option<StoredUser>, StoreError> {
        self.fetch_user(
            "SELECT * FROM users WHERE project_id = $1 AND id = $2",
            project,
            id.to_string(),
        )
        .await
    }

    async fn fetch_user(
        &self,
        sql: &'static str,
        project: &ProjectId,
        key: String,
    ) -> Result<Option<StoredUser>, StoreError> {
        sqlx::query::<DB>(sql)
            .bind(project.as_str())
            .bind(key)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(|row| self.user_of(row))
            .transpose()
    }

    /// Which value of `keys` another user (not `except`) of the project holds, email first:
    /// the database names only the first index a write tripped over, and email is the
    /// user's key. Two lookups by the unique indexes; a conflict on neither is the username.
    pub(crate) async fn which_conflict(
        conn: &mut DB::Connection,
        project: &ProjectId,
        keys: &crate::rows::UserKeys,
        except: Option<Uuid>,
    ) -> Result<Conflict, StoreError> {
        let row = sqlx::query::<DB>(
            "SELECT
                EXISTS (SELECT 1 FROM users WHERE project_id = $3 AND email_key = $1
                        AND id IS DISTINCT FROM $4) AS email,
                EXISTS (SELECT 1 FROM users WHERE project_id = $3 AND phone_key = $2
                        AND id IS DISTINCT FROM $4) AS phone",
        )
        .bind(keys.email.as_str())
        .bind(keys.phone.as_str())
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

    /// Appends `event` for user `user` of `project` at `at`, on `conn`: inside the
    /// transaction of the write it records.
    pub(crate) async fn append_event(
        conn: &mut DB::Connection,
        at: i64,
        project: &ProjectId,
        user: Uuid,
        event: &AuditEvent,
    ) -> Result<(), sqlx::Error> {
        sqlx::query::<DB>(INSERT_EVENT)
            .bind(at)
            .bind(project.as_str())
            .bind(event.actor.as_str())
            .bind(event.request_id.as_str())
            .bind(event.action.as_str())
            .bind(user.to_string())
            .bind(event.fields_text())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Suspends a user of `project` from `start` until `until`.
    pub(crate) async fn suspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        reason: &str,
        start: Timestamp,
        until: Option<Timestamp>,
        event: &AuditEvent,
    ) -> Result<Suspension, StoreError> {
        let mut tx = self.write.begin().await?;
        let suspension = sqlx::query::<DB>(
            "INSERT INTO suspensions (user_id, reason, start_at, end_at)
             SELECT id, $1, $2, $3 FROM users WHERE project_id = $4 AND id = $5
             RETURNING *",
        )
        .bind(reason)
        .bind(millis(start))
        .bind(until.map(millis))
        .bind(project.as_str())
        .bind(user.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(Self::suspension_of)
        .transpose()?
        .ok_or(StoreError::NotFound("user"))?;
        Self::append_event(&mut tx, millis(Timestamp::now()), project, user, event).await?;
        tx.commit().await?;
        Ok(suspension)
    }

    /// Ends, at `now`, every suspension of the user active at `now`; answers how many.
    pub(crate) async fn unsuspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        now: Timestamp,
        event: &AuditEvent,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write.begin().await?;
        if !Self::user_exists(&mut tx, project, user).await? {
            return Err(StoreError::NotFound("user"));
        }
        let ended = sqlx::query::<DB>(
            "UPDATE suspensions SET end_at = $1
             WHERE user_id = $2 AND start_at <= $1 AND (end_at IS NULL OR end_at > $1)
             RETURNING id",
        )
        .bind(millis(now))
        .bind(user.to_string())
        .fetch_all(&mut *tx)
        .await?;
        Self::append_event(&mut tx, millis(Timestamp::now()), project, user, event).await?;
        tx.commit().await?;
        Ok(ended.len() as u64)
    }

    /// Whether `project` has user `user`.
    async fn user_exists(
        conn: &mut DB::Connection,
        project: &ProjectId,
        user: Uuid,
    ) -> Result<bool, sqlx::Error> {
        let found =
            sqlx::query::<DB>("SELECT 1 AS found FROM users WHERE project_id = $1 AND id = $2")
                .bind(project.as_str())
                .bind(user.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        Ok(found.is_some())
    }

    /// Erases user `user` of `project` and what refers to it; its audit events stay.
    pub(crate) async fn delete_user(
        &self,
        project: &ProjectId,
        user: Uuid,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        if !Self::user_exists(&mut tx, project, user).await? {
            return Err(StoreError::NotFound("user"));
        }
        let id = user.to_string();
        for table in USER_DATA {
            // The table names are this file's constants.
            let statement = format!("DELETE FROM {table} WHERE user_id = $1");
            sqlx::query::<DB>(sqlx::AssertSqlSafe(statement))
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query::<DB>("DELETE FROM users WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        Self::append_event(&mut tx, millis(Timestamp::now()), project, user, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims an idempotency key, or reads who holds it, on `conn` (SQLite's writer runs it
    /// inside its group commit).
    pub(crate) async fn claim_idempotency_key(
        conn: &mut DB::Connection,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyState, StoreError> {
        // A row deleted between the two statements (expired and purged) is claimed again.
        for _ in 0..3 {
            let claimed = sqlx::query::<DB>(
                "INSERT INTO idempotency_keys
                 (project_id, key, fingerprint, created_at, expires_at, lease_until, token)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (project_id, key) DO UPDATE
                 SET fingerprint = excluded.fingerprint, created_at = excluded.created_at,
                     token = excluded.token,
                     expires_at = excluded.expires_at, lease_until = excluded.lease_until,
                     status = NULL, body = NULL, user_id = NULL
                 WHERE idempotency_keys.expires_at <= excluded.created_at
                    OR (idempotency_keys.status IS NULL
                        AND idempotency_keys.lease_until <= excluded.created_at
                        AND idempotency_keys.fingerprint = excluded.fingerprint)
                 RETURNING project_id",
            )
            .bind(claim.project.as_str())
            .bind(claim.key.as_str())
            .bind(&claim.fingerprint[..])
            .bind(millis(claim.now))
            .bind(millis(claim.expires_at))
            .bind(millis(claim.lease_until))
            .bind(&claim.token[..])
            .fetch_optional(&mut *conn)
            .await?;
            if claimed.is_some() {
                return Ok(IdempotencyState::Claimed);
            }
            let held = sqlx::query::<DB>(
                "SELECT fingerprint, status, body, user_id FROM idempotency_keys
                 WHERE project_id = $1 AND key = $2",
            )
            .bind(claim.project.as_str())
            .bind(claim.key.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            let Some(row) = held else { continue };
            let stored: &[u8] = row.try_get("fingerprint")?;
            let fingerprint: [u8; 32] = stored
                .try_into()
                .map_err(|_| StoreError::corrupt("idempotency key", "fingerprint length"))?;
            let status: Option<i64> = row.try_get("status")?;
            return Ok(match status {
                None => IdempotencyState::Running { fingerprint },
                Some(status) => IdempotencyState::Answered {
                    fingerprint,
                    status: u16::try_from(status)
                        .map_err(|e| StoreError::corrupt("idempotency key", e))?,
                    body: row.try_get::<&[u8], _>("body")?.to_vec(),
                    user: row
                        .try_get::<Option<String>, _>("user_id")?
                        .map(|id| id.parse())
                        .transpose()
                        .map_err(|e| StoreError::corrupt("idempotency key", e))?,
                },
            });
        }
        Err(StoreError::corrupt(
            "idempotency key",
            "neither claimed nor found three times",
        ))
    }

    /// Saves the answer of the request that claimed `key`, on `conn`.
    pub(crate) async fn save_idempotent_answer(
        conn: &mut DB::Connection,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
        answer: &IdempotentAnswer,
    ) -> Result<(), StoreError> {
        sqlx::query::<DB>(
            "UPDATE idempotency_keys SET status = $1, body = $2, user_id = $3
             WHERE project_id = $4 AND key = $5 AND token = $6 AND status IS NULL",
        )
        .bind(i64::from(answer.status))
        .bind(&answer.body[..])
        .bind(answer.user.map(|u| u.to_string()))
        .bind(project.as_str())
        .bind(key)
        .bind(&token[..])
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Gives up a claim with no answer saved, on `conn`.
    pub(crate) async fn release_idempotency_key(
        conn: &mut DB::Connection,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
    ) -> Result<(), StoreError> {
        sqlx::query::<DB>(
            "DELETE FROM idempotency_keys
             WHERE project_id = $1 AND key = $2 AND token = $3 AND status IS NULL",
        )
        .bind(project.as_str())
        .bind(key)
        .bind(&token[..])
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Forgets the keys that expired by `now`.
    pub(crate) async fn purge_idempotency_keys(&self, now: Timestamp) -> Result<u64, StoreError> {
        let gone = sqlx::query::<DB>(
            "DELETE FROM idempotency_keys WHERE expires_at <= $1 RETURNING expires_at",
        )
        .bind(millis(now))
        .fetch_all(&self.write)
        .await?;
        Ok(gone.len() as u64)
    }

    /// The audit events matching `filter`, oldest first.
    pub(crate) async fn audit_events(
        &self,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let limit = if filter.limit == 0 {
            i64::MAX
        } else {
            i64::from(filter.limit)
        };
        let rows = sqlx::query::<DB>(
            "SELECT id, at, project_id, actor, request_id, action, user_id, fields
             FROM audit_events
             WHERE ($1 IS NULL OR project_id = $1) AND ($2 IS NULL OR user_id = $2)
               AND at >= $3
             ORDER BY id LIMIT $4",
        )
        .bind(filter.project.as_ref().map(|p| p.as_str().to_owned()))
        .bind(filter.user.map(|u| u.to_string()))
        .bind(filter.since.map_or(i64::MIN, millis))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let project: String = row.try_get("project_id")?;
                let user: String = row.try_get("user_id")?;
                let fields: String = row.try_get("fields")?;
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: timestamp(row.try_get("at")?)?,
                    project: project
                        .parse()
                        .map_err(|e| StoreError::corrupt("audit event", e))?,
                    actor: row.try_get("actor")?,
                    request_id: row.try_get("request_id")?,
                    action: row.try_get("action")?,
                    user: user
                        .parse()
                        .map_err(|e| StoreError::corrupt("audit event", e))?,
                    fields: fields
                        .split(',')
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned)
                        .collect(),
                })
            })
            .collect()
    }

    /// The user's suspensions active at `now`, the earliest first.
    pub(crate) async fn active_suspensions(
        &self,
        user: Uuid,
        now: Timestamp,
    ) -> Result<Vec<Suspension>, StoreError> {
        sqlx::query::<DB>(
            "SELECT * FROM suspensions
             WHERE user_id = $1 AND start_at <= $2 AND (end_at IS NULL OR end_at > $2)
             ORDER BY start_at, id",
        )
        .bind(user.to_string())
        .bind(millis(now))
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(Self::suspension_of)
        .collect()
    }

    /// Records that email `id` was delivered.
    pub(crate) async fn email_delivered(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query::<DB>(
            "UPDATE outbox SET delivered_at = $1, last_error = NULL, claimed_until = NULL
             WHERE id = $2",
        )
        .bind(millis(now))
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Records a failed attempt at email `id`, to be tried again at `retry_at`.
    pub(crate) async fn email_failed(
        &self,
        id: i64,
        retry_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query::<DB>(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2,
                               claimed_until = NULL
             WHERE id = $3",
        )
        .bind(millis(retry_at))
        .bind(error)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Records that email `id` bounced: never attempted again.
    pub(crate) async fn email_bounced(
        &self,
        id: i64,
        now: Timestamp,
        reason: &str,
    ) -> Result<(), StoreError> {
        sqlx::query::<DB>(
            "UPDATE outbox SET attempts = attempts + 1, bounced_at = $1, last_error = $2,
                               claimed_until = NULL
             WHERE id = $3",
        )
        .bind(millis(now))
        .bind(reason)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The outbox entries, the newest first.
    pub(crate) async fn emails(
        &self,
        project: Option<&ProjectId>,
        bounced_only: bool,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows = sqlx::query::<DB>(
            "SELECT o.id, u.project_id, o.user_id, o.created_at, o.attempts, o.next_attempt_at,
                    o.delivered_at, o.bounced_at, o.last_error, o.sandbox_copy
             FROM outbox o JOIN users u ON u.id = o.user_id
             WHERE ($1 IS NULL OR u.project_id = $1) AND ($2 = FALSE OR o.bounced_at IS NOT NULL)
             ORDER BY o.id DESC LIMIT $3",
        )
        .bind(project.map(|p| p.as_str().to_owned()))
        .bind(bounced_only)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let project: String = row.try_get("project_id")?;
                let user: String = row.try_get("user_id")?;
                let attempts: i64 = row.try_get("attempts")?;
                let id: i64 = row.try_get("id")?;
                let copy: Option<String> = row.try_get("sandbox_copy")?;
                let at = |column: &str| -> Result<Option<Timestamp>, StoreError> {
                    let value: Option<i64> = row.try_get(column)?;
                    value.map(timestamp).transpose()
                };
                Ok(OutboxEntry {
                    id,
                    project: project
                        .parse()
                        .map_err(|e| StoreError::corrupt("outbox", e))?,
                    user: user.parse().map_err(|e| StoreError::corrupt("outbox", e))?,
                    queued_at: timestamp(row.try_get("created_at")?)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    next_attempt_at: timestamp(row.try_get("next_attempt_at")?)?,
                    delivered_at: at("delivered_at")?,
                    bounced_at: at("bounced_at")?,
                    last_error: row.try_get("last_error")?,
                    copy: copy.and_then(|sealed| self.open_copy(id, &sealed)),
                })
            })
            .collect()
    }

    /// The emails neither delivered nor bounced: their count and the oldest one's queueing
    /// time. The `outbox_due` index holds exactly these rows.
    pub(crate) async fn outbox_stats(&self) -> Result<crate::OutboxStats, StoreError> {
        let row = sqlx::query::<DB>(
            "SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox
             WHERE delivered_at IS NULL AND bounced_at IS NULL",
        )
        .fetch_one(&self.read)
        .await?;
        let pending: i64 = row.try_get("pending")?;
        let oldest: Option<i64> = row.try_get("oldest")?;
        Ok(crate::OutboxStats {
            pending: u64::try_from(pending).unwrap_or(0),
            oldest_pending: oldest.map(timestamp).transpose()?,
        })
    }

    /// Moves the clock of `project` forward by `by`, unless it would then run more than
    /// `most` ahead (`None`); answers its new offset.
    pub(crate) async fn advance_clock(
        &self,
        project: &ProjectId,
        by: jiff::SignedDuration,
        most: jiff::SignedDuration,
    ) -> Result<Option<jiff::SignedDuration>, StoreError> {
        let out_of_range = |_| StoreError::corrupt("clock", "the advance is out of range");
        let by = i64::try_from(by.as_millis()).map_err(out_of_range)?;
        let most = i64::try_from(most.as_millis()).map_err(out_of_range)?;
        let row = sqlx::query::<DB>(
            "UPDATE projects SET clock_offset_ms = clock_offset_ms + $1
             WHERE id = $2 AND clock_offset_ms <= $3 - $1
             RETURNING clock_offset_ms",
        )
        .bind(by)
        .bind(project.as_str())
        .bind(most)
        .fetch_optional(&self.write)
        .await?;
        match row {
            Some(row) => Ok(Some(jiff::SignedDuration::from_millis(
                row.try_get("clock_offset_ms")?,
            ))),
            None if self.project(project).await?.is_some() => Ok(None),
            None => Err(StoreError::NotFound("project")),
        }
    }

    /// Appends `entry` to the request log of `project`, its bodies sealed, and forgets the
    /// entries past the newest [`REQUEST_LOG_KEPT`](crate::REQUEST_LOG_KEPT).
    pub(crate) async fn log_request(
        &self,
        project: &ProjectId,
        entry: &crate::LoggedRequest,
    ) -> Result<(), StoreError> {
        let aad = log_aad(project, &entry.request_id);
        let seal = |body: &Option<Vec<u8>>| {
            body.as_deref()
                .map(|b| self.secrets.seal(b, &aad))
                .transpose()
        };
        let webhook = entry
            .webhook
            .as_ref()
            .map(|w| self.secrets.seal(w.to_string().as_bytes(), &aad))
            .transpose()?;
        let mut tx = self.write.begin().await?;
        sqlx::query::<DB>(
            "INSERT INTO sandbox_requests
             (project_id, request_id, at, method, path, version, status, latency_us,
              request_body, response_body, webhook, user_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(project.as_str())
        .bind(entry.request_id.as_str())
        .bind(millis(entry.at))
        .bind(entry.method.as_str())
        .bind(entry.path.as_str())
        .bind(entry.version.clone())
        .bind(i64::from(entry.status))
        .bind(i64::try_from(entry.latency_us).unwrap_or(i64::MAX))
        .bind(seal(&entry.request_body)?)
        .bind(seal(&entry.response_body)?)
        .bind(webhook)
        .bind(entry.user.map(|u| u.to_string()))
        .execute(&mut *tx)
        .await?;
        sqlx::query::<DB>(
            "DELETE FROM sandbox_requests WHERE project_id = $1 AND id <= (
                 SELECT id FROM sandbox_requests WHERE project_id = $1
                 ORDER BY id DESC LIMIT 1 OFFSET $2)",
        )
        .bind(project.as_str())
        .bind(i64::from(crate::REQUEST_LOG_KEPT))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` entries of the request log of `project`, newest first. A body
    /// sealed with a key since retired reads as none.
    pub(crate) async fn logged_requests(
        &self,
        project: &ProjectId,
        limit: u32,
    ) -> Result<Vec<crate::LoggedRequest>, StoreError> {
        let rows = sqlx::query::<DB>(
            "SELECT * FROM sandbox_requests WHERE project_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(project.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let request_id: String = row.try_get("request_id")?;
                let aad = log_aad(project, &request_id);
                let open = |column: &str| -> Result<Option<Vec<u8>>, StoreError> {
                    let sealed: Option<String> = row.try_get(column)?;
                    Ok(sealed.and_then(|s| self.secrets.open(&s, &aad).ok()))
                };
                let status: i64 = row.try_get("status")?;
                let latency: i64 = row.try_get("latency_us")?;
                let user: Option<String> = row.try_get("user_id")?;
                Ok(crate::LoggedRequest {
                    at: timestamp(row.try_get("at")?)?,
                    method: row.try_get("method")?,
                    path: row.try_get("path")?,
                    version: row.try_get("version")?,
                    status: u16::try_from(status)
                        .map_err(|e| StoreError::corrupt("request log", e))?,
                    latency_us: u64::try_from(latency).unwrap_or(0),
                    request_body: open("request_body")?,
                    response_body: open("response_body")?,
                    webhook: open("webhook")?.and_then(|w| serde_json::from_slice(&w).ok()),
                    user: user.and_then(|u| u.parse().ok()),
                    request_id,
                })
            })
            .collect()
    }

    /// Erases the users of `project` (with all that refers to them: [`USER_DATA`]) and its
    /// request log, and sets its clock back to the real time, in one transaction. Each
    /// erased user gets the audit event `event`; events stay.
    pub(crate) async fn reset_sandbox(
        &self,
        project: &ProjectId,
        event: &AuditEvent,
    ) -> Result<crate::ResetCounts, StoreError> {
        let mut tx = self.write.begin().await?;
        if DB::NAME == "PostgreSQL" {
            // No user of the project may be created until the reset commits: a create
            // takes a key-share lock on its project row, which this lock excludes. (SQLite
            // runs one write transaction at a time.)
            sqlx::query::<DB>("SELECT id FROM projects WHERE id = $1 FOR UPDATE")
                .bind(project.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let users = sqlx::query::<DB>("SELECT id FROM users WHERE project_id = $1")
            .bind(project.as_str())
            .fetch_all(&mut *tx)
            .await?;
        let at = millis(Timestamp::now());
        for row in &users {
            let id: String = row.try_get("id")?;
            let id: Uuid = id.parse().map_err(|e| StoreError::corrupt("user", e))?;
            Self::append_event(&mut tx, at, project, id, event).await?;
        }
        // Each statement answers a row per row it changed, so it can be counted. The table
        // names are this file's constants.
        let mut statements: Vec<String> = USER_DATA
            .iter()
            .map(|table| {
                format!(
                    "DELETE FROM {table}
                     WHERE user_id IN (SELECT id FROM users WHERE project_id = $1) RETURNING 1"
                )
            })
            .collect();
        statements.extend(
            [
                "DELETE FROM users WHERE project_id = $1 RETURNING 1",
                "DELETE FROM sandbox_requests WHERE project_id = $1 RETURNING 1",
                "UPDATE projects SET clock_offset_ms = 0 WHERE id = $1 RETURNING 1",
            ]
            .map(str::to_owned),
        );
        let mut erased = Vec::with_capacity(statements.len());
        for statement in statements {
            let rows = sqlx::query::<DB>(sqlx::AssertSqlSafe(statement))
                .bind(project.as_str())
                .fetch_all(&mut *tx)
                .await?;
            erased.push(rows.len() as u64);
        }
        let of = |table: &str| {
            USER_DATA
                .iter()
                .position(|t| *t == table)
                .map_or(0, |at| erased[at])
        };
        let counts = crate::ResetCounts {
            emails: of("outbox"),
            users: erased[USER_DATA.len()],
            // A user's entries, then those of no user (refused bodies and the like).
            requests: of("sandbox_requests") + erased[USER_DATA.len() + 1],
        };
        tx.commit().await?;
        Ok(counts)
    }

    /// The users of `project` whose email holds `email_part` (compared as normalized),
    /// newest first, at most `limit`.
    pub(crate) async fn find_users(
        &self,
        project: &ProjectId,
        email_part: &str,
        limit: u32,
    ) -> Result<Vec<StoredUser>, StoreError> {
        let escaped: String = email_part
            .trim()
            .to_ascii_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        sqlx::query::<DB>(
            "SELECT * FROM users WHERE project_id = $1 AND email_key LIKE $2 ESCAPE '\\'
             ORDER BY created_at DESC, id LIMIT $3",
        )
        .bind(project.as_str())
        .bind(format!("%{escaped}%"))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|row| self.user_of(row))
        .collect()
    }

    /// Keeps, sealed, the copy of email `id` as it was sent (sandbox projects only).
    pub(crate) async fn keep_email_copy(
        &self,
        id: i64,
        copy: &crate::EmailCopy,
    ) -> Result<(), StoreError> {
        let json = copy.to_json().to_string();
        let sealed = self.secrets.seal(json.as_bytes(), &format!("email:{id}"))?;
        sqlx::query::<DB>("UPDATE outbox SET sandbox_copy = $1 WHERE id = $2")
            .bind(sealed)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The copy of email `id`, if it opens with the current keys.
    fn open_copy(&self, id: i64, sealed: &str) -> Option<crate::EmailCopy> {
        let json = self.secrets.open(sealed, &format!("email:{id}")).ok()?;
        crate::EmailCopy::from_json(&serde_json::from_slice(&json).ok()?)
    }

    /// Keeps the hash of a new magic-link token for `user`.
    pub(crate) async fn create_magic_link(
        &self,
        user: Uuid,
        token_hash: [u8; 32],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query::<DB>(
            "INSERT INTO magic_links (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&token_hash[..])
        .bind(user.to_string())
        .bind(millis(now))
        .bind(millis(expires_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Uses up the magic link whose token hashes to `token_hash`, if unused and unexpired,
    /// and appends the redeem's audit event in the same transaction.
    pub(crate) async fn redeem_magic_link(
        &self,
        token_hash: [u8; 32],
        now: Timestamp,
        request_id: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query::<DB>(
            "UPDATE magic_links SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL
               AND expires_at > $1 + COALESCE((SELECT p.clock_offset_ms FROM users u
                   JOIN projects p ON p.id = u.project_id WHERE u.id = magic_links.user_id), 0)
             RETURNING user_id, (SELECT project_id FROM users WHERE users.id = user_id) AS project_id",
        )
        .bind(millis(now))
        .bind(&token_hash[..])
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: String = row.try_get("user_id")?;
        let project: String = row.try_get("project_id")?;
        let id: Uuid = id
            .parse()
            .map_err(|e| StoreError::corrupt("magic link", e))?;
        let project: ProjectId = project
            .parse()
            .map_err(|e| StoreError::corrupt("magic link", e))?;
        let event = AuditEvent::new(MAGIC_LINK, request_id, AuditAction::Redeem, [""; 0]);
        Self::append_event(&mut tx, millis(now), &project, id, &event).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// How `pool` is used now, named `name`.
    pub(crate) fn pool_use(name: &'static str, pool: &Pool<DB>) -> crate::PoolUse {
        crate::PoolUse {
            pool: name,
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        }
    }

    /// A claimed email from its outbox row (`outbox_id`, `attempts`) and its recipient's row.
    pub(crate) fn pending_email(
        &self,
        outbox: &DB::Row,
        user: &DB::Row,
    ) -> Result<PendingEmail, StoreError> {
        let project: String = user.try_get("project_id")?;
        let attempts: i64 = outbox.try_get("attempts")?;
        Ok(PendingEmail {
            id: outbox.try_get("outbox_id")?,
            user: self.user_of(user)?,
            project: project
                .parse()
                .map_err(|e| StoreError::corrupt("outbox", e))?,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            queued_at: timestamp(outbox.try_get("queued_at")?)?,
        })
    }

    /// A project from its row.
    pub(crate) fn project_of(row: &DB::Row) -> Result<Project, StoreError> {
        let id: String = row.try_get("id")?;
        let timeout: i64 = row.try_get("webhook_timeout_ms")?;
        Ok(Project {
            settings: NewProject {
                id: id.parse().map_err(|e| StoreError::corrupt("project", e))?,
                validation_webhook: row.try_get("validation_webhook")?,
                webhook_secret: row.try_get("webhook_secret")?,
                retiring_webhook_secret: {
                    let secret: Option<String> = row.try_get("webhook_secret_previous")?;
                    let until: Option<i64> = row.try_get("webhook_secret_previous_until")?;
                    match (secret, until) {
                        (Some(secret), Some(until)) => Some(crate::RetiringSecret {
                            secret,
                            until: timestamp(until)?,
                        }),
                        _ => None,
                    }
                },
                webhook_timeout_ms: u32::try_from(timeout)
                    .map_err(|e| StoreError::corrupt("project", e))?,
                welcome_email: row.try_get("welcome_email")?,
                webhook_version: crate::rows::webhook_version(row.try_get("webhook_version")?),
                sandbox: row.try_get("sandbox")?,
            },
            created_at: timestamp(row.try_get("created_at")?)?,
            clock_offset: jiff::SignedDuration::from_millis(row.try_get("clock_offset_ms")?),
        })
    }

    /// A key's description from its row.
    pub(crate) fn key_of(row: &DB::Row) -> Result<KeyInfo, StoreError> {
        let project: String = row.try_get("project_id")?;
        let version: String = row.try_get("version")?;
        Ok(KeyInfo {
            prefix: row.try_get("prefix")?,
            project: project.parse().map_err(|e| StoreError::corrupt("key", e))?,
            version: version
                .parse()
                .map_err(|e: fitmate_model::UnknownVersion| StoreError::corrupt("key", e))?,
            created_at: timestamp(row.try_get("created_at")?)?,
            revoked_at: row
                .try_get::<Option<i64>, _>("revoked_at")?
                .map(timestamp)
                .transpose()?,
        })
    }

    /// A user from its row, `secureMetadata` opened.
    pub(crate) fn user_of(&self, row: &DB::Row) -> Result<StoredUser, StoreError> {
        let id: String = row.try_get("id")?;
        let document: &str = row.try_get("document")?;
        let secure = self.secrets.open(row.try_get("secure_metadata")?, &id)?;
        let mut user: User =
            serde_json::from_str(document).map_err(|e| StoreError::corrupt_json("user", &e))?;
        user.secure_metadata =
            serde_json::from_slice(&secure).map_err(|e| StoreError::corrupt_json("user", &e))?;
        Ok(StoredUser {
            id: id.parse().map_err(|e| StoreError::corrupt("user", e))?,
            user,
            revision: row.try_get("revision")?,
        })
    }

    /// A suspension from its row.
    pub(crate) fn suspension_of(row: &DB::Row) -> Result<Suspension, StoreError> {
        Ok(Suspension {
            reason: row.try_get("reason")?,
            start_date: timestamp(row.try_get("start_at")?)?,
            end_date: row
                .try_get::<Option<i64>, _>("end_at")?
                .map(timestamp)
                .transpose()?,
        })
    }
}

/// What the bodies of a request log entry are sealed for: the project and the request.
fn log_aad(project: &ProjectId, request_id: &str) -> String {
    format!("request:{project}:{request_id}")
}

/// Binds a project's settings as `$1` to `$8`, then its id as `$9`.
fn bind_settings<'q, DB: Database>(
    query: sqlx::query::Query<'q, DB, DB::Arguments>,
    project: &NewProject,
) -> sqlx::query::Query<'q, DB, DB::Arguments>
where
    Option<String>: for<'v> Encode<'v, DB> + Type<DB>,
    Option<i64>: for<'v> Encode<'v, DB> + Type<DB>,
    i64: for<'v> Encode<'v, DB> + Type<DB>,
    bool: for<'v> Encode<'v, DB> + Type<DB>,
    for<'v> &'v str: Encode<'v, DB> + Type<DB>,
{
    query
        .bind(project.validation_webhook.clone())
        .bind(project.webhook_secret.clone())
        .bind(i64::from(project.webhook_timeout_ms))
        .bind(project.welcome_email)
        .bind(project.webhook_version.as_str())
        .bind(
            project
                .retiring_webhook_secret
                .as_ref()
                .map(|r| r.secret.clone()),
        )
        .bind(
            project
                .retiring_webhook_secret
                .as_ref()
                .map(|r| millis(r.until)),
        )
        .bind(project.sandbox)
        .bind(project.id.as_str())
}

/// The tables whose rows belong to one user (by `user_id`): erased with the user, and by a
/// sandbox reset with all the project's users.
const USER_DATA: [&str; 5] = [
    "idempotency_keys",
    "magic_links",
    "outbox",
    "suspensions",
    "sandbox_requests",
];

/// The `Store` methods whose statements are the same on both backends: each hands over to
/// the backend's `queries` field. Expanded inside each backend's `impl Store`.
macro_rules! shared_store_methods {
    () => {
        async fn ping(&self) -> Result<(), StoreError> {
            self.queries.ping().await
        }
        async fn create_project(&self, project: &NewProject) -> Result<Project, StoreError> {
            self.queries.create_project(project).await
        }
        async fn set_project_settings(&self, project: &NewProject) -> Result<Project, StoreError> {
            self.queries.set_project_settings(project).await
        }
        async fn project(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
            self.queries.project(id).await
        }
        async fn projects(&self) -> Result<Vec<Project>, StoreError> {
            self.queries.projects().await
        }
        async fn create_key(
            &self,
            project: &ProjectId,
            version: fitmate_model::ApiVersion,
        ) -> Result<(crate::ApiKey, crate::KeyInfo), StoreError> {
            self.queries.create_key(project, version).await
        }
        async fn keys(&self) -> Result<Vec<crate::KeyInfo>, StoreError> {
            self.queries.keys().await
        }
        async fn revoke_key(&self, prefix: &str) -> Result<crate::KeyInfo, StoreError> {
            self.queries.revoke_key(prefix).await
        }
        async fn authenticate(
            &self,
            presented: &str,
        ) -> Result<Option<crate::KeyInfo>, StoreError> {
            self.queries.authenticate(presented).await
        }
        async fn user_by_email(
            &self,
            project: &ProjectId,
            email: &fitmate_model::rules::Email,
        ) -> Result<Option<StoredUser>, StoreError> {
            self.queries.user_by_email(project, email).await
        }
        async fn user_by_id(
            &self,
            project: &ProjectId,
            id: uuid::Uuid,
        ) -> Result<Option<StoredUser>, StoreError> {
            self.queries.user_by_id(project, id).await
        }
        async fn suspend(
            &self,
            project: &ProjectId,
            user: uuid::Uuid,
            reason: &str,
            start: jiff::Timestamp,
            until: Option<jiff::Timestamp>,
            audit: &crate::AuditEvent,
        ) -> Result<fitmate_model::projects::Suspension, StoreError> {
            self.queries
                .suspend(project, user, reason, start, until, audit)
                .await
        }
        async fn unsuspend(
            &self,
            project: &ProjectId,
            user: uuid::Uuid,
            now: jiff::Timestamp,
            audit: &crate::AuditEvent,
        ) -> Result<u64, StoreError> {
            self.queries.unsuspend(project, user, now, audit).await
        }
        async fn delete_user(
            &self,
            project: &ProjectId,
            user: uuid::Uuid,
            audit: &crate::AuditEvent,
        ) -> Result<(), StoreError> {
            self.queries.delete_user(project, user, audit).await
        }
        async fn audit_events(
            &self,
            filter: &crate::AuditFilter,
        ) -> Result<Vec<crate::AuditRecord>, StoreError> {
            self.queries.audit_events(filter).await
        }
        async fn purge_idempotency_keys(&self, now: jiff::Timestamp) -> Result<u64, StoreError> {
            self.queries.purge_idempotency_keys(now).await
        }
        async fn active_suspensions(
            &self,
            user: uuid::Uuid,
            now: jiff::Timestamp,
        ) -> Result<Vec<fitmate_model::projects::Suspension>, StoreError> {
            self.queries.active_suspensions(user, now).await
        }
        async fn email_delivered(&self, id: i64, now: jiff::Timestamp) -> Result<(), StoreError> {
            self.queries.email_delivered(id, now).await
        }
        async fn email_failed(
            &self,
            id: i64,
            retry_at: jiff::Timestamp,
            error: &str,
        ) -> Result<(), StoreError> {
            self.queries.email_failed(id, retry_at, error).await
        }
        async fn email_bounced(
            &self,
            id: i64,
            now: jiff::Timestamp,
            reason: &str,
        ) -> Result<(), StoreError> {
            self.queries.email_bounced(id, now, reason).await
        }
        async fn emails(
            &self,
            project: Option<&ProjectId>,
            bounced_only: bool,
            limit: u32,
        ) -> Result<Vec<crate::OutboxEntry>, StoreError> {
            self.queries.emails(project, bounced_only, limit).await
        }
        async fn outbox_stats(&self) -> Result<crate::OutboxStats, StoreError> {
            self.queries.outbox_stats().await
        }
        async fn create_magic_link(
            &self,
            user: uuid::Uuid,
            token_hash: [u8; 32],
            now: jiff::Timestamp,
            expires_at: jiff::Timestamp,
        ) -> Result<(), StoreError> {
            self.queries
                .create_magic_link(user, token_hash, now, expires_at)
                .await
        }
        async fn redeem_magic_link(
            &self,
            token_hash: [u8; 32],
            now: jiff::Timestamp,
            request_id: &str,
        ) -> Result<Option<uuid::Uuid>, StoreError> {
            self.queries
                .redeem_magic_link(token_hash, now, request_id)
                .await
        }
        async fn advance_clock(
            &self,
            project: &ProjectId,
            by: jiff::SignedDuration,
            most: jiff::SignedDuration,
        ) -> Result<Option<jiff::SignedDuration>, StoreError> {
            self.queries.advance_clock(project, by, most).await
        }
        async fn log_request(
            &self,
            project: &ProjectId,
            entry: &crate::LoggedRequest,
        ) -> Result<(), StoreError> {
            self.queries.log_request(project, entry).await
        }
        async fn logged_requests(
            &self,
            project: &ProjectId,
            limit: u32,
        ) -> Result<Vec<crate::LoggedRequest>, StoreError> {
            self.queries.logged_requests(project, limit).await
        }
        async fn reset_sandbox(
            &self,
            project: &ProjectId,
            audit: &crate::AuditEvent,
        ) -> Result<crate::ResetCounts, StoreError> {
            self.queries.reset_sandbox(project, audit).await
        }
        async fn find_users(
            &self,
            project: &ProjectId,
            email_part: &str,
            limit: u32,
        ) -> Result<Vec<StoredUser>, StoreError> {
            self.queries.find_users(project, email_part, limit).await
        }
        async fn keep_email_copy(
            &self,
            id: i64,
            copy: &crate::EmailCopy,
        ) -> Result<(), StoreError> {
            self.queries.keep_email_copy(id, copy).await
        }
    };
}

pub(crate) use shared_store_methods;
