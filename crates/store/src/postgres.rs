//! PostgreSQL, for deployments of several server replicas on one database.

use std::str::FromStr;
use std::time::Duration;

use fitmate_model::projects::Suspension;
use fitmate_model::rules::Email;
use fitmate_model::{ApiVersion, User};
use jiff::Timestamp;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};
use uuid::Uuid;

use crate::keys::{self, ApiKey, KeyInfo};
use crate::rows::{UserKeys, is_unique_violation, millis};
use crate::{
    CLAIM_LEASE, Conflict, NewProject, PendingEmail, Project, ProjectId, Store, StoreError,
    StoredUser,
};

crate::rows::decoders!(PgRow);

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
    pool: PgPool,
    secrets: std::sync::Arc<crate::SecretKeys>,
}

const USER_BY_ID: &str = "SELECT * FROM users WHERE project_id = $1 AND id = $2";
const USER_BY_EMAIL: &str = "SELECT * FROM users WHERE project_id = $1 AND email_key = $2";

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
        Ok(PgStore { pool, secrets })
    }

    /// Applies the migrations the database lacks. Safe to run from several replicas at once:
    /// they take turns on an advisory lock.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn fetch_user(
        &self,
        sql: &'static str,
        project: &ProjectId,
        key: String,
    ) -> Result<Option<StoredUser>, StoreError> {
        sqlx::query(sql)
            .bind(project.as_str())
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|row| user_of(row, &self.secrets))
            .transpose()
    }
}

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

