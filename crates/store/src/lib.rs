#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod any;
mod audit;
mod error;
mod idempotency;
mod keys;
mod postgres;
mod project;
mod queries;
mod rows;
mod sandbox;
mod sealing;
mod sqlite;
mod tokens;

use std::future::Future;

use fitmate_model::projects::Suspension;
use fitmate_model::rules::Email;
use fitmate_model::{ApiVersion, User};
use jiff::Timestamp;
use uuid::Uuid;

pub use any::{AnyStore, Backend};
pub use audit::{AuditAction, AuditEvent, AuditFilter, AuditRecord, MAGIC_LINK, OPERATOR};
pub use error::{Conflict, StoreError};
pub use idempotency::{IdempotencyClaim, IdempotencyState, IdempotentAnswer};
pub use keys::{ApiKey, KEY_PREFIX_CHARS, KeyInfo};
pub use postgres::{PgSettings, PgStore};
pub use project::{InvalidProjectId, NewProject, Project, ProjectId, RetiringSecret};
pub use sandbox::{EmailCopy, LoggedRequest, REQUEST_LOG_KEPT, ResetCounts};
pub use sealing::{InvalidSecretKey, SecretKeys};
pub use sqlite::{DEFAULT_DATABASE_URL, SqliteStore};
pub use tokens::{magic_token_hash, new_magic_token};

