//! The audit trail: who read or wrote which patient's data, when, and which fields.
//!
//! Every read or write of a user's data appends one event: the time, the project, the actor
//! (the API key's prefix, `operator`, or `magic-link`), the request id, the action, the
//! user, and the names of the fields changed or returned, never their values. A write
//! records its event in its own transaction, so an acknowledged write always has its event;
//! a read records its event before its answer leaves. Events are never changed or deleted:
//! the store offers no way to, and the database refuses it (triggers on both backends),
//! including when a user is erased.

use jiff::Timestamp;
use uuid::Uuid;

use crate::ProjectId;

/// What was done to a user's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditAction {
    /// `POST /users/create`.
    Create,
    /// `POST /users/update`.
    Update,
    /// `POST /users/retrieve`, or the sandbox console's view of a user.
    Retrieve,
    /// `PATCH /{project}/users/{user}`.
    Patch,
    /// A magic link redeemed.
    Redeem,
    /// `fitmate users suspend`.
    Suspend,
    /// `fitmate users unsuspend`.
    Unsuspend,
    /// `fitmate users delete` or a sandbox reset: the user's data erased.
    Delete,
    /// A write's saved answer replayed to a retry with its idempotency key.
    Replay,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 9] = [
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Retrieve,
        AuditAction::Patch,
        AuditAction::Redeem,
        AuditAction::Suspend,
        AuditAction::Unsuspend,
        AuditAction::Delete,
        AuditAction::Replay,
    ];

    /// The action as the trail stores and prints it: `create`, `retrieve`, ….
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Retrieve => "retrieve",
            AuditAction::Patch => "patch",
            AuditAction::Redeem => "redeem",
            AuditAction::Suspend => "suspend",
            AuditAction::Unsuspend => "unsuspend",
            AuditAction::Delete => "delete",
            AuditAction::Replay => "replay",
        }
    }
}

/// The actor of operator commands.
pub const OPERATOR: &str = "operator";
/// The actor of a magic link's redeem: whoever holds the link.
pub const MAGIC_LINK: &str = "magic-link";

/// An event as the caller of a read or write gives it; the store adds the time, the
/// project and the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The API key's prefix, [`OPERATOR`] or [`MAGIC_LINK`].
    pub actor: String,
    /// The request's id (`X-Request-Id`), or the operator command's own.
    pub request_id: String,
    /// What was done.
    pub action: AuditAction,
    /// The names of the fields changed or returned, in the API's spelling.
    pub fields: Vec<String>,
}

impl AuditEvent {
    /// An event of `action` by `actor` in request `request_id` on the fields named.
    pub fn new<F: Into<String>>(
        actor: impl Into<String>,
        request_id: impl Into<String>,
        action: AuditAction,
        fields: impl IntoIterator<Item = F>,
    ) -> Self {
        AuditEvent {
            actor: actor.into(),
            request_id: request_id.into(),
            action,
            fields: fields.into_iter().map(Into::into).collect(),
        }
    }

    /// The field names as stored: comma-separated (no field name holds a comma).
    pub(crate) fn fields_text(&self) -> String {
        self.fields.join(",")
    }
}

/// An event as the trail keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its place in the trail: later events have larger ids.
    pub id: i64,
    /// When it happened, to the millisecond.
    pub at: Timestamp,
    /// The user's project.
    pub project: ProjectId,
    /// Who did it.
    pub actor: String,
    /// The request it happened in.
    pub request_id: String,
    /// What was done (`create`, `retrieve`, …).
    pub action: String,
    /// The user.
    pub user: Uuid,
    /// The names of the fields changed or returned.
    pub fields: Vec<String>,
}

/// Which events to list: all those matching every filter given, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditFilter {
    /// Only this project's.
    pub project: Option<ProjectId>,
    /// Only this user's.
    pub user: Option<Uuid>,
    /// Only those at or after this time.
    pub since: Option<Timestamp>,
    /// At most this many (the oldest that match); none when zero.
    pub limit: u32,
}

/// The statement that appends one event: at, project, actor, request id, action, user,
/// fields.
pub(crate) const INSERT_EVENT: &str = "INSERT INTO audit_events
 (at, project_id, actor, request_id, action, user_id, fields)
 VALUES ($1, $2, $3, $4, $5, $6, $7)";
