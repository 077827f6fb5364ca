//! Applying an update: read, check the combination, write if nobody wrote in between.

use fitmate_model::ApiVersion;
use fitmate_model::UserChanges;
use fitmate_store::{AuditEvent, Project, Store, StoreError, StoredUser};
use uuid::Uuid;

use super::App;
use super::error::ApiError;
use super::sandbox::Trace;
use super::webhook::{self, Verdict};

/// How the user to update is named.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// By email (the Fitmate endpoints).
    Email(&'a fitmate_model::rules::Email),
    /// By identifier (the project API).
    Id(Uuid),
}

/// The names of the fields `changes` sets, as `version` names them, `secureMetadata`
/// included: what an update's audit event lists.
pub(crate) fn changed_fields(version: ApiVersion, changes: &UserChanges) -> Vec<String> {
    let mut fields: Vec<String> = version.render_changes(changes).keys().cloned().collect();
    if changes.secure_metadata.is_some() {
        fields.push("secureMetadata".to_owned());
    }
    fields
}

/// How often an update is tried again when another one wrote the user first.
const ATTEMPTS: usize = 8;
/// How often the validation webhook is asked about one update: once, and again each time
/// the user changed between its approval and the write.
const WEBHOOK_ASKS: usize = 3;

/// Applies `changes` to the user of the caller's project named by `target`: only the fields
/// given change, metadata replaces the stored object whole, and the rules across fields are
/// checked on the result. Two racing updates both apply, one after the other, each on the
/// other's result: the store refuses a write based on a stale read, and the read is redone.
///
/// A project with a validation webhook has it approve the changes, on the revision of the
/// user they apply to, before anything is written; the write is guarded by that revision.
/// If the user moved on in between, the webhook is asked again about the newer revision:
/// what is written is always what was approved. After [`WEBHOOK_ASKS`] approvals overtaken
/// so, the update gives up with 409 and nothing written.
pub(crate) async fn update_user<S: Store>(
    app: &App<S>,
    project: &Project,
    target: Target<'_>,
    changes: &UserChanges,
    audit: &AuditEvent,
    trace: Option<&Trace>,
) -> Result<StoredUser, ApiError> {
    let store = app.store();
    let mut approved_revision = None;
    let mut asked = 0;
    for _ in 0..ATTEMPTS {
        let current = match target {
            Target::Email(email) => store.user_by_email(project.id(), email).await?,
            Target::Id(id) => store.user_by_id(project.id(), id).await?,
        }
        .ok_or(ApiError::UserNotFound)?;
        let next = current.user.with_changes(changes)?;
        if project.settings.validation_webhook.is_some()
            && approved_revision != Some(current.revision)
        {
            if asked == WEBHOOK_ASKS {
                tracing::info!(
                    asked,
                    "the user changed after each approval of the validation webhook; nothing written"
                );
                return Err(ApiError::ChangedWhileApproving);
            }
            asked += 1;
            approve(app, project, &current, changes, trace).await?;
            approved_revision = Some(current.revision);
        }
        match store
            .update_user(project.id(), &current, &next, audit)
            .await
        {
            Err(StoreError::Stale) => continue,
            done => return Ok(done?),
        }
    }
    Err(ApiError::internal(&format_args!(
        "update lost {ATTEMPTS} races in a row"
    )))
}

/// Asks the project's validation webhook about `changes` to `current`: `Ok` when it
/// approved them (or the project has none).
async fn approve<S: Store>(
    app: &App<S>,
    project: &Project,
    current: &StoredUser,
    changes: &UserChanges,
    trace: Option<&Trace>,
) -> Result<(), ApiError> {
    let started = std::time::Instant::now();
    let verdict = webhook::ask(
        app.http(),
        app.allow_private_webhooks(),
        project,
        current,
        changes,
    )
    .await;
    if let (Some(metrics), Some(verdict)) = (app.metrics(), &verdict) {
        metrics.webhook_called(verdict.outcome(), started.elapsed());
    }
    // A sandbox's request log shows the call: the URL (the project's own), the outcome,
    // the time it took, and the rejection's message or what went wrong.
    if let (Some(trace), Some(verdict)) = (trace, &verdict) {
        let message = match verdict {
            Verdict::Valid => None,
            Verdict::Rejected(message) => Some(message.as_str()),
            Verdict::Unavailable(_, why) => Some(why.as_str()),
        };
        trace.webhook_called(serde_json::json!({
            "url": project.settings.validation_webhook,
            "outcome": verdict.outcome(),
            "latencyMs": started.elapsed().as_secs_f64() * 1000.0,
            "message": message,
        }));
    }
    match verdict {
        None => Ok(()),
        Some(Verdict::Valid) => {
            tracing::debug!("the validation webhook approved the update");
            Ok(())
        }
        Some(Verdict::Rejected(message)) => {
            tracing::info!("the validation webhook rejected the update");
            Err(ApiError::WebhookRejected(message))
        }
        Some(Verdict::Unavailable(_, why)) => {
            tracing::warn!(reason = %why, "the validation webhook could not be asked; nothing written");
            Err(ApiError::WebhookUnavailable)
        }
    }
}