/// What the server keeps: projects, their API keys, their users and the users' suspensions.
///
/// Every user operation is scoped to one project: a user of another project is simply not
/// found. Uniqueness of email, phone number and username within a project is enforced by
/// the database, so two racing requests cannot both win.
pub trait Store: Clone + Send + Sync + 'static {
    /// Answers when the database does.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Creates a project; [`StoreError::ProjectExists`] if the id is taken.
    fn create_project(
        &self,
        project: &NewProject,
    ) -> impl Future<Output = Result<Project, StoreError>> + Send;

    /// Replaces the settings of the project `project.id`; [`StoreError::NotFound`] if there
    /// is no such project. A project that stops being a sandbox forgets its request log and
    /// its copies of the emails sent.
    fn set_project_settings(
        &self,
        project: &NewProject,
    ) -> impl Future<Output = Result<Project, StoreError>> + Send;

    /// The project with this id.
    fn project(
        &self,
        id: &ProjectId,
    ) -> impl Future<Output = Result<Option<Project>, StoreError>> + Send;

    /// The time by the clock of project `id`: the real time moved forward by its
    /// [`clock_offset`](Project::clock_offset); the real time when there is no such project.
    fn project_now(
        &self,
        id: &ProjectId,
    ) -> impl Future<Output = Result<Timestamp, StoreError>> + Send {
        async move {
            Ok(self
                .project(id)
                .await?
                .map_or_else(Timestamp::now, |project| project.now()))
        }
    }

    /// Every project, oldest first.
    fn projects(&self) -> impl Future<Output = Result<Vec<Project>, StoreError>> + Send;

    /// Issues a key for `project`, pinned to `version`. The key itself exists only in the
    /// answer; the store keeps its hash.
    fn create_key(
        &self,
        project: &ProjectId,
        version: ApiVersion,
    ) -> impl Future<Output = Result<(ApiKey, KeyInfo), StoreError>> + Send;

    /// Every key, revoked ones included, oldest first.
    fn keys(&self) -> impl Future<Output = Result<Vec<KeyInfo>, StoreError>> + Send;

    /// Revokes the key whose prefix is `prefix`; [`StoreError::NotFound`] if there is none.
    fn revoke_key(&self, prefix: &str) -> impl Future<Output = Result<KeyInfo, StoreError>> + Send;

    /// The live key that `presented` is, compared in constant time; `None` for an unknown,
    /// malformed or revoked key.
    fn authenticate(
        &self,
        presented: &str,
    ) -> impl Future<Output = Result<Option<KeyInfo>, StoreError>> + Send;

    /// Creates `user` in `project` with a new identifier, and appends `audit` to the audit
    /// trail in the same transaction; [`StoreError::Conflict`] when the email, phone number
    /// or username is taken.
    fn create_user(
        &self,
        project: &ProjectId,
        user: &User,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<StoredUser, StoreError>> + Send;

    /// The user of `project` with this email (compared case-insensitively).
    fn user_by_email(
        &self,
        project: &ProjectId,
        email: &Email,
    ) -> impl Future<Output = Result<Option<StoredUser>, StoreError>> + Send;

    /// The user of `project` with this identifier.
    fn user_by_id(
        &self,
        project: &ProjectId,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<StoredUser>, StoreError>> + Send;

    /// Replaces `current` with `next`, unless the user changed since `current` was read
    /// ([`StoreError::Stale`]: read again and retry) or `next` takes another user's phone
    /// number or username ([`StoreError::Conflict`]). The email never changes. `audit` is
    /// appended in the same transaction, only when the write is.
    fn update_user(
        &self,
        project: &ProjectId,
        current: &StoredUser,
        next: &User,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<StoredUser, StoreError>> + Send;

    /// Appends `audit`, the read of user `user` of `project`, to the audit trail; answers
    /// once it is written, so a read's answer leaves only after its event is kept.
    fn record_read(
        &self,
        project: &ProjectId,
        user: Uuid,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Suspends a user of `project` from `start` until `until` (open-ended without it),
    /// appending `audit` in the same transaction.
    fn suspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        reason: &str,
        start: Timestamp,
        until: Option<Timestamp>,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<Suspension, StoreError>> + Send;

    /// Ends, at `now`, every suspension of the user active at `now`; answers how many.
    /// Appends `audit` in the same transaction.
    fn unsuspend(
        &self,
        project: &ProjectId,
        user: Uuid,
        now: Timestamp,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Erases user `user` of `project`: its record, suspensions, emails, magic links and
    /// request log entries.
    /// Its audit events stay, and `audit` is appended to them in the same transaction.
    /// [`StoreError::NotFound`] when there is no such user.
    fn delete_user(
        &self,
        project: &ProjectId,
        user: Uuid,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Claims an idempotency key for a request, or says who has it: see
    /// [`IdempotencyState`]. A key whose answer expired, or whose holder's lease ended with
    /// no answer saved and the same fingerprint, is claimed afresh.
    fn claim_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> impl Future<Output = Result<IdempotencyState, StoreError>> + Send;

    /// Saves the answer of the request whose claim on `key` is `token`, for its retries;
    /// nothing when the key was taken over since.
    fn save_idempotent_answer(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
        answer: &IdempotentAnswer,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives up a claim whose request saved no answer (it changed nothing), so that a retry
    /// runs afresh at once.
    fn release_idempotency_key(
        &self,
        project: &ProjectId,
        key: &str,
        token: [u8; 16],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets the keys that expired by `now`; answers how many.
    fn purge_idempotency_keys(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The audit events matching `filter`, oldest first.
    fn audit_events(
        &self,
        filter: &AuditFilter,
    ) -> impl Future<Output = Result<Vec<AuditRecord>, StoreError>> + Send;

    /// The user's suspensions active at `now`, the earliest first.
    fn active_suspensions(
        &self,
        user: Uuid,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Suspension>, StoreError>> + Send;

    /// Claims undelivered emails whose next attempt is due at `now`, oldest first, at most
    /// `limit`, for [`CLAIM_LEASE`]: no other dispatcher gets them until they are marked
    /// delivered or failed, or the lease ends (the claimer died). On SQLite, where one
    /// server owns the file, there is one dispatcher and no lease.
    fn claim_due_emails(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PendingEmail>, StoreError>> + Send;

    /// The outbox as operators watch it at a glance: how many emails wait and since when.
    /// A count over the undelivered, unbounced entries only (which an index covers), so it
    /// stays cheap however many emails went out before.
    fn outbox_stats(&self) -> impl Future<Output = Result<OutboxStats, StoreError>> + Send;

    /// How the store's connection pools are used at this moment, one entry per pool.
    fn pool_use(&self) -> Vec<PoolUse>;

    /// Gives back claimed emails that were not attempted (a dispatcher stopping), so that
    /// another dispatcher may take them at once instead of after the lease.
    fn release_emails(&self, ids: &[i64]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records that email `id` was delivered; it is not attempted again.
    fn email_delivered(
        &self,
        id: i64,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a failed attempt at email `id`, to be tried again at `retry_at`. `error` is
    /// kept for operators and must hold no personal data.
    fn email_failed(
        &self,
        id: i64,
        retry_at: Timestamp,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records that email `id` bounced at `now`: refused for good by the mail server, or not
    /// delivered within the retry window. It is not attempted again. `reason` is kept for
    /// operators and must hold no personal data.
    fn email_bounced(
        &self,
        id: i64,
        now: Timestamp,
        reason: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The outbox entries, the newest first, at most `limit`: of `project` alone if given,
    /// and only the bounced ones if `bounced_only`.
    fn emails(
        &self,
        project: Option<&ProjectId>,
        bounced_only: bool,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxEntry>, StoreError>> + Send;

    /// Keeps the hash of a new magic-link token for `user`, valid until `expires_at`.
    fn create_magic_link(
        &self,
        user: Uuid,
        token_hash: [u8; 32],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Uses up the magic link whose token hashes to `token_hash`: the user's identifier if
    /// it was unused and unexpired at `now`, `None` otherwise (used, expired or unknown).
    /// A redeem appends its audit event (actor [`MAGIC_LINK`], request `request_id`) in
    /// the same transaction.
    fn redeem_magic_link(
        &self,
        token_hash: [u8; 32],
        now: Timestamp,
        request_id: &str,
    ) -> impl Future<Output = Result<Option<Uuid>, StoreError>> + Send;

    /// Moves the clock of sandbox project `project` forward by `by`, unless it would then
    /// run more than `most` ahead of the real time (`None`, nothing changed); answers how
    /// far it now runs ahead. [`StoreError::NotFound`] if there is no such project.
    fn advance_clock(
        &self,
        project: &ProjectId,
        by: jiff::SignedDuration,
        most: jiff::SignedDuration,
    ) -> impl Future<Output = Result<Option<jiff::SignedDuration>, StoreError>> + Send;

    /// Appends a request to the log of sandbox project `project`, which keeps the newest
    /// [`REQUEST_LOG_KEPT`].
    fn log_request(
        &self,
        project: &ProjectId,
        entry: &LoggedRequest,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The newest `limit` requests of the log of `project`, newest first.
    fn logged_requests(
        &self,
        project: &ProjectId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<LoggedRequest>, StoreError>> + Send;

    /// Empties sandbox project `project`: erases its users (with their suspensions, magic
    /// links, emails and idempotency keys) and its request log, and sets its clock back to
    /// the real time. Each erased user gets `audit` in the same transaction; audit events
    /// stay.
    fn reset_sandbox(
        &self,
        project: &ProjectId,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<ResetCounts, StoreError>> + Send;

    /// The users of `project` whose email contains `email_part` (case-insensitively), the
    /// newest first, at most `limit`.
    fn find_users(
        &self,
        project: &ProjectId,
        email_part: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredUser>, StoreError>> + Send;

    /// Keeps the copy of email `id` as it was sent, sealed (sandbox projects only: it holds
    /// a live link).
    fn keep_email_copy(
        &self,
        id: i64,
        copy: &EmailCopy,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// How long a dispatcher holds the emails it claimed; a delivery must end within it.
pub const CLAIM_LEASE: std::time::Duration = std::time::Duration::from_secs(120);

/// A welcome email waiting to be delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEmail {
    /// The outbox entry.
    pub id: i64,
    /// Its recipient, as stored now.
    pub user: StoredUser,
    /// The recipient's project.
    pub project: ProjectId,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it was queued (the user's creation).
    pub queued_at: Timestamp,
}

/// The emails waiting in the outbox: neither delivered nor bounced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OutboxStats {
    /// How many wait, whether due now or waiting for a retry.
    pub pending: u64,
    /// When the one waiting longest was queued; `None` when none waits.
    pub oldest_pending: Option<Timestamp>,
}

/// One connection pool of a store, as it is used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolUse {
    /// Which pool: `reader` and `writer` on SQLite, `main` on PostgreSQL.
    pub pool: &'static str,
    /// Connections open, in use or idle.
    pub open: u32,
    /// Open connections nobody is using.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

/// An outbox entry as operators see it: the recipient by identifier only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The entry.
    pub id: i64,
    /// The recipient's project.
    pub project: ProjectId,
    /// The recipient.
    pub user: Uuid,
    /// When it was queued.
    pub queued_at: Timestamp,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due, while it is neither delivered nor bounced.
    pub next_attempt_at: Timestamp,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
    /// When it bounced.
    pub bounced_at: Option<Timestamp>,
    /// Why the last attempt failed, in the server's words (never the mail server's).
    pub last_error: Option<String>,
    /// The email as it was sent: kept for sandbox projects only, once delivered.
    pub copy: Option<EmailCopy>,
}

/// A user as stored: its identifier, its data and the revision that guards updates.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredUser {
    /// The identifier create answered (`identifier`, the project API's `userId`).
    pub id: Uuid,
    /// The user, secureMetadata included.
    pub user: User,
    /// Bumped by every update; an update names the revision it read.
    pub revision: i64,
}
