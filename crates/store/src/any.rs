//! The store a database URL names: SQLite or PostgreSQL, chosen at run time.

use fitmate_model::projects::Suspension;
use fitmate_model::rules::Email;
use fitmate_model::{ApiVersion, User};
use jiff::Timestamp;
use uuid::Uuid;

use crate::{
    ApiKey, AuditEvent, AuditFilter, AuditRecord, IdempotencyClaim, IdempotencyState,
    IdempotentAnswer, KeyInfo, NewProject, OutboxEntry, PendingEmail, PgSettings, PgStore, Project,
    ProjectId, SqliteStore, Store, StoreError, StoredUser,
};

/// Either backend, picked by the URL's scheme: `sqlite:` or `postgres:`/`postgresql:`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyStore {
    /// One SQLite file: the embedded default.
    Sqlite(SqliteStore),
    /// A PostgreSQL database, which several replicas may share.
    Postgres(PgStore),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// `sqlite:…`
    Sqlite,
    /// `postgres://…` or `postgresql://…`
    Postgres,
}

impl Backend {
    /// The backend of `url`, or why there is none.
    pub fn of(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::BadUrl {
                url: scheme.to_owned() + ":…",
                reason: "the database URL must start with sqlite: or postgres://".to_owned(),
            }),
        }
    }
}

impl AnyStore {
    /// Opens the database at `url`. SQLite is always migrated on open (it is one process's
    /// file); PostgreSQL is migrated when `migrate` says so.
    pub async fn open(
        url: &str,
        pg: &PgSettings,
        migrate: bool,
        secrets: std::sync::Arc<crate::SecretKeys>,
    ) -> Result<Self, StoreError> {
        match Backend::of(url)? {
            Backend::Sqlite => Ok(AnyStore::Sqlite(SqliteStore::open(url, secrets).await?)),
            Backend::Postgres => {
                let store = PgStore::connect(url, pg, secrets).await?;
                if migrate {
                    store.migrate().await?;
                }
                Ok(AnyStore::Postgres(store))
            }
        }
    }

    /// The id of the key that sealed the stored `secureMetadata` (one value's, read at
    /// random), or `None` when nothing is sealed yet. A server or command whose keys do not
    /// open it ([`SecretKeys::opens`](crate::SecretKeys::opens)) has the wrong key.
    pub async fn sealing_key_in_use(&self) -> Result<Option<String>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.queries.sealing_key_in_use().await,
            AnyStore::Postgres(s) => s.queries.sealing_key_in_use().await,
        }
    }

    /// Closes the connections.
    pub async fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close().await,
            AnyStore::Postgres(s) => s.close().await,
        }
    }
}

