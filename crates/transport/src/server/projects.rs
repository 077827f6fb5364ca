//! `PATCH /{projectId}/users/{userId}`: the project users API.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use fitmate_model::projects::UserProfile;
use fitmate_store::{AuditAction, Store};
use http::{HeaderMap, Method, Uri};
use uuid::Uuid;

use super::App;
use super::apply::{self, Target};
use super::error::ApiError;
use super::extract::{Caller, JsonBody};
use super::idempotency;

pub(crate) async fn update<S: Store>(
    State(app): State<App<S>>,
    Path((project_id, user_id)): Path<(String, String)>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    if project_id != caller.project.as_str() {
        return Err(ApiError::Forbidden);
    }
    let changes = caller.version.read_profile_update(&body)?;
    // Not a UUID: no user can have that identifier.
    let id = Uuid::parse_str(&user_id).map_err(|_| ApiError::UserNotFound)?;
    caller.concerns(id);
    let audit = caller.audit(
        AuditAction::Patch,
        apply::changed_fields(caller.version, &changes),
    );
    let write = async {
        // Read before the write: once the write has committed, nothing may fail and leave
        // its idempotency key without an answer. An update does not change suspensions.
        let now = app.project_now(&caller).await?;
        let suspensions = app.store().active_suspensions(id, now).await?;
        let stored = apply::update_user(
            &app,
            &caller.settings,
            Target::Id(id),
            &changes,
            &audit,
            caller.trace.as_ref().map(|slot| slot.trace()),
        )
        .await?;
        let answer = Json(UserProfile::new(stored.id, &stored.user, suspensions));
        Ok((answer.into_response(), Some(stored.id)))
    };
    idempotency::once(
        &app,
        &caller,
        &Method::PATCH,
        uri.path(),
        &headers,
        &body,
        write,
    )
    .await
}