/// Which value of `keys` another user (not `except`) of the project holds, email first.
async fn which_conflict(
    conn: &mut PgConnection,
    project: &ProjectId,
    keys: &UserKeys,
    except: Option<Uuid>,
) -> Result<Conflict, StoreError> {
    let row = sqlx::query(
        "SELECT
            EXISTS (SELECT 1 FROM users WHERE project_id = $3 AND email_key = $1
                    AND id IS DISTINCT FROM $4) AS email,
            EXISTS (SELECT 1 FROM users WHERE project_id = $3 AND phone_key = $2
                    AND id IS DISTINCT FROM $4) AS phone",
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

impl Store for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_project(&self, project: &NewProject) -> Result<Project, StoreError> {
        let now = Timestamp::from_millisecond(millis(Timestamp::now()))
            .map_err(|e| StoreError::corrupt("timestamp", e))?;
        let inserted = crate::queries::bind_settings(
            sqlx::query(crate::queries::INSERT_PROJECT)
                .bind(project.id.as_str())
                .bind(millis(now)),
            project,
        )
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(Project {
                settings: project.clone(),
                created_at: now,
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
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("project"));
        }
        self.project(&project.id)
            .await?
            .ok_or(StoreError::NotFound("project"))
    }

    async fn project(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        sqlx::query("SELECT * FROM projects WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(project_of)
            .transpose()
    }

    async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        sqlx::query("SELECT * FROM projects ORDER BY created_at, id")
            .fetch_all(&self.pool)
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
        for _ in 0..3 {
            let key = ApiKey::generate().map_err(|e| StoreError::corrupt("random key", e))?;
            let inserted = sqlx::query(
                "INSERT INTO api_keys (prefix, hash, project_id, version, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(key.prefix())
            .bind(&keys::hash(key.expose())[..])
            .bind(project.as_str())
            .bind(version.as_str())
            .bind(millis(now))
            .execute(&self.pool)
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
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(key_of)
            .collect()
    }

    async fn revoke_key(&self, prefix: &str) -> Result<KeyInfo, StoreError> {
        sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1)
             WHERE prefix = $2 RETURNING *",
        )
        .bind(millis(Timestamp::now()))
        .bind(prefix)
        .fetch_optional(&self.pool)
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
        let Some(row) = sqlx::query("SELECT * FROM api_keys WHERE prefix = $1")
            .bind(prefix)
            .fetch_optional(&self.pool)
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
        let keys = UserKeys::of(user, &id.to_string(), &self.secrets)?;
        let now = millis(Timestamp::now());
        // One statement, so one round trip and one implicit transaction: the user and,
        // when the project sends one, its welcome email are written together or not at all.
        let inserted = sqlx::query(
            "WITH inserted AS (
                 INSERT INTO users (id, project_id, email_key, phone_key, username, document,
                                    secure_metadata, revision, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)
                 ON CONFLICT DO NOTHING RETURNING id, project_id
             ), welcome AS (
                 INSERT INTO outbox (user_id, kind, created_at, next_attempt_at)
                 SELECT inserted.id, 'welcome', $8, $8
                 FROM inserted JOIN projects ON projects.id = inserted.project_id
                 WHERE projects.welcome_email
             )
             SELECT id FROM inserted",
        )
        .bind(id.to_string())
        .bind(project.as_str())
        .bind(&keys.email)
        .bind(&keys.phone)
        .bind(&keys.username)
        .bind(&keys.document)
        .bind(&keys.secure)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        if inserted.is_none() {
            let mut conn = self.pool.acquire().await?;
            let conflict = which_conflict(&mut conn, project, &keys, None).await?;
            return Err(StoreError::Conflict(conflict));
        }
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
        let keys = UserKeys::of(next, &current.id.to_string(), &self.secrets)?;
        let mut conn = self.pool.acquire().await?;
        let updated = sqlx::query(
            "UPDATE users SET phone_key = $1, username = $2, document = $3, secure_metadata = $4,
                              revision = revision + 1, updated_at = $5
             WHERE project_id = $6 AND id = $7 AND revision = $8",
        )
        .bind(&keys.phone)
        .bind(&keys.username)
        .bind(&keys.document)
        .bind(&keys.secure)
        .bind(millis(Timestamp::now()))
        .bind(project.as_str())
        .bind(current.id.to_string())
        .bind(current.revision)
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
                which_conflict(&mut conn, project, &keys, Some(current.id)).await?,
            )),
            Err(e) => Err(e.into()),
        }
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
             SELECT id, $1, $2, $3 FROM users WHERE project_id = $4 AND id = $5
             RETURNING *",
        )
        .bind(reason)
        .bind(millis(start))
        .bind(until.map(millis))
        .bind(project.as_str())
        .bind(user.to_string())
        .fetch_optional(&self.pool)
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
            "UPDATE suspensions SET end_at = $1
             WHERE user_id = $2 AND start_at <= $1 AND (end_at IS NULL OR end_at > $1)",
        )
        .bind(millis(now))
        .bind(user.to_string())
        .execute(&self.pool)
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
             WHERE user_id = $1 AND start_at <= $2 AND (end_at IS NULL OR end_at > $2)
             ORDER BY start_at, id",
        )
        .bind(user.to_string())
        .bind(millis(now))
        .fetch_all(&self.pool)
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
        let lease_ms = i64::try_from(CLAIM_LEASE.as_millis()).unwrap_or(i64::MAX);
        let mut conn = self.pool.acquire().await?;
        let rows = conn
            .transaction(|tx| {
                Box::pin(async move {
                    sqlx::query(
                        "WITH due AS (
                            SELECT id FROM outbox
                            WHERE delivered_at IS NULL AND next_attempt_at <= $1
                              AND (claimed_until IS NULL OR claimed_until <= $1)
                            ORDER BY next_attempt_at, id LIMIT $2
                            FOR UPDATE SKIP LOCKED)
                         UPDATE outbox o SET claimed_until = $3
                         FROM due WHERE o.id = due.id
                         RETURNING o.id AS outbox_id, o.attempts, o.user_id",
                    )
                    .bind(millis(now))
                    .bind(i64::from(limit))
                    .bind(millis(now).saturating_add(lease_ms))
                    .fetch_all(&mut **tx)
                    .await
                })
            })
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let user_id: String = row.try_get("user_id")?;
            let Some(user_row) = sqlx::query("SELECT * FROM users WHERE id = $1")
                .bind(&user_id)
                .fetch_optional(&mut *conn)
                .await?
            else {
                continue;
            };
            let project: String = user_row.try_get("project_id")?;
            let attempts: i64 = row.try_get("attempts")?;
            claimed.push(PendingEmail {
                id: row.try_get("outbox_id")?,
                user: user_of(&user_row, &self.secrets)?,
                project: project
                    .parse()
                    .map_err(|e| StoreError::corrupt("outbox", e))?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            });
        }
        Ok(claimed)
    }

    async fn release_emails(&self, ids: &[i64]) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1) AND delivered_at IS NULL",
        )
        .bind(ids)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn email_delivered(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET delivered_at = $1, last_error = NULL, claimed_until = NULL
             WHERE id = $2",
        )
        .bind(millis(now))
        .bind(id)
        .execute(&self.pool)
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
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2,
                               claimed_until = NULL
             WHERE id = $3",
        )
        .bind(millis(retry_at))
        .bind(error)
        .bind(id)
        .execute(&self.pool)
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
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&token_hash[..])
        .bind(user.to_string())
        .bind(millis(now))
        .bind(millis(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn redeem_magic_link(
        &self,
        token_hash: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<Uuid>, StoreError> {
        let row = sqlx::query(
            "UPDATE magic_links SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
             RETURNING user_id",
        )
        .bind(millis(now))
        .bind(&token_hash[..])
        .fetch_optional(&self.pool)
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