macro_rules! both {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call.await,
            AnyStore::Postgres($store) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn ping(&self) -> Result<(), StoreError> {
        both!(self, s => s.ping())
    }
    async fn create_project(&self, project: &NewProject) -> Result<Project, StoreError> {
        both!(self, s => s.create_project(project))
    }
    async fn set_project_settings(&self, project: &NewProject) -> Result<Project, StoreError> {
        both!(self, s => s.set_project_settings(project))
    }
    async fn project(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        both!(self, s => s.project(id))
    }
    async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        both!(self, s => s.projects())
    }
    async fn create_key(
        &self,
        project: &ProjectId,
        version: ApiVersion,
    ) -> Result<(ApiKey, KeyInfo), StoreError> {
        both!(self, s => s.create_key(project, version))
    }
    async fn keys(&self) -> Result<Vec<KeyInfo>, StoreError> {
        both!(self, s => s.keys())
    }
    async fn revoke_key(&self, prefix: &str) -> Result<KeyInfo, StoreError> {
        both!(self, s => s.revoke_key(prefix))
    }
    async fn authenticate(&self, presented: &str) -> Result<Option<KeyInfo>, StoreError> {
        both!(self, s => s.authenticate(presented))
    }
    async fn create_user(
        &self,
        project: &ProjectId,
        user: &User,
        audit: &AuditEvent,
    ) -> Result<StoredUser, StoreError> {
        both!(self, s => s.create_user(project, user, audit))
    }
    async fn user_by_email(
        &self,
        project: &ProjectId,
        email: &Email,
    ) -> Result<Option<StoredUser>, StoreError> {
        both!(self, s => s.user_by_email(project, email))
    }
    async fn user_by_id(
        &self,
        project: &ProjectId,
        id: Uuid,
    ) -> Result<Option<StoredUser>, StoreError> {
        both!(self, s => s.user_by_id(project, id))
    }
    async fn update_user(
        &self,
        project: &ProjectId,
        current: &StoredUser,
        next: &User,
        audit: &AuditEvent,
    ) -> Result<StoredUser, StoreError> {
        both!(self, s => s.update_user(project, current, next, audit))
    }
    async fn record_read(
        &self,
        project: &ProjectId,
        user: Uuid,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        both!(self, s => s.record_read(project, user, audit))
    }
    async fn delete_user(
        &self,
        project: &ProjectId,
        user: Uuid,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        both!(self, s => s.delete_user(project, user, audit))
    }
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        both!(self, s => s.audit_events(filter))
    }
    async fn claim_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyState, StoreError> {
        both!(self, s => s.claim_idempotency_key(claim))
    }
    async fn save_idempotent_answer(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
        answer: &IdempotentAnswer,
    ) -> Result<(), StoreError> {
        both!(self, s => s.save_idempotent_answer(project, key, token, answer))
    }
    async fn release_idempotency_key(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
    ) -> Result<(), StoreError> {
        both!(self, s => s.release_idempotency_key(project, key, token))
    }
    async fn purge_idempotency_keys(&self, now: Timestamp) -> Result<u64, StoreError> {
        both!(self, s => s.purge_idempotency_keys(now))
    }
    async fn suspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        reason: &str,
        start: Timestamp,
        until: Option<Timestamp>,
        audit: &AuditEvent,
    ) -> Result<Suspension, StoreError> {
        both!(self, s => s.suspend(project, user, reason, start, until, audit))
    }
    async fn unsuspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        now: Timestamp,
        audit: &AuditEvent,
    ) -> Result<u64, StoreError> {
        both!(self, s => s.unsuspend(project, user, now, audit))
    }
    async fn active_suspensions(
        &self,
        user: Uuid,
        now: Timestamp,
    ) -> Result<Vec<Suspension>, StoreError> {
        both!(self, s => s.active_suspensions(user, now))
    }
    async fn claim_due_emails(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<PendingEmail>, StoreError> {
        both!(self, s => s.claim_due_emails(now, limit))
    }
    async fn release_emails(&self, ids: &[i64]) -> Result<(), StoreError> {
        both!(self, s => s.release_emails(ids))
    }
    async fn email_delivered(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        both!(self, s => s.email_delivered(id, now))
    }
    async fn email_failed(
        &self,
        id: i64,
        retry_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        both!(self, s => s.email_failed(id, retry_at, error))
    }
    async fn email_bounced(&self, id: i64, now: Timestamp, reason: &str) -> Result<(), StoreError> {
        both!(self, s => s.email_bounced(id, now, reason))
    }
    async fn emails(
        &self,
        project: Option<&ProjectId>,
        bounced_only: bool,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        both!(self, s => s.emails(project, bounced_only, limit))
    }
    async fn outbox_stats(&self) -> Result<crate::OutboxStats, StoreError> {
        both!(self, s => s.outbox_stats())
    }
    fn pool_use(&self) -> Vec<crate::PoolUse> {
        match self {
            AnyStore::Sqlite(s) => s.pool_use(),
            AnyStore::Postgres(s) => s.pool_use(),
        }
    }
    async fn create_magic_link(
        &self,
        user: Uuid,
        token_hash: [u8; 32],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        both!(self, s => s.create_magic_link(user, token_hash, now, expires_at))
    }
    async fn redeem_magic_link(
        &self,
        token_hash: [u8; 32],
        now: Timestamp,
        request_id: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        both!(self, s => s.redeem_magic_link(token_hash, now, request_id))
    }
    async fn advance_clock(
        &self,
        project: &ProjectId,
        by: jiff::SignedDuration,
        most: jiff::SignedDuration,
    ) -> Result<Option<jiff::SignedDuration>, StoreError> {
        both!(self, s => s.advance_clock(project, by, most))
    }
    async fn log_request(
        &self,
        project: &ProjectId,
        entry: &crate::LoggedRequest,
    ) -> Result<(), StoreError> {
        both!(self, s => s.log_request(project, entry))
    }
    async fn logged_requests(
        &self,
        project: &ProjectId,
        limit: u32,
    ) -> Result<Vec<crate::LoggedRequest>, StoreError> {
        both!(self, s => s.logged_requests(project, limit))
    }
    async fn reset_sandbox(
        &self,
        project: &ProjectId,
        audit: &AuditEvent,
    ) -> Result<crate::ResetCounts, StoreError> {
        both!(self, s => s.reset_sandbox(project, audit))
    }
    async fn find_users(
        &self,
        project: &ProjectId,
        email_part: &str,
        limit: u32,
    ) -> Result<Vec<StoredUser>, StoreError> {
        both!(self, s => s.find_users(project, email_part, limit))
    }
    async fn keep_email_copy(&self, id: i64, copy: &crate::EmailCopy) -> Result<(), StoreError> {
        both!(self, s => s.keep_email_copy(id, copy))
    }
}
